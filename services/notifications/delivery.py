"""Outbound channels behind one interface: email over SMTP (aiosmtplib); SMS and Zalo
whose local implementations only log what they would send."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formataddr, make_msgid, parseaddr
from typing import Protocol

import aiosmtplib

from services.notifications.domain import Channel, Contact
from shared.infra.logging import get_logger
from shared.infra.settings import Settings

log = get_logger(__name__)


@dataclass(frozen=True)
class Message:
    """A rendered notification: its title (the email subject) and plain-text body; `key`
    names what it delivers (the delivery's id, a digest's item ids), the same on a resend."""

    title: str
    body: str
    key: str = ""


def message_id(key: str, sender_address: str) -> str:
    """The email's Message-ID (RFC 5322 §3.6.4): derived from `key` when there is one, so a
    message sent again after a copy died between sending it and recording it (SMTP has no
    exactly-once) is the same message to the recipient's mail system, which can drop the
    second; a random one otherwise. The domain is the sender's."""
    domain = sender_address.rpartition("@")[2] or "innohub.local"
    if not key:
        return make_msgid(domain=domain)
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


class Sender(Protocol):
    """An outward channel: email, SMS or Zalo."""

    channel: Channel

    async def send(self, contact: Contact, message: Message) -> None:
        """Deliver or raise; the caller retries with backoff."""


def compose_email(sender: str, contact: Contact, message: Message) -> MIMEText:
    """The plain-text UTF-8 email of `message` to `contact` from `sender` ("Name <address>").

    The compat32 message and `Header` encode a Vietnamese subject into RFC 2047 words that
    keep every space; the newer `EmailMessage` folding drops the space between two encoded
    words ("đến vớiGò Vấp", CPython gh-144156, unfixed in 3.11)."""
    email = MIMEText(f"{message.body}\n\n— Gò Vấp InnoHub\n", "plain", "utf-8")
    sender_name, sender_address = parseaddr(sender)
    email["From"] = formataddr((sender_name, sender_address), charset="utf-8")
    email["To"] = contact.email
    email["Subject"] = Header(message.title, "utf-8", header_name="Subject").encode()
    email["Message-ID"] = message_id(message.key, sender_address)
    email["Content-Language"] = contact.locale.value
    return email


class EmailSender:
    """Email over SMTP (`INNOHUB_SMTP_*` settings); used only when a host is set."""

    channel = Channel.EMAIL

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, contact: Contact, message: Message) -> None:
        """Send one plain-text UTF-8 email; SMTP errors and the timeout
        (`smtp_timeout_seconds`) propagate so the caller retries."""
        assert self.settings.smtp_host
        email = compose_email(self.settings.smtp_from, contact, message)
        await aiosmtplib.send(
            email,
            hostname=self.settings.smtp_host,
            port=self.settings.smtp_port,
            username=self.settings.smtp_username,
            password=self.settings.smtp_password,
            start_tls=self.settings.smtp_starttls,
            timeout=self.settings.smtp_timeout_seconds,
        )
        log.info("email.sent", recipient_id=contact.user_id)


class LoggedSender:
    """SMS and Zalo: no provider is contracted yet, so the local implementation logs."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    async def send(self, contact: Contact, message: Message) -> None:
        """Log that the message would go out; never raises."""
        log.info(
            f"{self.channel.value}.would_send", recipient_id=contact.user_id, title=message.title
        )


def senders(settings: Settings) -> dict[Channel, Sender]:
    """The outward senders by channel: SMS and Zalo log, email only when an SMTP host is set."""
    available: dict[Channel, Sender] = {
        Channel.SMS: LoggedSender(Channel.SMS),
        Channel.ZALO: LoggedSender(Channel.ZALO),
    }
    if settings.smtp_host:
        available[Channel.EMAIL] = EmailSender(settings)
    return available
