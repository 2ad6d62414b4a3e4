"""The contact directory and the names messages write (DESIGN §2: notifications keep their
own contact directory from identity events): accounts are kept and welcomed, wards' and
sectors' display names kept, and a person's data exported or erased (PDPL 91/2025).
Functions over the `Notices` use cases, like the other event reactions."""

from __future__ import annotations

from typing import Any

from services.notifications.domain import Contact, Kind
from services.notifications.service import Notices
from shared.contracts.events.identity import (
    UserDeletionRequestedV1,
    UserRegisteredV1,
    UserUpdatedV1,
)
from shared.contracts.events.reference import SectorSavedV1, WardSavedV1
from shared.infra.logging import get_logger
from shared.infra.personal_data import clear_contact

log = get_logger(__name__)


def _contact(event: UserRegisteredV1 | UserUpdatedV1) -> Contact:
    """The directory entry from an opened identity event (`PersonKeys.opening`)."""
    clear = clear_contact(event)
    return Contact(
        user_id=event.user_id,
        email=clear.email,
        full_name=clear.full_name,
        role=event.role.value,
        locale=event.locale,
        organization=event.organization,
        phone=clear.phone,
    )


async def user_registered(n: Notices, event_id: str, event: UserRegisteredV1) -> None:
    """Keep the new account's contact and welcome them."""
    contact = _contact(event)
    await n.store.save_contact(contact)
    await n.notify(Kind.WELCOME, contact, event_id=event_id)


async def user_updated(n: Notices, event: UserUpdatedV1) -> None:
    """Keep the account's changed contact details."""
    await n.store.save_contact(_contact(event))


async def label_saved(n: Notices, event: WardSavedV1 | SectorSavedV1) -> None:
    """Keep a ward's or sector's display name, to write it in messages."""
    if isinstance(event, WardSavedV1):
        await n.store.save_label(f"ward:{event.code}", event.name)
    else:
        await n.store.save_label(f"sector:{event.code}", event.name_vi)


async def erase_person(n: Notices, event: UserDeletionRequestedV1) -> None:
    """Delete everything held about the person (PDPL 91/2025): contact, preferences, inbox
    and deliveries.
    """
    erased = await n.store.erase(event.user_id)
    log.info("person.erased", user_id=event.user_id, notifications=erased)


async def export_personal_data(n: Notices, user_id: str) -> dict[str, Any]:
    """What notifications hold about the person (PDPL 91/2025 access request): contact,
    inbox and preferences.
    """
    return await n.store.personal_data(user_id)
