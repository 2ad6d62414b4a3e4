"""What the events service knows of people and organizations (read models kept from
identity and reference events, DESIGN §1, §4), a person's data for the export and its
erasure (PDPL 91/2025)."""

from __future__ import annotations

import hashlib
from typing import Any

from services.events.ports import OrganizationStore, PeopleStore
from shared.contracts.events.identity import (
    UserDeletionRequestedV1,
    UserRegisteredV1,
    UserUpdatedV1,
)
from shared.contracts.events.reference import OrganizationSavedV1
from shared.infra.logging import get_logger
from shared.infra.personal_data import clear_contact

log = get_logger(__name__)


def pseudonym(user_id: str) -> str:
    """The stable stand-in for an erased person's id: figures stay true, nothing points
    back to them."""
    return "erased-" + hashlib.sha256(user_id.encode()).hexdigest()[:16]


class People:
    """The people and organizations read models, a person's data and erasure."""

    def __init__(self, people: PeopleStore, organizations: OrganizationStore) -> None:
        self.people = people
        self.organizations = organizations

    async def user_saved(self, event: UserRegisteredV1 | UserUpdatedV1) -> None:
        """Keep the account's name and organization (the highest version wins; an erased
        person is never recreated)."""
        fields = {
            "full_name": clear_contact(event).full_name,
            "organization": event.organization,
            "role": event.role.value,
        }
        await self.people.save_person(event.user_id, fields, event.version)

    async def organization_saved(self, event: OrganizationSavedV1) -> None:
        """Keep the organization an event may name as organizer (reference data, DESIGN §1):
        the highest version wins."""
        fields = {"name": event.name, "kind": event.kind.value, "active": event.active}
        await self.organizations.save_organization(event.code, fields, event.version)

    async def erase_person(self, event: UserDeletionRequestedV1) -> None:
        """Erasure (PDPL 91/2025): a tombstone, and the person's registrations and
        certificates kept for the figures under a pseudonym, without name or ticket use."""
        await self.people.erase_person(event.user_id, pseudonym(event.user_id))
        log.info("person.erased")

    async def personal_data(self, user_id: str) -> dict[str, Any]:
        """Everything the service keeps about a person (the `ExportPersonalData` answer's
        events part)."""
        return await self.people.personal_data(user_id)
