"""Consultation sessions: scheduling without double booking, outcome, feedback, figures."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.mentoring import domain
from services.mentoring.records import Records
from services.mentoring.repository import MATCHES, MENTORS, SESSIONS
from services.mentoring.views import session_view
from shared.contracts.base import Actor, Conflict, Envelope, Forbidden, Invalid, new_id
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
from shared.localtime import local_day


class Sessions:
    """Consultation sessions: scheduling without double booking, outcome, feedback, and
    the figures summed from mentoring's own events."""

    def __init__(self, records: Records) -> None:
        self.records = records
        self.store = records.store
        self.clock = records.clock

    async def schedule(self, actor: Actor, draft: SessionDraft) -> SessionView:
        """Book a session for an accepted match inside the mentor's weekly slots (local time,
        `domain.within_slots`), at most 8 hours long and within 180 days. The time is held
        first and then checked, so of two bookings racing for it exactly one wins
        (`domain.blocking`). Emits `SessionScheduledV1`.

        Raises `NotFound`, `Forbidden` (not the match's mentor, founder or staff), `Invalid`
        (times, slots), `Conflict` (the match is not accepted, or the mentor or the startup is
        already booked then).
        """
        match = await self.records.get(MATCHES, draft.match_id)
        if match["status"] != "accepted":
            raise Conflict("chỉ đặt lịch cho cặp tư vấn đã được chấp nhận", status=match["status"])
        if not (domain.is_staff(actor) or actor.id in (match["mentor_id"], match["founder_id"])):
            raise Forbidden("chỉ chuyên gia hoặc nhà sáng lập của cặp tư vấn được đặt lịch")
        now = self.clock()
        domain.check_session_times(draft.starts_at, draft.ends_at, now)
        mentor = await self.records.get(MENTORS, match["mentor_id"])
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
        confirmed = await self.records.change(SESSIONS, doc, {"status": "scheduled"}, event)
        return session_view(confirmed)

    async def complete(self, actor: Actor, session_id: str, completion: Completion) -> SessionView:
        """Record that a scheduled session took place (minutes and notes). Emits
        `SessionCompletedV1`. Raises `NotFound`, `Forbidden` (not its mentor or staff),
        `Conflict` (already recorded).
        """
        session = await self.records.get(SESSIONS, session_id)
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
        return session_view(await self.records.change(SESSIONS, session, changes, event))

    async def feedback(self, actor: Actor, session_id: str, feedback: FeedbackDraft) -> SessionView:
        """The founder's 1–5 rating of a completed session, once; added to the mentor's rating.
        Emits `FeedbackRecordedV1`. Raises `NotFound`, `Forbidden` (not its founder),
        `Conflict` (not completed, or already rated).
        """
        session = await self.records.get(SESSIONS, session_id)
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
        updated = await self.records.change(SESSIONS, session, changes, event)
        mentor = await self.records.get(MENTORS, session["mentor_id"])
        rating = {"rating_sum": feedback.rating, "rating_count": 1}
        await self.records.change(MENTORS, mentor, {"last_rated_at": self.clock()}, inc=rating)
        return session_view(updated)

    # --- figures, read models, personal data ------------------------------------------------

    async def count_event(self, envelope: Envelope) -> None:
        """Add one of mentoring's own events to its local day's figures."""
        event = envelope.event()
        increments, names, at = domain.figure_increments(event, envelope.time)
        if increments:
            await self.store.add_to_day(local_day(at), increments, names)

    async def figures(self, start: datetime, end: datetime) -> MentoringFigures:
        """Summed from daily buckets: a year is 365 small reads however many sessions."""
        first, before = domain.local_days(start, end)
        totals: dict[str, Any] = {}
        topic_names: dict[str, str] = {}
        for day in await self.store.days(first, before):
            topic_names.update(day.get("topic_names") or {})
            for key, value in day.items():
                if key in ("_id", "topic_names"):
                    continue
                if isinstance(value, dict):
                    bucket = totals.setdefault(key, {})
                    for name, count in value.items():
                        bucket[name] = bucket.get(name, 0) + count
                else:
                    totals[key] = totals.get(key, 0) + value
        ratings = totals.get("rating_count", 0)
        return MentoringFigures(
            requests=totals.get("requests", 0),
            matched=totals.get("matched", 0),
            sessions_held=totals.get("sessions_held", 0),
            hours=round(totals.get("minutes", 0) / 60, 2),
            average_rating=round(totals["rating_sum"] / ratings, 2) if ratings else None,
            by_topic={topic_names.get(k, k): v for k, v in (totals.get("by_topic") or {}).items()},
            by_ward=dict(totals.get("by_ward") or {}),
            by_referral=dict(totals.get("by_referral") or {}),
        )
