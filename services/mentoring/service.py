"""Consultation Point use cases: mentor profiles, requests, matching. Sessions, feedback and
figures are in `sessions.py`; read models and personal data in `read_models.py`."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from services.mentoring import domain
from services.mentoring.matching import (
    MentorFacts,
    MentorTable,
    RequestFacts,
    assign,
    reasons,
    topic_key,
)
from services.mentoring.records import Records, staff_only
from services.mentoring.repository import (
    MATCHES,
    MENTORS,
    REQUESTS,
    STARTUPS,
    USERS,
)
from services.mentoring.sessions import Sessions
from services.mentoring.views import match_view, mentor_view, request_view
from shared.contracts.base import Actor, Conflict, Forbidden, Invalid, NotFound, Role, new_id
from shared.contracts.events.mentoring import (
    MatchAcceptedV1,
    MatchDeclinedV1,
    MatchProposedV1,
    MentorRegisteredV1,
    RequestOpenedV1,
)
from shared.contracts.rpc.mentoring import (
    Availability,
    BatchResult,
    Completion,
    ConsultationDraft,
    ConsultationPage,
    ConsultationView,
    FeedbackDraft,
    MatchView,
    MentorChanges,
    MentoringFigures,
    MentorPage,
    MentorProfile,
    MentorView,
    SessionDraft,
    SessionView,
    Suggestion,
    Suggestions,
)
from shared.infra.mongo import AlreadyExists, Document
from shared.localtime import utc

CLOSED_STARTUP = {"rejected", "closed"}


class Mentoring:
    """Mentor profiles, consultation requests and matching (DESIGN §2). Sessions are their
    own use case (`Sessions`), composed here so the gateway's RPCs reach one object.

    Errors raised are the contract's: `NotFound`, `Forbidden`, `Invalid`, `Conflict`.
    """

    def __init__(self, records: Records, sessions: Sessions) -> None:
        self.records = records
        self.sessions = sessions
        self.store = records.store
        self.clock = records.clock

    # --- sessions (their own use case) -------------------------------------------------------

    async def schedule(self, actor: Actor, draft: SessionDraft) -> SessionView:
        """See `Sessions.schedule`."""
        return await self.sessions.schedule(actor, draft)

    async def complete(self, actor: Actor, session_id: str, completion: Completion) -> SessionView:
        """See `Sessions.complete`."""
        return await self.sessions.complete(actor, session_id, completion)

    async def feedback(self, actor: Actor, session_id: str, feedback: FeedbackDraft) -> SessionView:
        """See `Sessions.feedback`."""
        return await self.sessions.feedback(actor, session_id, feedback)

    async def figures(self, start: datetime, end: datetime) -> MentoringFigures:
        """See `Sessions.figures`."""
        return await self.sessions.figures(start, end)

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
        """One page of active mentors (with that topic, diacritics optional), by id."""
        docs, total = await self.store.page_mentors(
            topic_key(topic) if topic else None, skip=(page - 1) * page_size, limit=page_size
        )
        return MentorPage(
            items=[mentor_view(d) for d in docs], total=total, page=page, page_size=page_size
        )

    # --- requests ---------------------------------------------------------------------------

    async def open_request(self, actor: Actor, draft: ConsultationDraft) -> ConsultationView:
        """A founder asks for a consultation for their own startup (not rejected or closed); it
        opens with status `open`. Emits `RequestOpenedV1`. Raises `NotFound` (unknown
        startup), `Forbidden` (not its founder), `Invalid` (rejected or closed).
        """
        startup = await self.store.get(STARTUPS, draft.startup_id)
        if startup is None:
            raise NotFound("không tìm thấy dự án", startup_id=draft.startup_id)
        domain.check_founder_of(actor, startup["owner_id"])
        if startup["status"] in CLOSED_STARTUP:
            raise Invalid("dự án đã bị từ chối hoặc đã đóng", status=startup["status"])
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
        return request_view(await self.records.create(REQUESTS, doc, event))

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

    # --- matching ---------------------------------------------------------------------------

    async def mentor_table(self) -> MentorTable:
        """Every active mentor's facts for matching now: topics, sectors, stages, languages,
        capacity used this local month (sessions, proposals, accepted matches not yet booked)
        and free hours in the next 14 days.
        """
        now = self.clock()
        month_start, month_end = domain.month_bounds(now)
        mentors = await self.store.active_mentors()
        busy = await self.store.sessions_booked(
            month_start, now + domain.LOOKAHEAD + (month_end - month_start)
        )
        # A seat is used by a session this month, and held by a proposal or by an accepted
        # match whose first session is not booked yet.
        pending = await self.store.proposed_matches()
        accepted = await self.store.matches_accepted_since(month_start)
        with_session = {
            s["match_id"]
            for s in await self.store.sessions_of_matches([m["_id"] for m in accepted])
        }
        used: Counter[str] = Counter(
            s["mentor_id"] for s in busy if month_start <= utc(s["starts_at"]) < month_end
        )
        used.update(m["mentor_id"] for m in pending)
        used.update(m["mentor_id"] for m in accepted if m["_id"] not in with_session)
        booked: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
        for session in busy:
            start = utc(session["starts_at"])
            if now <= start < now + domain.LOOKAHEAD:
                booked[session["mentor_id"]].append((start, utc(session["ends_at"])))
        facts = [
            MentorFacts(
                mentor_id=m["_id"],
                topics=frozenset(topic_key(t) for t in m["expertise"]),
                topic_labels={topic_key(t): t for t in m["expertise"]},
                sectors=frozenset(m.get("sectors", [])),
                stages=frozenset(m.get("stages", [])),
                languages=frozenset(m.get("languages", ["vi"])),
                capacity=m["monthly_capacity"],
                used_this_month=used[m["_id"]],
                free_hours_14d=domain.free_hours(m.get("slots", []), booked[m["_id"]], now),
                rating_mean=(m["rating_sum"] / m["rating_count"])
                if m.get("rating_count")
                else None,
                eligible=not m.get("paused", False),
            )
            for m in mentors
        ]
        return MentorTable(facts)

    @staticmethod
    def _facts(request: Document) -> RequestFacts:
        return RequestFacts(
            request_id=request["_id"],
            topics=frozenset(topic_key(t) for t in request["topics"]),
            sector=request.get("sector"),
            stage=request.get("stage"),
            language=request.get("language", "vi"),
            declined=frozenset(request.get("declined_mentors", [])),
        )

    async def suggest(self, actor: Actor, request_id: str, limit: int) -> Suggestions:
        """The best `limit` mentors for the request with their scores and the reasons, for
        staff. Raises `Forbidden`, `NotFound`.
        """
        staff_only(actor)
        request = await self.records.get(REQUESTS, request_id)
        facts = self._facts(request)
        table = await self.mentor_table()
        labels = await self.store.sector_labels()
        items = [
            Suggestion(mentor_id=m.mentor_id, score=score, reasons=reasons(m, facts, labels))
            for m, score in table.suggest(facts, limit)
        ]
        return Suggestions(request_id=request_id, items=items)

    async def propose(
        self, actor: Actor, request_id: str, mentor_id: str, score: float | None = None
    ) -> MatchView:
        """Staff propose a mentor for an open request (`score` given by `batch`, else computed;
        a paused or full mentor scores below 0). Emits `MatchProposedV1`. Raises `Forbidden`,
        `NotFound`, `Conflict` (the request is not open, the mentor declined it before, or is
        paused or full).
        """
        staff_only(actor)
        request = await self.records.get(REQUESTS, request_id)
        domain.check_open(request)
        if mentor_id in request.get("declined_mentors", []):
            raise Conflict("chuyên gia này đã từ chối yêu cầu", mentor_id=mentor_id)
        if score is None:
            table = await self.mentor_table()
            if mentor_id not in table.index:
                raise NotFound("không tìm thấy chuyên gia", mentor_id=mentor_id)
            score = float(table.scores(self._facts(request))[table.index[mentor_id]])
            if score < 0:
                raise Conflict(
                    "chuyên gia đang tạm nghỉ hoặc đã hết lượt trong tháng", mentor_id=mentor_id
                )
        match_id = new_id()
        now = self.clock()
        await self.records.change(
            REQUESTS, request, {"status": "proposed", "mentor_id": mentor_id, "match_id": match_id}
        )
        match = {
            "_id": match_id,
            "request_id": request_id,
            "mentor_id": mentor_id,
            "founder_id": request["founder_id"],
            "startup_id": request["startup_id"],
            "startup_name": request.get("startup_name", ""),
            "status": "proposed",
            "score": round(score, 4),
            "proposed_by": actor.id,
            "proposed_at": now,
            "version": 1,
        }
        event = MatchProposedV1(
            match_id=match_id,
            request_id=request_id,
            mentor_id=mentor_id,
            founder_id=request["founder_id"],
            startup_id=request["startup_id"],
            startup_name=match["startup_name"],
            score=match["score"],
            proposed_by=actor.id,
        )
        return match_view(await self.records.create(MATCHES, match, event))

    async def batch(self, actor: Actor, request_ids: list[str] | None) -> BatchResult:
        """Staff match the open requests (those in `request_ids`, or all) at once by the optimal
        assignment of `matching.assign`; what no mentor fits stays unmatched. Raises
        `Forbidden`.
        """
        staff_only(actor)
        requests = await self.store.open_requests(request_ids)
        table = await self.mentor_table()
        assignments = assign(table, [self._facts(r) for r in requests])
        proposed = [
            await self.propose(actor, a.request_id, a.mentor_id, a.score) for a in assignments
        ]
        assigned = {a.request_id for a in assignments}
        return BatchResult(
            proposed=proposed,
            unmatched=[r["_id"] for r in requests if r["_id"] not in assigned],
            total_score=round(sum(a.score for a in assignments), 4),
        )

    async def answer(self, actor: Actor, match_id: str, accept: bool) -> MatchView:
        """The proposed mentor accepts (request `matched`, `MatchAcceptedV1`) or declines
        (request open again, the mentor never proposed for it again, `MatchDeclinedV1`).
        Raises `NotFound`, `Forbidden` (not that mentor), `Conflict` (already answered).
        """
        match = await self.records.get(MATCHES, match_id)
        if actor.id != match["mentor_id"]:
            raise Forbidden("chỉ chuyên gia được đề xuất mới trả lời")
        if match["status"] != "proposed":
            raise Conflict("đề xuất này đã được trả lời", status=match["status"])
        request = await self.records.get(REQUESTS, match["request_id"])
        common = {
            "match_id": match_id,
            "request_id": match["request_id"],
            "mentor_id": match["mentor_id"],
            "founder_id": match["founder_id"],
            "startup_name": match.get("startup_name", ""),
        }
        if accept:
            updated = await self.records.change(
                MATCHES,
                match,
                {"status": "accepted", "answered_at": self.clock()},
                MatchAcceptedV1(**common),
            )
            await self.records.change(REQUESTS, request, {"status": "matched"})
        else:
            updated = await self.records.change(
                MATCHES,
                match,
                {"status": "declined", "answered_at": self.clock()},
                MatchDeclinedV1(**common),
            )
            await self.records.change(
                REQUESTS,
                request,
                {"status": "open", "mentor_id": None, "match_id": None},
                add_to_set={"declined_mentors": match["mentor_id"]},
            )
        return match_view(updated)


def expertise_fields(expertise: list[str]) -> Document:
    """The topics as written (duplicates dropped) and their keys, for the topic filter."""
    unique = list(dict.fromkeys(expertise))
    return {"expertise": unique, "expertise_keys": sorted({topic_key(t) for t in unique})}
