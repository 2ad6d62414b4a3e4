"""What the service knows of others, only from their events: people (role, organization),
schools (level, ward), startups (owner, ward, youth- and women-led, status). And erasure."""

from __future__ import annotations

import hashlib

from services.competitions.ports import CompetitionRepository
from services.competitions.repository import (
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

log = get_logger(__name__)
ERASED_AUTHOR = "(tác giả đã yêu cầu xoá dữ liệu)"


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
        """Keep the account's name, role and organization (the latest identity event wins)."""
        fields = {
            "full_name": event.full_name,
            "role": event.role.value,
            "organization": event.organization,
        }
        await self.store.save_read_model(PEOPLE, event.user_id, None, fields)

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
        log.info("person.erased", user_id=event.user_id)
