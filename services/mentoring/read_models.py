"""What mentoring learns from other services' events (startups, sectors, accounts) and
what it holds about a person: the export and the erasure PDPL 91/2025 gives them."""

from __future__ import annotations

from typing import Any

from services.mentoring.ports import MentoringRepository
from services.mentoring.repository import MENTORS, SECTORS, STARTUPS
from services.mentoring.views import mentor_view, request_view, session_view
from shared.contracts.events.identity import (
    UserDeletionRequestedV1,
    UserRegisteredV1,
    UserUpdatedV1,
)
from shared.contracts.events.reference import SectorSavedV1
from shared.contracts.events.registry import StartupSnapshot
from shared.infra.personal_data import clear_contact


class ReadModels:
    """Mentoring's copies of other services' data, and a person's export and erasure."""

    def __init__(self, store: MentoringRepository) -> None:
        self.store = store

    async def startup_seen(self, startup: StartupSnapshot) -> None:
        """Keep the startup's snapshot from a registry event, unless a newer version is kept."""
        fields = startup.model_dump(
            mode="json", include={"owner_id", "name", "sector", "stage", "ward", "status", "needs"}
        )
        await self.store.save_read_model(STARTUPS, startup.startup_id, startup.version, fields)

    async def sector_seen(self, event: SectorSavedV1) -> None:
        """Keep the sector's Vietnamese name, unless a newer version is kept."""
        await self.store.save_read_model(
            SECTORS, event.code, event.version, {"name_vi": event.name_vi}
        )

    async def user_seen(self, event: UserRegisteredV1 | UserUpdatedV1) -> None:
        """Keep the account's name, role and organization at the event's `version`: an older
        one is ignored, and nothing recreates a person erased (PDPL 91/2025)."""
        fields = {
            "full_name": clear_contact(event).full_name,
            "role": event.role.value,
            "organization": event.organization,
        }
        await self.store.save_user(event.user_id, fields, event.version)

    async def erase_person(self, event: UserDeletionRequestedV1) -> None:
        """Erase what identifies the person or what they wrote (a mentor's name and bio, a
        founder's request messages and comments, a mentor's session notes, the reasons they
        gave for cancelling); the records
        stay, so the district's counts, hours and ratings do not change."""
        await self.store.erase_person(event.user_id)

    async def personal_data(self, user_id: str) -> dict[str, Any]:
        """What mentoring holds about the person (PDPL 91/2025 access request): their mentor
        profile, requests and sessions, as JSON-ready dicts.
        """
        mentor = await self.store.get(MENTORS, user_id)
        requests = await self.store.requests_of(user_id)
        sessions = await self.store.sessions_of(user_id)
        return {
            "mentor_profile": mentor_view(mentor).model_dump(mode="json") if mentor else None,
            "consultation_requests": [request_view(r).model_dump(mode="json") for r in requests],
            "sessions": [session_view(s).model_dump(mode="json") for s in sessions],
        }
