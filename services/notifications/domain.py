"""Who hears what, and what it says: pure rules, no I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from shared.contracts.base import Locale


class Channel(StrEnum):
    INBOX = "inbox"
    EMAIL = "email"
    SMS = "sms"
    ZALO = "zalo"


class Kind(StrEnum):
    WELCOME = "welcome"


@dataclass(frozen=True)
class Contact:
    user_id: str
    email: str
    full_name: str
    role: str
    locale: Locale
    organization: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Notification:
    id: str
    recipient_id: str
    kind: Kind
    channel: Channel
    title: str
    body: str
    event_id: str
    created_at: datetime
    urgent: bool = False
    read: bool = False


_NOTIFICATION_NAMESPACE = uuid.UUID("5f0d7a3e-9a52-4c4e-8f0e-6d1b8d3f2a10")


def notification_id(event_id: str, recipient_id: str, channel: Channel) -> str:
    """Deterministic, so a redelivered event can only ever write the same notification."""
    return str(uuid.uuid5(_NOTIFICATION_NAMESPACE, f"{event_id}:{recipient_id}:{channel.value}"))


_templates = Environment(
    loader=PackageLoader("services.notifications", "templates"),
    autoescape=select_autoescape(default_for_string=False, default=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
)


def render(kind: Kind, locale: Locale, **data: object) -> tuple[str, str]:
    """Title and body of a kind in the recipient's locale; the first line is the title."""
    text = _templates.get_template(f"{kind.value}.{locale.value}.txt").render(**data).strip()
    title, _, body = text.partition("\n")
    return title.strip(), body.strip()


def welcome(contact: Contact, *, event_id: str, at: datetime) -> Notification:
    title, body = render(Kind.WELCOME, contact.locale, name=contact.full_name)
    return Notification(
        id=notification_id(event_id, contact.user_id, Channel.INBOX),
        recipient_id=contact.user_id,
        kind=Kind.WELCOME,
        channel=Channel.INBOX,
        title=title,
        body=body,
        event_id=event_id,
        created_at=at,
    )
