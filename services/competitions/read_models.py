"""What the service knows of others, only from their events: people (role, organization),
schools (level, ward), startups (owner, ward, youth- and women-led, status). And erasure."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from services.competitions.erasure import (
    TOMBSTONE_VERSION,
    certificate_changes,
    competition_changes,
    initiative_changes,
)
from services.competitions.ports import CompetitionRepository
from services.competitions.repository import (
    CERTIFICATES,
    COMPETITIONS,
    INITIATIVES,
    PEOPLE,
    SCHOOLS,
    STARTUPS,
)
from shared.contracts.events.identity import (
    UserDeletionRequestedV1,
    UserRegisteredV1,
    UserUpdatedV1,
)
from shared.contracts.events.reference import SchoolSavedV1
from shared.contracts.events.registry import StartupSnapshot
from shared.infra.logging import get_logger
from shared.infra.mongo import Document
from shared.infra.personal_data import clear_contact

log = get_logger(__name__)
ERASED_AUTHOR = "(tác giả đã yêu cầu xoá dữ liệu)"
#: How often an erasure rewrites one document that keeps changing under it.
ATTEMPTS = 20


def pseudonym(user_id: str) -> str:
    """The stable stand-in for an erased person's id: results and figures stay true, nothing
    points back to them.
    """
    return "erased-" + hashlib.sha256(user_id.encode()).hexdigest()[:16]


class ReadModels:
    """Competitions' copies of other services' data (people, schools, startups) and a person's
    erasure.
    """

    def __init__(self, store: CompetitionRepository) -> None:
        self.store = store

    async def user_saved(self, event: UserRegisteredV1 | UserUpdatedV1) -> None:
        """Keep the account's name, role and organization at the event's version: an older
        event than the one kept is ignored, and nothing passes an erased person's tombstone
        (events from before versions count as version 0)."""
        fields = {
            "full_name": clear_contact(event).full_name,
            "role": event.role.value,
            "organization": event.organization,
        }
        await self.store.save_read_model(PEOPLE, event.user_id, event.version or 0, fields)

    async def school_saved(self, event: SchoolSavedV1) -> None:
        """Keep the school's snapshot (name, level, ward), unless a newer version is kept."""
        fields = {
            "name": event.name,
            "level": event.level.value,
            "ward": event.ward,
            "active": event.active,
        }
        await self.store.save_read_model(SCHOOLS, event.code, event.version, fields)

    async def startup_saved(self, startup: StartupSnapshot) -> None:
        """Keep the startup's snapshot, unless a newer version is kept."""
        fields = startup.model_dump(mode="json", exclude={"startup_id", "version"})
        await self.store.save_read_model(STARTUPS, startup.startup_id, startup.version, fields)

    async def erase_person(self, event: UserDeletionRequestedV1) -> None:
        """The person's id is replaced by a pseudonym everywhere (results and figures stay
        true); their name is struck from the initiatives they filed."""
        person = await self.store.read_model(PEOPLE, event.user_id)
        name = (person or {}).get("full_name")
        alias = pseudonym(event.user_id)
        if name:
            for doc in await self.store.find(INITIATIVES, {"filed_by": event.user_id}):
                authors = [
                    {**a, "name": ERASED_AUTHOR} if a["name"] == name else a
                    for a in doc.get("authors") or []
                ]
                await self.store.replace_authors(doc["_id"], authors)
        await self.store.replace_person(event.user_id, alias)
        tombstone = {"erased": True, "full_name": None, "role": None, "organization": None}
        await self.store.save_read_model(PEOPLE, event.user_id, TOMBSTONE_VERSION, tombstone)
        for collection, changes_of in (
            (COMPETITIONS, competition_changes),
            (INITIATIVES, initiative_changes),
            (CERTIFICATES, certificate_changes),
        ):
            for doc in await self.store.find(collection, {}):
                await self._rewrite(collection, doc, event.user_id, alias, changes_of)
        log.info("person.erased", user_id=event.user_id)

    async def _rewrite(
        self,
        collection: str,
        doc: Document,
        user_id: str,
        alias: str,
        changes_of: Callable[[Document, str, str], Document | None],
    ) -> None:
        """Apply `changes_of` to the document by a versioned update, read again and retried
        when another write got there first (nothing is overwritten blindly)."""
        for _ in range(ATTEMPTS):
            changes = changes_of(doc, user_id, alias)
            if changes is None:
                return
            if await self.store.update(collection, doc["_id"], doc["version"], changes, []):
                return
            fresh = await self.store.get(collection, doc["_id"])
            if fresh is None:
                return
            doc = fresh
        log.warning("person.erasure_retry_exhausted", collection=collection, doc_id=doc["_id"])
