"""A person's rights over what the registry holds about them (PDPL 91/2025, Decree
356/2025): the export of their data and its erasure."""

from __future__ import annotations

from typing import Any

from services.registry.ports import StartupRepository
from services.registry.views import view
from shared.contracts.base import Actor
from shared.contracts.events.identity import UserDeletionRequestedV1
from shared.infra.logging import get_logger

log = get_logger(__name__)


class PersonalData:
    """Export and erasure of a person's data in the `StartupRepository`."""

    def __init__(self, store: StartupRepository) -> None:
        self.store = store

    async def export(self, user_id: str) -> dict[str, Any]:
        """What the registry holds about the person (PDPL 91/2025 access request): their contact
        and the startups they own, as JSON-ready dicts.
        """
        owner = Actor(id=user_id, role="founder")
        startups = [
            view(doc, owner).model_dump(mode="json") for doc in await self.store.owned_by(user_id)
        ]
        contact = await self.store.contact(user_id)
        return {"contact": contact, "startups": startups}

    async def erase(self, event: UserDeletionRequestedV1) -> None:
        """Erase the person's data (PDPL 91/2025): their contact (a tombstone stays, so a late
        update cannot recreate them), their birth year and team entries; the startups
        themselves stay, so the district's figures do not change.
        """
        contact = await self.store.erase_contact(event.user_id)
        erased = await self.store.erase_founder(
            event.user_id, contact.get("email") if contact else None
        )
        log.info("person.erased", user_id=event.user_id, startups=erased)
