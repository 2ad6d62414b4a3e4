"""What the registry knows of others, only from their events: the wards' and sectors'
labels and validity (the gateway's reference data) and the accounts' contacts (identity)."""

from __future__ import annotations

from services.registry.ports import StartupRepository
from shared.contracts.events.reference import SectorSavedV1, WardSavedV1
from shared.infra.logging import get_logger
from shared.infra.mongo import Document

log = get_logger(__name__)


class ReadModels:
    """The registry's copies of reference data and contacts, each kept at its newest version
    in the `StartupRepository`."""

    def __init__(self, store: StartupRepository) -> None:
        self.store = store

    async def ward_saved(self, event: WardSavedV1) -> None:
        """Keep the ward's snapshot (read model from the gateway's reference data), unless a
        newer version is kept.
        """
        fields = event.model_dump(mode="json", exclude={"code", "version"})
        await self.store.save_reference("wards", event.code, event.version, fields)

    async def sector_saved(self, event: SectorSavedV1) -> None:
        """Keep the sector's snapshot, unless a newer version is kept."""
        fields = event.model_dump(mode="json", exclude={"code", "version"})
        await self.store.save_reference("sectors", event.code, event.version, fields)

    async def contact_saved(self, user_id: str, fields: Document, version: int | None) -> None:
        """Keep the account's name, email and role at `version` (the account's version in
        the identity event): an older version is ignored, and so is any update after the
        person's erasure (the contact is a tombstone then, `personal_data.PersonalData`)."""
        if not await self.store.save_contact(user_id, fields, version):
            log.info("contact.ignored", user_id=user_id, version=version)
