"""What a notification says: the Jinja templates (one per kind and locale, in
`templates/`) rendered into an inbox item. Reads template files, so it stays out of the
pure `domain`."""

from __future__ import annotations

from datetime import datetime

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context

from services.notifications.domain import (
    RULES,
    Channel,
    Contact,
    Kind,
    Notification,
    format_date,
    format_time,
    notification_id,
)
from shared.contracts.base import Locale
from shared.i18n import enum_label

_templates = Environment(
    loader=PackageLoader("services.notifications", "templates"),
    autoescape=select_autoescape(default_for_string=False, default=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.filters["date_vn"] = lambda value: format_date(value)
_templates.filters["time_vn"] = lambda value: format_time(value)


@pass_context
def _label(context: Context, value: str, enum_name: str) -> str:
    """`{{ scope | label("InitiativeScope") }}`: the catalogue's label of a code in the
    recipient's locale, so a person never reads a code (issue 14); the value itself when
    the catalogue has none (free text)."""
    return enum_label(enum_name, value, context["locale"]) or value


_templates.filters["label"] = _label

#: What may already end a sentence a person typed (a reason): no full stop is added then.
SENTENCE_ENDS = (".", "!", "?", "…")


def sentence(value: object) -> str:
    """`{{ reason | sentence }}`: the text stripped, ending with exactly one full stop unless
    it already ends a sentence ("rõ ràng." stays "rõ ràng.", never "rõ ràng.."); empty
    text stays empty."""
    text = str(value or "").strip()
    return text if not text or text.endswith(SENTENCE_ENDS) else f"{text}."


_templates.filters["sentence"] = sentence


def render(kind: Kind, locale: Locale, **data: object) -> tuple[str, str]:
    """Title and body of a kind in the recipient's locale; the first line is the title."""
    template = _templates.get_template(f"{kind.value}.{locale.value}.txt")
    text = template.render(**{**data, "locale": locale.value}).strip()
    title, _, body = text.partition("\n")
    return title.strip(), body.strip()


def compose(
    kind: Kind, contact: Contact, *, event_id: str, at: datetime, **data: object
) -> Notification:
    """The inbox item `kind` makes for `contact` from the event `event_id` at `at` (aware):
    rendered in the contact's locale with `data`; its id is derived from (event, recipient),
    so a redelivered event makes the same item. Raises jinja2's `UndefinedError` when
    `data` lacks what the template uses."""
    title, body = render(
        kind,
        contact.locale,
        **{"name": contact.full_name, "role": contact.role, "when": at, **data},
    )
    return Notification(
        id=notification_id(event_id, contact.user_id, Channel.INBOX),
        recipient_id=contact.user_id,
        kind=kind,
        title=title,
        body=body,
        event_id=event_id,
        created_at=at,
        urgent=RULES[kind].urgent,
    )
