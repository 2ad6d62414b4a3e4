"""Consultation sessions: booking without double booking, recording a past session late,
cancelling, rescheduling, no-shows, the outcome and the founder's rating (issue 17)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC
from typing import Any

from services.mentoring import domain
from services.mentoring.follow_ups import FollowUps
from services.mentoring.records import Records
from services.mentoring.repository import MATCHES, MENTORS, SESSIONS
from services.mentoring.views import session_view
from shared.contracts.base import Actor, Conflict, Forbidden, Invalid, NotFound, new_id
from shared.contracts.events.mentoring import (
    FeedbackRecordedV1,
    SessionCancelledV1,
    SessionCompletedV1,
    SessionNoShowV1,
    SessionScheduledV1,
)
from shared.contracts.rpc.mentoring.mentors import BUSY_MAX, BusyInterval, BusyTimes, GetMentorBusy
from shared.contracts.rpc.mentoring.sessions import (
    Cancellation,
    Completion,
    FeedbackDraft,
    ListSessions,
    NoShow,
    Rescheduling,
    SessionDraft,
    SessionPage,
    SessionView,
)
from shared.infra.mongo import Document
from shared.localtime import utc


class Sessions:
    """Consultation sessions of accepted matches. Statuses: `held` (a booking in progress,
    never shown), `scheduled`, `completed`, `cancelled`, `no_show`."""

    def __init__(self, records: Records) -> None:
        self.records = records
        self.store = records.store
        self.clock = records.clock
        self.follow_ups = FollowUps(records.store)

    # --- reading ----------------------------------------------------------------------------

    async def get(self, actor: Actor, session_id: str) -> SessionView:
        """One session, for its mentor, its founder and staff. Raises `NotFound`,
        `Forbidden`."""
        session = await self._visible(actor, session_id)
        return session_view(session)

    async def list(self, actor: Actor, query: ListSessions) -> SessionPage:
        """One page of sessions, earliest first: a founder's or a mentor's own, all for staff;
        filtered by mentor, startup, status and start range. Bookings in progress are never
        listed."""
        where: Document = {"status": {"$ne": "held"}}
        if not domain.is_staff(actor):
            where["$or"] = [{"founder_id": actor.id}, {"mentor_id": actor.id}]
        if query.mentor_id:
            where["mentor_id"] = query.mentor_id
        if query.startup_id:
            where["startup_id"] = query.startup_id
        if query.status:
            where["status"] = query.status.value
        span: Document = {}
        if query.starts_from:
            span["$gte"] = query.starts_from.astimezone(UTC)
        if query.starts_before:
            span["$lt"] = query.starts_before.astimezone(UTC)
        if span:
            where["starts_at"] = span
        docs, total = await self.store.page_sessions(where, skip=query.skip, limit=query.page_size)
        return SessionPage(
            items=[session_view(d) for d in docs],
            total=total,
            page=query.page,
            page_size=query.page_size,
        )

    async def busy(self, actor: Actor, query: GetMentorBusy) -> BusyTimes:
        """The mentor's taken times overlapping [starts_from, starts_before): every session not
        cancelled (a booking in progress too, as booking refuses it), start and end only, so
        anyone choosing a time sees what is free without learning whose the others are.
        Raises `Forbidden` without an actor (the RPC wiring)."""
        del actor  # any signed-in person may see when a mentor is busy, never with whom
        start, before = query.starts_from.astimezone(UTC), query.starts_before.astimezone(UTC)
        found = await self.store.sessions_between("mentor_id", query.mentor_id, start, before)
        now = self.clock()
        spans = sorted(
            (utc(s["starts_at"]), utc(s["ends_at"]))
            for s in found
            # a hold older than HOLD is a crashed booking's leftover: booking ignores it too
            if s["status"] != "held" or now - utc(s["held_at"]) < domain.HOLD
        )
        return BusyTimes(
            mentor_id=query.mentor_id,
            items=[BusyInterval(starts_at=a, ends_at=b) for a, b in spans[:BUSY_MAX]],
        )

    async def _visible(self, actor: Actor, session_id: str) -> Document:
        session = await self.records.get(SESSIONS, session_id)
        if session["status"] == "held":  # a booking in progress is not there yet
            raise NotFound("không tìm thấy", kind=SESSIONS, id=session_id)
        if not (
            domain.is_staff(actor) or actor.id in (session["mentor_id"], session["founder_id"])
        ):
            raise Forbidden("detail.session_not_yours")
        return session

    # --- booking ----------------------------------------------------------------------------

    async def schedule(
        self,
        actor: Actor,
        draft: SessionDraft,
        *,
        replacing: str | None = None,
    ) -> SessionView:
        """Book a session for an accepted match inside the mentor's weekly slots (local time,
        `domain.within_slots`), at most 8 hours long and within 180 days. The time is held
        first and then checked, so of two bookings racing for it exactly one wins
        (`domain.blocking`). The match's mentor may record a session held in the last 30
        days (booked in the past, marked `recorded_late`; availability is not checked for
        it). `replacing` names the session a reschedule replaces (its time does not block).
        Emits `SessionScheduledV1`.

        Raises `NotFound`, `Forbidden` (not the match's mentor, founder or staff), `Invalid`
        (times, slots, a past start), `Conflict` (the match is not accepted, or the mentor or
        the startup is already booked then).
        """
        match = await self.records.get(MATCHES, draft.match_id)
        if match["status"] != "accepted":
            raise Conflict("chỉ đặt lịch cho cặp tư vấn đã được chấp nhận", status=match["status"])
        if not (domain.is_staff(actor) or actor.id in (match["mentor_id"], match["founder_id"])):
            raise Forbidden("chỉ chuyên gia hoặc nhà sáng lập của cặp tư vấn được đặt lịch")
        now = self.clock()
        late = domain.check_session_times(
            draft.starts_at,
            draft.ends_at,
            now,
            may_record_late=actor.id == match["mentor_id"] and replacing is None,
        )
        mentor = await self.records.get(MENTORS, match["mentor_id"])
        if not late and not domain.within_slots(
            mentor.get("slots", []), draft.starts_at, draft.ends_at
        ):
            raise Invalid("ngoài lịch rảnh của chuyên gia", slots=mentor.get("slots", []))
        session_id = new_id()
        doc: Document = {
            "_id": session_id,
            "match_id": match["_id"],
            "mentor_id": match["mentor_id"],
            "founder_id": match["founder_id"],
            "startup_id": match["startup_id"],
            "startup_name": match.get("startup_name", ""),
            "starts_at": draft.starts_at.astimezone(UTC),
            "ends_at": draft.ends_at.astimezone(UTC),
            "mode": draft.mode.value,
            "status": "held",
            "held_at": now,
            "scheduled_by": actor.id,
            "recorded_late": late,
            "rescheduled_from": replacing,
            "version": 1,
        }
        # Hold the time first, then look: of two bookings racing for it, one loses.
        await self.store.insert(SESSIONS, doc, [])
        ignore = {replacing} if replacing else set()
        for field, value, who in (
            ("mentor_id", match["mentor_id"], "chuyên gia"),
            ("startup_id", match["startup_id"], "dự án"),
        ):
            others = await self.store.sessions_between(field, value, draft.starts_at, draft.ends_at)
            winner = domain.blocking(session_id, _without(others, ignore), now)
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

    async def cancel(
        self,
        actor: Actor,
        session_id: str,
        cancellation: Cancellation,
        *,
        rescheduled_to: str | None = None,
    ) -> SessionView:
        """Either party (or staff) calls off a scheduled session that has not started, with a
        reason; its time is free again. Emits `SessionCancelledV1` (the other party and staff
        are told). Raises `NotFound`, `Forbidden`, `Conflict` (not scheduled, or started)."""
        session = await self._visible(actor, session_id)
        self._check_scheduled(session)
        if utc(session["starts_at"]) <= self.clock():
            raise Conflict("detail.session_started", status=session["status"])
        return session_view(await self._cancel(actor, session, cancellation, rescheduled_to))

    async def _cancel(
        self,
        actor: Actor,
        session: Document,
        cancellation: Cancellation,
        rescheduled_to: str | None,
    ) -> Document:
        now = self.clock()
        changes = {
            "status": "cancelled",
            "cancelled_by": actor.id,
            "cancel_reason": cancellation.reason,
            "cancelled_at": now,
            "rescheduled_to": rescheduled_to,
        }
        event = SessionCancelledV1(
            session_id=session["_id"],
            match_id=session["match_id"],
            mentor_id=session["mentor_id"],
            founder_id=session["founder_id"],
            startup_name=session.get("startup_name") or "",
            starts_at=utc(session["starts_at"]),
            cancelled_by=actor.id,
            reason=cancellation.reason,
            rescheduled_to=rescheduled_to,
        )
        return await self.records.change(SESSIONS, session, changes, event)

    async def reschedule(
        self, actor: Actor, session_id: str, rescheduling: Rescheduling
    ) -> SessionView:
        """Move a scheduled session: book the new time under the booking rules (its own old
        time does not block it), then cancel the old one naming its replacement. If the old
        one changed meanwhile, the new booking is cancelled again and `Conflict` raised: the
        result is always one session, never two. Returns the new session."""
        session = await self._visible(actor, session_id)
        self._check_scheduled(session)
        if utc(session["starts_at"]) <= self.clock():
            raise Conflict("detail.session_started", status=session["status"])
        draft = SessionDraft(
            match_id=session["match_id"],
            starts_at=rescheduling.starts_at,
            ends_at=rescheduling.ends_at,
            mode=session["mode"],
        )
        new = await self.schedule(actor, draft, replacing=session_id)
        reason = Cancellation(reason=rescheduling.reason)
        try:
            await self._cancel(actor, session, reason, new.id)
        except Conflict:
            fresh = await self.records.get(SESSIONS, new.id)
            await self._cancel(actor, fresh, reason, None)
            raise
        return new

    # --- what happened ----------------------------------------------------------------------

    async def complete(self, actor: Actor, session_id: str, completion: Completion) -> SessionView:
        """Record that a scheduled session took place (minutes and notes), only once it has
        started. Emits `SessionCompletedV1`, counted in the month the session took place.
        Raises `NotFound`, `Forbidden` (not its mentor or staff), `Conflict` (not started
        yet, or already recorded)."""
        session = await self.records.get(SESSIONS, session_id)
        if not (domain.is_staff(actor) or actor.id == session["mentor_id"]):
            raise Forbidden("chỉ chuyên gia của buổi tư vấn ghi kết quả")
        self._check_scheduled(session)
        now = self.clock()
        starts_at = utc(session["starts_at"])
        if starts_at > now:
            raise Conflict("detail.session_not_started", status=session["status"])
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
            starts_at=starts_at,
            recorded_late=bool(session.get("recorded_late")),
        )
        return session_view(await self.records.change(SESSIONS, session, changes, event))

    async def no_show(self, actor: Actor, session_id: str, no_show: NoShow) -> SessionView:
        """A party (or staff) records who did not come, once the session has started. Emits
        `SessionNoShowV1`. Raises `NotFound`, `Forbidden`, `Conflict` (not started, or not
        scheduled)."""
        session = await self._visible(actor, session_id)
        self._check_scheduled(session)
        starts_at = utc(session["starts_at"])
        if starts_at > self.clock():
            raise Conflict("detail.session_not_started", status=session["status"])
        event = SessionNoShowV1(
            session_id=session_id,
            mentor_id=session["mentor_id"],
            founder_id=session["founder_id"],
            starts_at=starts_at,
            absent=no_show.absent.value,
            recorded_by=actor.id,
        )
        changes = {"status": "no_show", "absent": no_show.absent.value}
        return session_view(await self.records.change(SESSIONS, session, changes, event))

    async def feedback(self, actor: Actor, session_id: str, feedback: FeedbackDraft) -> SessionView:
        """The founder's 1–5 rating of a completed session, once. One aggregate per write: the
        session keeps the rating with `FeedbackRecordedV1` in its outbox, and the mentor's
        rating sum follows that event (at once, and again by the consumer, keyed by the event
        id, so a crash in between loses no rating and counts none twice). Raises `NotFound`,
        `Forbidden` (not its founder), `Conflict` (not completed, or already rated)."""
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
        updated, envelope = await self.records.change_emitting(
            SESSIONS, session, changes, event, session_id
        )
        await self.follow_ups.at_once("rating", self.follow_ups.rating_recorded(envelope, event))
        return session_view(updated)

    @staticmethod
    def _check_scheduled(session: Document) -> None:
        if session["status"] != "scheduled":
            raise Conflict("detail.session_not_scheduled", status=session["status"])


def _without(sessions: list[dict[str, Any]], ids: Collection[str]) -> list[dict[str, Any]]:
    """The sessions whose ids are not in `ids`."""
    return [s for s in sessions if s["_id"] not in ids]
