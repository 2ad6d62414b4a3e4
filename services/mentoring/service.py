"""Consultation Point use cases: mentor profiles, requests, matching, sessions, figures."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from services.mentoring import domain
from services.mentoring.matching import MentorFacts, MentorTable, RequestFacts, assign, reasons
from services.mentoring.repository import (
    MATCHES,
    MENTORS,
    REQUESTS,
    SESSIONS,
    STARTUPS,
    USERS,
    Exists,
    MentoringStore,
)
from shared.contracts.base import (
    Actor,
    Conflict,
    Envelope,
    Event,
    Forbidden,
    Invalid,
    NotFound,
    Role,
    new_id,
)
from shared.contracts.events.identity import (
    UserDeletionRequestedV1,
    UserRegisteredV1,
    UserUpdatedV1,
)
from shared.contracts.events.mentoring import (
    FeedbackRecordedV1,
    MatchAcceptedV1,
    MatchDeclinedV1,
    MatchProposedV1,
    MentorRegisteredV1,
    RequestOpenedV1,
    SessionCompletedV1,
    SessionScheduledV1,
)
from shared.contracts.events.registry import StartupSnapshot
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
from shared.infra.logging import current_correlation_id, get_logger
from shared.infra.mongo import Document, OutboxRelay

log = get_logger(__name__)
CLOSED_STARTUP = {"rejected", "closed"}


def _staff_only(actor: Actor) -> None:
    if not domain.is_staff(actor):
        raise Forbidden("chỉ cán bộ Điểm tư vấn khởi nghiệp được làm việc này")


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Mentoring:
    def __init__(
        self,
        store: MentoringStore,
        outbox: OutboxRelay,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.clock = clock

    def _envelope(self, event: Event, aggregate_id: str) -> Envelope:
        return Envelope.wrap(
            event, aggregate_id=aggregate_id, correlation_id=current_correlation_id()
        )

    async def _create(self, kind: str, doc: Document, event: Event) -> Document:
        await self.store.insert(kind, doc, [self._envelope(event, doc["_id"])])
        await self.outbox.flush(kind, doc["_id"])
        return await self._get(kind, doc["_id"])

    async def _change(
        self, kind: str, doc: Document, changes: Document, event: Event | None = None, **extra: Any
    ) -> Document:
        events = [self._envelope(event, doc["_id"])] if event else []
        updated = await self.store.update(
            kind, doc["_id"], doc["version"], changes, events, **extra
        )
        if updated is None:
            raise Conflict("dữ liệu vừa được người khác sửa; hãy thử lại")
        if events:
            await self.outbox.flush(kind, doc["_id"])
        return updated

    async def _get(self, kind: str, doc_id: str) -> Document:
        doc = await self.store.get(kind, doc_id)
        if doc is None:
            raise NotFound("không tìm thấy", kind=kind, id=doc_id)
        return doc

    # --- mentors ---------------------------------------------------------------------------

    async def save_mentor(self, actor: Actor, profile: MentorProfile) -> MentorView:
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
            expertise=tuple(profile.expertise),
            sectors=tuple(profile.sectors),
            monthly_capacity=profile.monthly_capacity,
            organization=doc["organization"],
        )
        try:
            created = await self._create(MENTORS, doc, event)
        except Exists:
            raise Conflict(
                "chuyên gia này đã có hồ sơ; hãy sửa hồ sơ hiện có", mentor_id=mentor_id
            ) from None
        return mentor_view(created)

    async def update_mentor(
        self, actor: Actor, mentor_id: str, changes: MentorChanges
    ) -> MentorView:
        domain.check_mentor_edit(actor, mentor_id)
        doc = await self._get(MENTORS, mentor_id)
        data = changes.model_dump(mode="json", exclude_unset=True)
        if data.pop("version") != doc["version"]:
            raise Conflict("hồ sơ đã được sửa; hãy tải lại", current_version=doc["version"])
        return mentor_view(
            await self._change(MENTORS, doc, {k: v for k, v in data.items() if v is not None})
        )

    async def set_availability(
        self, actor: Actor, mentor_id: str, availability: Availability
    ) -> MentorView:
        domain.check_mentor_edit(actor, mentor_id)
        doc = await self._get(MENTORS, mentor_id)
        slots = availability.model_dump(mode="json")["slots"]
        return mentor_view(await self._change(MENTORS, doc, {"slots": slots}))

    async def list_mentors(
        self, actor: Actor, topic: str | None, page: int, page_size: int
    ) -> MentorPage:
        query: Document = {"active": True}
        if topic:
            query["expertise"] = topic
        docs, total = await self.store.find(
            MENTORS, query, skip=(page - 1) * page_size, limit=page_size
        )
        return MentorPage(
            items=[mentor_view(d) for d in docs], total=total, page=page, page_size=page_size
        )

    # --- requests ---------------------------------------------------------------------------

    async def open_request(self, actor: Actor, draft: ConsultationDraft) -> ConsultationView:
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
        return request_view(await self._create(REQUESTS, doc, event))

    async def get_request(self, actor: Actor, request_id: str) -> ConsultationView:
        doc = await self._get(REQUESTS, request_id)
        if not (domain.is_staff(actor) or actor.id in (doc["founder_id"], doc.get("mentor_id"))):
            raise Forbidden("bạn không xem được yêu cầu này")
        return request_view(doc)

    async def list_requests(
        self, actor: Actor, status: str | None, page: int, page_size: int
    ) -> ConsultationPage:
        query: Document = (
            {}
            if domain.is_staff(actor)
            else (
                {"mentor_id": actor.id} if actor.role == Role.MENTOR else {"founder_id": actor.id}
            )
        )
        if status:
            query["status"] = status
        docs, total = await self.store.find(
            REQUESTS, query, sort="opened_at", skip=(page - 1) * page_size, limit=page_size
        )
        return ConsultationPage(
            items=[request_view(d) for d in docs], total=total, page=page, page_size=page_size
        )

    # --- matching ---------------------------------------------------------------------------

    async def mentor_table(self) -> MentorTable:
        now = self.clock()
        month_start, month_end = domain.month_bounds(now)
        mentors = await self.store.all(MENTORS, {"active": True})
        busy = await self.store.all(
            SESSIONS,
            {
                "starts_at": {
                    "$gte": month_start,
                    "$lt": now + domain.LOOKAHEAD + (month_end - month_start),
                }
            },
        )
        pending = await self.store.all(MATCHES, {"status": "proposed"})
        used: Counter[str] = Counter(
            s["mentor_id"] for s in busy if month_start <= _utc(s["starts_at"]) < month_end
        )
        used.update(m["mentor_id"] for m in pending)
        booked: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
        for session in busy:
            start = _utc(session["starts_at"])
            if now <= start < now + domain.LOOKAHEAD:
                booked[session["mentor_id"]].append((start, _utc(session["ends_at"])))
        facts = [
            MentorFacts(
                mentor_id=m["_id"],
                topics=frozenset(m["expertise"]),
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
            topics=frozenset(request["topics"]),
            sector=request.get("sector"),
            stage=request.get("stage"),
            language=request.get("language", "vi"),
            declined=frozenset(request.get("declined_mentors", [])),
        )

    async def suggest(self, actor: Actor, request_id: str, limit: int) -> Suggestions:
        _staff_only(actor)
        request = await self._get(REQUESTS, request_id)
        facts = self._facts(request)
        table = await self.mentor_table()
        items = [
            Suggestion(mentor_id=m.mentor_id, score=score, reasons=reasons(m, facts))
            for m, score in table.suggest(facts, limit)
        ]
        return Suggestions(request_id=request_id, items=items)

    async def propose(
        self, actor: Actor, request_id: str, mentor_id: str, score: float | None = None
    ) -> MatchView:
        _staff_only(actor)
        request = await self._get(REQUESTS, request_id)
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
        await self._change(
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
        return match_view(await self._create(MATCHES, match, event))

    async def batch(self, actor: Actor, request_ids: list[str] | None) -> BatchResult:
        _staff_only(actor)
        query: Document = {"status": "open"}
        if request_ids:
            query["_id"] = {"$in": request_ids}
        requests = await self.store.all(REQUESTS, query)
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
        match = await self._get(MATCHES, match_id)
        if actor.id != match["mentor_id"]:
            raise Forbidden("chỉ chuyên gia được đề xuất mới trả lời")
        if match["status"] != "proposed":
            raise Conflict("đề xuất này đã được trả lời", status=match["status"])
        request = await self._get(REQUESTS, match["request_id"])
        common = {
            "match_id": match_id,
            "request_id": match["request_id"],
            "mentor_id": match["mentor_id"],
            "founder_id": match["founder_id"],
            "startup_name": match.get("startup_name", ""),
        }
        if accept:
            updated = await self._change(
                MATCHES,
                match,
                {"status": "accepted", "answered_at": self.clock()},
                MatchAcceptedV1(**common),
            )
            await self._change(REQUESTS, request, {"status": "matched"})
        else:
            updated = await self._change(
                MATCHES,
                match,
                {"status": "declined", "answered_at": self.clock()},
                MatchDeclinedV1(**common),
            )
            await self._change(
                REQUESTS,
                request,
                {"status": "open", "mentor_id": None, "match_id": None},
                **{"$addToSet": {"declined_mentors": match["mentor_id"]}},
            )
        return match_view(updated)

    # --- sessions ---------------------------------------------------------------------------

    async def schedule(self, actor: Actor, draft: SessionDraft) -> SessionView:
        match = await self._get(MATCHES, draft.match_id)
        if match["status"] != "accepted":
            raise Conflict("chỉ đặt lịch cho cặp tư vấn đã được chấp nhận", status=match["status"])
        if not (domain.is_staff(actor) or actor.id in (match["mentor_id"], match["founder_id"])):
            raise Forbidden("chỉ chuyên gia hoặc nhà sáng lập của cặp tư vấn được đặt lịch")
        now = self.clock()
        domain.check_session_times(draft.starts_at, draft.ends_at, now)
        mentor = await self._get(MENTORS, match["mentor_id"])
        if not domain.within_slots(mentor.get("slots", []), draft.starts_at, draft.ends_at):
            raise Invalid("ngoài lịch rảnh của chuyên gia", slots=mentor.get("slots", []))
        for field, value, who in (
            ("mentor_id", match["mentor_id"], "chuyên gia"),
            ("startup_id", match["startup_id"], "dự án"),
        ):
            existing = await self.store.sessions_between(
                field, value, draft.starts_at, draft.ends_at
            )
            if existing:
                raise Conflict(f"{who} đã có buổi tư vấn trùng giờ", session_id=existing[0]["_id"])
        # Serialise bookings per mentor: a concurrent booking loses on the mentor's version.
        await self._change(MENTORS, mentor, {"last_booking_at": now})
        session_id = new_id()
        doc = {
            "_id": session_id,
            "match_id": match["_id"],
            "mentor_id": match["mentor_id"],
            "founder_id": match["founder_id"],
            "startup_id": match["startup_id"],
            "starts_at": draft.starts_at.astimezone(UTC),
            "ends_at": draft.ends_at.astimezone(UTC),
            "mode": draft.mode.value,
            "status": "scheduled",
            "scheduled_by": actor.id,
            "version": 1,
        }
        event = SessionScheduledV1(
            session_id=session_id,
            match_id=match["_id"],
            mentor_id=match["mentor_id"],
            founder_id=match["founder_id"],
            startup_name=match.get("startup_name", ""),
            starts_at=draft.starts_at,
            ends_at=draft.ends_at,
            mode=draft.mode,
        )
        return session_view(await self._create(SESSIONS, doc, event))

    async def complete(self, actor: Actor, session_id: str, completion: Completion) -> SessionView:
        session = await self._get(SESSIONS, session_id)
        if not (domain.is_staff(actor) or actor.id == session["mentor_id"]):
            raise Forbidden("chỉ chuyên gia của buổi tư vấn ghi kết quả")
        if session["status"] != "scheduled":
            raise Conflict("buổi tư vấn đã được ghi kết quả", status=session["status"])
        now = self.clock()
        changes = {
            "status": "completed",
            "notes": completion.notes,
            "duration_minutes": completion.duration_minutes,
            "completed_at": now,
        }
        event = SessionCompletedV1(
            session_id=session_id,
            mentor_id=session["mentor_id"],
            founder_id=session["founder_id"],
            duration_minutes=completion.duration_minutes,
            completed_at=now,
        )
        return session_view(await self._change(SESSIONS, session, changes, event))

    async def feedback(self, actor: Actor, session_id: str, feedback: FeedbackDraft) -> SessionView:
        session = await self._get(SESSIONS, session_id)
        domain.check_founder_of(actor, session["founder_id"])
        if session["status"] != "completed":
            raise Conflict("chỉ đánh giá buổi tư vấn đã diễn ra", status=session["status"])
        if session.get("rating") is not None:
            raise Conflict("bạn đã đánh giá buổi tư vấn này")
        event = FeedbackRecordedV1(
            session_id=session_id,
            mentor_id=session["mentor_id"],
            founder_id=actor.id,
            rating=feedback.rating,
        )
        changes = {"rating": feedback.rating, "comment": feedback.comment, "rated_at": self.clock()}
        updated = await self._change(SESSIONS, session, changes, event)
        mentor = await self._get(MENTORS, session["mentor_id"])
        rating = {"$inc": {"version": 1, "rating_sum": feedback.rating, "rating_count": 1}}
        await self._change(MENTORS, mentor, {"last_rated_at": self.clock()}, **rating)
        return session_view(updated)

    # --- figures, read models, personal data ------------------------------------------------

    async def figures(self, start: datetime, end: datetime) -> MentoringFigures:
        opened = await self.store.all(REQUESTS, {"opened_at": {"$gte": start, "$lt": end}})
        matched = await self.store.all(
            MATCHES, {"status": "accepted", "answered_at": {"$gte": start, "$lt": end}}
        )
        held = await self.store.all(
            SESSIONS, {"status": "completed", "completed_at": {"$gte": start, "$lt": end}}
        )
        rated = await self.store.all(SESSIONS, {"rated_at": {"$gte": start, "$lt": end}})
        topics: Counter[str] = Counter(t for r in opened for t in r["topics"])
        return MentoringFigures(
            requests=len(opened),
            matched=len(matched),
            sessions_held=len(held),
            hours=round(sum(s["duration_minutes"] for s in held) / 60, 2),
            average_rating=round(sum(s["rating"] for s in rated) / len(rated), 2)
            if rated
            else None,
            by_topic=dict(topics),
            by_ward=dict(Counter(r.get("ward") or "unknown" for r in opened)),
            by_referral=dict(Counter(r["referred_by"] for r in opened)),
        )

    async def startup_seen(self, startup: StartupSnapshot) -> None:
        fields = startup.model_dump(
            mode="json", include={"owner_id", "name", "sector", "stage", "ward", "status", "needs"}
        )
        await self.store.save_read_model(STARTUPS, startup.startup_id, startup.version, fields)

    async def user_seen(self, event: UserRegisteredV1 | UserUpdatedV1) -> None:
        fields = {
            "full_name": event.full_name,
            "role": event.role.value,
            "organization": event.organization,
        }
        await self.store.db[USERS].update_one({"_id": event.user_id}, {"$set": fields}, upsert=True)

    async def erase_person(self, event: UserDeletionRequestedV1) -> None:
        await self.store.erase_person(event.user_id)

    async def personal_data(self, user_id: str) -> dict[str, Any]:
        mentor = await self.store.get(MENTORS, user_id)
        requests = await self.store.all(REQUESTS, {"founder_id": user_id})
        sessions = await self.store.all(
            SESSIONS, {"$or": [{"founder_id": user_id}, {"mentor_id": user_id}]}
        )
        return {
            "mentor_profile": mentor_view(mentor).model_dump(mode="json") if mentor else None,
            "consultation_requests": [request_view(r).model_dump(mode="json") for r in requests],
            "sessions": [session_view(s).model_dump(mode="json") for s in sessions],
        }


def mentor_view(doc: Document) -> MentorView:
    count = doc.get("rating_count", 0)
    average = round(doc["rating_sum"] / count, 2) if count else None
    return MentorView.model_validate(
        {**doc, "id": doc["_id"], "rating_average": average, "rating_count": count}
    )


def request_view(doc: Document) -> ConsultationView:
    return ConsultationView.model_validate({**doc, "id": doc["_id"]})


def match_view(doc: Document) -> MatchView:
    return MatchView.model_validate({**doc, "id": doc["_id"]})


def session_view(doc: Document) -> SessionView:
    return SessionView.model_validate({**doc, "id": doc["_id"]})
