"""Transactional email a person's own action asks for (issue 17): sent at once, never held
by quiet hours or the digest, and never written to the inbox (a password-reset link must
not sit in an inbox item or a digest).

`password_reset` turns `identity.user.password_reset_requested.v1` into one email with the
single-use link. The token is in the event (so in the IDENTITY stream until retention:
useless by then, 30 minutes and single use) and in the email; nowhere else here.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined

from services.notifications.delivery import Message
from services.notifications.domain import Channel, format_date, format_time
from services.notifications.service import Notices
from shared.contracts.events.identity import PasswordResetRequestedV1
from shared.infra.logging import get_logger

log = get_logger(__name__)

_templates = Environment(
    loader=PackageLoader("services.notifications", "templates"),
    autoescape=False,  # noqa: S701 (plain-text email, not HTML)
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.filters["date_vn"] = format_date
_templates.filters["time_vn"] = format_time

#: The web page that takes the token and the new password.
RESET_PAGE = "/password-reset"


def reset_message(name: str, locale: str, link: str, expires_at: datetime, minutes: int) -> Message:
    """The password-reset email in `locale`: title line, then body with the link."""
    text = _templates.get_template(f"password_reset.{locale}.txt").render(
        name=name, link=link, expires_at=expires_at, minutes=minutes
    )
    title, _, body = text.strip().partition("\n")
    return Message(title=title.strip(), body=body.strip())


async def password_reset(
    notices: Notices,
    event: PasswordResetRequestedV1,
    *,
    base_url: str,
    now: datetime | None = None,
) -> bool:
    """Email the reset link to the account's address at once; True when sent. Nothing for
    an erased person or a link already expired; waits (raises `RecipientNotYetKnown`, so
    the event is redelivered) for a contact not yet known. Without an email channel it
    logs that it could not send (never the token). A sending failure propagates, so the
    event is redelivered with backoff."""
    at = now or datetime.now(UTC)
    contact = await notices.recipient(event.user_id)
    if contact is None or event.expires_at <= at:
        return False
    sender = notices.senders.get(Channel.EMAIL)
    if sender is None:
        log.warning("password_reset.no_email_channel", recipient_id=event.user_id)
        return False
    link = f"{base_url.rstrip('/')}{RESET_PAGE}?{urlencode({'token': event.token})}"
    minutes = max(1, round((event.expires_at - at).total_seconds() / 60))
    message = reset_message(
        contact.full_name, contact.locale.value, link, event.expires_at, minutes
    )
    # A redelivered request is the same email (one Message-ID per request).
    key = f"password-reset:{event.user_id}:{event.expires_at.isoformat()}"
    await sender.send(contact, replace(message, key=key))
    log.info("password_reset.emailed", recipient_id=event.user_id)
    return True
