"""Outbound channels behind one interface: email over SMTP (aiosmtplib); SMS and Zalo
whose local implementations only log what they would send."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

import aiosmtplib

from services.notifications.domain import Channel, Contact
from shared.infra.logging import get_logger
from shared.infra.settings import Settings

log = get_logger(__name__)


@dataclass(frozen=True)
class Message:
    """A rendered notification: its title (the email subject) and plain-text body."""

    title: str
    body: str


class Sender(Protocol):
    """An outward channel: email, SMS or Zalo."""

    channel: Channel

    async def send(self, contact: Contact, message: Message) -> None:
        """Deliver or raise; the caller retries with backoff."""


class EmailSender:
    """Email over SMTP (`INNOHUB_SMTP_*` settings); used only when a host is set."""

    channel = Channel.EMAIL

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, contact: Contact, message: Message) -> None:
        """Send one plain-text UTF-8 email; SMTP errors and the timeout
        (`smtp_timeout_seconds`) propagate so the caller retries."""
        assert self.settings.smtp_host
        email = EmailMessage()
        email["From"] = self.settings.smtp_from
        email["To"] = contact.email
        email["Subject"] = message.title  # encoded as UTF-8 by the email package
        email["Message-ID"] = make_msgid(domain="innohub.local")
        email["Content-Language"] = contact.locale.value
        email.set_content(f"{message.body}\n\n— Gò Vấp InnoHub\n")
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
