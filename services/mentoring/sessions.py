"""Consultation sessions: scheduling without double booking, outcome, feedback, figures."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from services.mentoring import domain
from services.mentoring.aggregates import Aggregates, session_view
from services.mentoring.matching import topic_key
from services.mentoring.repository import MATCHES, MENTORS, REQUESTS, SESSIONS
from shared.contracts.base import Actor, Conflict, Forbidden, Invalid, new_id
from shared.contracts.events.mentoring import (
    FeedbackRecordedV1,
    SessionCompletedV1,
    SessionScheduledV1,
)
from shared.contracts.rpc.mentoring import (
    Completion,
    FeedbackDraft,
    MentoringFigures,
    SessionDraft,
    SessionView,
)


class Sessions(Aggregates):
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
            "status": "held",
            "held_at": now,
            "scheduled_by": actor.id,
            "version": 1,
        }
        # Hold the time first, then look: of two bookings racing for it, one loses.
        await self.store.insert(SESSIONS, doc, [])
        for field, value, who in (
            ("mentor_id", match["mentor_id"], "chuyên gia"),
            ("startup_id", match["startup_id"], "dự án"),
        ):
            others = await self.store.sessions_between(field, value, draft.starts_at, draft.ends_at)
            winner = domain.blocking(session_id, others, now)
            if winner is not None:
                await self.store.delete(SESSIONS, session_id)
                raise Conflict(f"{who} đã có buổi tư vấn trùng giờ", session_id=winner["_id"])
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
        confirmed = await self._change(SESSIONS, doc, {"status": "scheduled"}, event)
        return session_view(confirmed)

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
        rating = {"$inc": {"rating_sum": feedback.rating, "rating_count": 1}}
        await self._change(MENTORS, mentor, {"last_rated_at": self.clock()}, extra=rating)
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
        # "hợp đồng" and "hop dong" count as one topic, named with its accents when known
        topics: Counter[str] = Counter()
        names: dict[str, str] = {}
        for topic in (t for r in opened for t in r["topics"]):
            key = topic_key(topic)
            topics[key] += 1
            if names.get(key, key) == key:
                names[key] = topic
        return MentoringFigures(
            requests=len(opened),
            matched=len(matched),
            sessions_held=len(held),
            hours=round(sum(s["duration_minutes"] for s in held) / 60, 2),
            average_rating=round(sum(s["rating"] for s in rated) / len(rated), 2)
            if rated
            else None,
            by_topic={names[key]: count for key, count in topics.items()},
            by_ward=dict(Counter(r.get("ward") or "unknown" for r in opened)),
            by_referral=dict(Counter(r["referred_by"] for r in opened)),
        )
