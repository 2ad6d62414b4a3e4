"""Consultation Point use cases: mentor profiles and consultation requests. Matching is in
`matches.py`, sessions in `sessions.py`, figures and follow-ups in `follow_ups.py`, read
models and personal data in `read_models.py`."""

from __future__ import annotations

from services.mentoring import domain
from services.mentoring.matching import topic_key
from services.mentoring.ports import StartupLookup
from services.mentoring.records import Records
from services.mentoring.repository import MENTORS, REQUESTS, STARTUPS, USERS
from services.mentoring.views import mentor_view, request_view
from shared.contracts.base import Actor, Conflict, Forbidden, Invalid, NotFound, Role, new_id
from shared.contracts.events.mentoring import MentorRegisteredV1, RequestOpenedV1
from shared.contracts.rpc.mentoring.consultations import (
    ConsultationDraft,
    ConsultationPage,
    ConsultationView,
)
from shared.contracts.rpc.mentoring.mentors import (
    Availability,
    MentorChanges,
    MentorPage,
    MentorProfile,
    MentorView,
)
from shared.contracts.rpc.mentoring.topics import canonical_topic, topic_view
from shared.infra.mongo import AlreadyExists, Document

CLOSED_STARTUP = {"rejected", "closed"}


class Mentoring:
    """Mentor profiles and consultation requests (DESIGN §2). `lookup` asks the registry
    for a startup mentoring has not heard of yet (read your own writes, DESIGN §4).

    Errors raised are the contract's: `NotFound`, `Forbidden`, `Invalid`, `Conflict`.
    """

    def __init__(self, records: Records, lookup: StartupLookup | None = None) -> None:
        self.records = records
        self.store = records.store
        self.clock = records.clock
        self.lookup = lookup

    async def get_mentor(self, actor: Actor, mentor_id: str) -> MentorView:
        """One mentor's profile, for mentors, staff, and a founder ever matched with that
        mentor (DESIGN §9: parties and staff). Raises `NotFound`, `Forbidden`."""
        doc = await self.records.get(MENTORS, mentor_id)
        allowed = (
            domain.is_staff(actor)
            or actor.role == Role.MENTOR
            or await self.store.has_match_between(mentor_id, actor.id)
        )
        if not allowed:
            raise Forbidden("detail.mentor_not_yours")
        return mentor_view(doc)

    async def _startup(self, actor: Actor, startup_id: str) -> Document:
        """The startup from mentoring's read model, or, when the event has not arrived yet,
        from the registry (kept in the read model). Raises `NotFound`."""
        startup = await self.store.get(STARTUPS, startup_id)
        if startup is None and self.lookup is not None:
            found = await self.lookup(actor, startup_id)
            if found is not None:
                await self.store.save_read_model(STARTUPS, startup_id, found.pop("version"), found)
                startup = await self.store.get(STARTUPS, startup_id)
        if startup is None:
            raise NotFound("không tìm thấy dự án", startup_id=startup_id)
        return startup

    # --- mentors ---------------------------------------------------------------------------

    async def save_mentor(self, actor: Actor, profile: MentorProfile) -> MentorView:
        """Create a mentor profile: a mentor for themselves, or staff for a mentor account
        (`profile.user_id`). Emits `MentorRegisteredV1`. Raises `Forbidden`, `Invalid` (no
        mentor account), `Conflict` (the profile exists).
        """
        if domain.is_staff(actor):
            if not profile.user_id:
                raise Invalid("cần chọn tài khoản chuyên gia (user_id)", field="user_id")
            mentor_id = profile.user_id
            user = await self.store.get(USERS, mentor_id)
            if user is None or user.get("role") != Role.MENTOR.value:
                raise Invalid("tài khoản này không phải chuyên gia tư vấn", field="user_id")
        elif actor.role == Role.MENTOR and profile.user_id in (None, actor.id):
            mentor_id = actor.id
        else:
            raise Forbidden("chỉ chuyên gia hoặc cán bộ Điểm tư vấn được tạo hồ sơ chuyên gia")
        user = await self.store.get(USERS, mentor_id) or {}
        fields = profile.model_dump(mode="json", exclude={"user_id"})
        doc = {
            **fields,
            **expertise_fields(fields["expertise"]),
            "_id": mentor_id,
            "full_name": user.get("full_name"),
            "organization": user.get("organization") or actor.organization,
            "active": True,
            "paused": False,
            "slots": [],
            "rating_sum": 0,
            "rating_count": 0,
            "created_at": self.clock(),
            "version": 1,
        }
        event = MentorRegisteredV1(
            mentor_id=mentor_id,
            expertise=tuple(doc["expertise"]),
            sectors=tuple(profile.sectors),
            monthly_capacity=profile.monthly_capacity,
            organization=doc["organization"],
        )
        try:
            created = await self.records.create(MENTORS, doc, event)
        except AlreadyExists:
            raise Conflict(
                "chuyên gia này đã có hồ sơ; hãy sửa hồ sơ hiện có", mentor_id=mentor_id
            ) from None
        return mentor_view(created)

    async def update_mentor(
        self, actor: Actor, mentor_id: str, changes: MentorChanges
    ) -> MentorView:
        """Apply a partial edit made from version `changes.version`. Raises `NotFound`,
        `Forbidden` (not the mentor or staff), `Conflict` (a stale version).
        """
        domain.check_mentor_edit(actor, mentor_id)
        doc = await self.records.get(MENTORS, mentor_id)
        data = changes.model_dump(mode="json", exclude_unset=True)
        if data.pop("version") != doc["version"]:
            raise Conflict("hồ sơ đã được sửa; hãy tải lại", current_version=doc["version"])
        changed = {k: v for k, v in data.items() if v is not None}
        if "expertise" in changed:
            changed.update(expertise_fields(changed["expertise"]))
        return mentor_view(await self.records.change(MENTORS, doc, changed))

    async def set_availability(
        self, actor: Actor, mentor_id: str, availability: Availability
    ) -> MentorView:
        """Replace the mentor's weekly slots (local time, Monday = 0). Raises `NotFound`,
        `Forbidden`, `Conflict` (a concurrent edit).
        """
        domain.check_mentor_edit(actor, mentor_id)
        doc = await self.records.get(MENTORS, mentor_id)
        slots = availability.model_dump(mode="json")["slots"]
        return mentor_view(await self.records.change(MENTORS, doc, {"slots": slots}))

    async def list_mentors(
        self, actor: Actor, topic: str | None, page: int, page_size: int
    ) -> MentorPage:
        """One page of active mentors (with that topic, by its code, its Vietnamese name or an
        English word; tones and `đ` optional), by id."""
        # "gọi vốn", "goi von" and "funding" are one canonical topic (issue 14)
        key = topic_key(canonical_topic(topic)) if topic else None
        docs, total = await self.store.page_mentors(
            key, skip=(page - 1) * page_size, limit=page_size
        )
        return MentorPage(
            items=[mentor_view(d) for d in docs], total=total, page=page, page_size=page_size
        )

    # --- requests ---------------------------------------------------------------------------

    async def open_request(self, actor: Actor, draft: ConsultationDraft) -> ConsultationView:
        """A founder asks for a consultation for their own startup (not rejected or closed); it
        opens with status `open`. Emits `RequestOpenedV1`. Raises `NotFound` (unknown
        startup), `Forbidden` (not its founder), `Invalid` (rejected or closed), `Conflict`
        (an open request of the startup shares a topic: the reply names it).
        """
        startup = await self._startup(actor, draft.startup_id)
        domain.check_founder_of(actor, startup["owner_id"])
        if startup["status"] in CLOSED_STARTUP:
            raise Invalid("dự án đã bị từ chối hoặc đã đóng", status=startup["status"])
        asked = {topic_key(t) for t in draft.topics}
        await self._refuse_if_waiting(draft.startup_id, asked)
        now = self.clock()
        request_id = new_id()
        doc = {
            **draft.model_dump(mode="json"),
            "_id": request_id,
            "founder_id": actor.id,
            "startup_name": startup["name"],
            "sector": startup["sector"],
            "stage": startup["stage"],
            "ward": startup["ward"],
            "status": "open",
            # Enforced by the unique index `one_waiting_request_per_topic` until matched.
            "waiting": True,
            "waiting_topics": sorted(asked),
            "declined_mentors": [],
            "opened_at": now,
            "version": 1,
        }
        event = RequestOpenedV1(
            request_id=request_id,
            startup_id=draft.startup_id,
            founder_id=actor.id,
            topics=tuple(draft.topics),
            mode=draft.mode,
            language=draft.language.value,
            referred_by=draft.referred_by,
            ward=startup["ward"],
            startup_name=startup["name"],
            opened_at=now,
        )
        try:
            created = await self.records.create(REQUESTS, doc, event)
        except AlreadyExists:
            # Another copy opened one with a shared topic a moment ago.
            await self._refuse_if_waiting(draft.startup_id, asked)
            raise Conflict("detail.request_already_open") from None
        return request_view(created)

    async def _refuse_if_waiting(self, startup_id: str, topics: set[str]) -> None:
        """Raise `Conflict` naming the startup's waiting request (open or proposed) that
        shares one of `topics` (keys), if there is one."""
        for waiting in await self.store.open_requests_of_startup(startup_id):
            if topics & {topic_key(t) for t in waiting["topics"]}:
                raise Conflict(
                    "detail.request_already_open",
                    request_id=waiting["_id"],
                    status=waiting["status"],
                )

    async def get_request(self, actor: Actor, request_id: str) -> ConsultationView:
        """The request, for its founder, its mentor or staff. Raises `NotFound`, `Forbidden`."""
        doc = await self.records.get(REQUESTS, request_id)
        if not (domain.is_staff(actor) or actor.id in (doc["founder_id"], doc.get("mentor_id"))):
            raise Forbidden("bạn không xem được yêu cầu này")
        return request_view(doc)

    async def list_requests(
        self, actor: Actor, status: str | None, page: int, page_size: int
    ) -> ConsultationPage:
        """One page of requests, oldest first: staff see all, a mentor theirs, a founder their
        own; optionally of one `status`.
        """
        query: Document = (
            {}
            if domain.is_staff(actor)
            else (
                {"mentor_id": actor.id} if actor.role == Role.MENTOR else {"founder_id": actor.id}
            )
        )
        if status:
            query["status"] = status
        docs, total = await self.store.page_requests(
            query, skip=(page - 1) * page_size, limit=page_size
        )
        return ConsultationPage(
            items=[request_view(d) for d in docs], total=total, page=page, page_size=page_size
        )


def expertise_fields(expertise: list[str]) -> Document:
    """The topics as written (duplicates dropped) and their keys, for the topic filter."""
    unique = list(dict.fromkeys(expertise))
    return {
        "expertise": unique,
        "expertise_keys": sorted({topic_key(t) for t in unique}),
        "topics": [topic_view(t).model_dump(mode="json") for t in unique],
    }
