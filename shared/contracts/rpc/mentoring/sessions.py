"""Consultation sessions of an accepted match: schedule inside the mentor's availability,
complete with notes, the founder's rating, cancel, reschedule, record a no-show; read,
list."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from shared.contracts.base import Page, PageQuery, RpcRequest
from shared.contracts.events.mentoring import Mode
from shared.contracts.rpc.mentoring.kinds import Id, Text


class SessionDraft(BaseModel):
    """A consultation session to schedule for a match; times carry their offset."""

    match_id: Id
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    mode: Mode = Mode.IN_PERSON


class Completion(BaseModel):
    """The outcome of a held session: notes and its length in minutes (5–600)."""

    notes: Annotated[Text, StringConstraints(min_length=3, max_length=5000)]
    duration_minutes: int = Field(ge=5, le=600)


class FeedbackDraft(BaseModel):
    """The founder's rating of a session, 1–5, with an optional comment."""

    rating: int = Field(ge=1, le=5)
    comment: Annotated[Text, StringConstraints(max_length=2000)] = ""


class SessionStatus(StrEnum):
    """Where a session stands: booked, held, called off, or missed by one party."""

    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class SessionView(BaseModel):
    """A consultation session and, once held, its outcome and rating. `recorded_late` marks
    a session the mentor recorded after it took place (booked in the past, ≤ 30 days)."""

    id: str
    match_id: str
    mentor_id: str
    founder_id: str
    startup_id: str
    startup_name: str | None = None
    starts_at: datetime
    ends_at: datetime
    mode: Mode
    status: str
    recorded_late: bool = False
    duration_minutes: int | None = None
    notes: str | None = None
    rating: int | None = None
    comment: str | None = None
    completed_at: datetime | None = None
    cancelled_by: str | None = None
    cancel_reason: str | None = None
    cancelled_at: datetime | None = None
    rescheduled_to: str | None = None
    rescheduled_from: str | None = None
    absent: str | None = None


SessionPage = Page[SessionView]


class Cancellation(BaseModel):
    """Why a session is called off (3–500 characters); the other party reads it."""

    reason: Annotated[Text, StringConstraints(min_length=3, max_length=500)]


class Rescheduling(BaseModel):
    """The new time of a session (with offsets) and why it moves."""

    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: Annotated[Text, StringConstraints(min_length=3, max_length=500)]


class Absent(StrEnum):
    """Who did not come to a session."""

    FOUNDER = "founder"
    MENTOR = "mentor"


class NoShow(BaseModel):
    """Who did not come to a session that has started."""

    absent: Absent


class ScheduleSession(RpcRequest[SessionView]):
    """Schedule a session for an accepted match inside the mentor's availability →
    the session. Errors: `not_found`, `forbidden`, `conflict` (overlapping the mentor or the
    startup), `invalid` (outside availability).
    """

    subject = "rpc.mentoring.session.schedule"

    draft: SessionDraft


class CompleteSession(RpcRequest[SessionView]):
    """The session's mentor (or staff) logs its outcome → the session, `completed`.

    Errors: `not_found`, `forbidden` (another mentor), `conflict` (no longer scheduled).
    """

    subject = "rpc.mentoring.session.complete"

    session_id: Id
    completion: Completion


class RecordFeedback(RpcRequest[SessionView]):
    """The founder rates a completed session once → the session.

    Errors: `not_found`, `forbidden`, `conflict` (not completed or already rated).
    """

    subject = "rpc.mentoring.session.feedback"

    session_id: Id
    feedback: FeedbackDraft


class ListSessions(RpcRequest[SessionPage], PageQuery):
    """Sessions the caller may see (their own as founder or mentor; staff all), filtered by
    mentor, startup, status and a start range [starts_from, starts_before) → a page, earliest
    first."""

    subject = "rpc.mentoring.session.list"

    mentor_id: Id | None = None
    startup_id: Id | None = None
    status: SessionStatus | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None


class GetSession(RpcRequest[SessionView]):
    """One session → it, for its founder, its mentor and staff.

    Errors: `not_found`, `forbidden` for anyone else.
    """

    subject = "rpc.mentoring.session.get"

    session_id: Id


class CancelSession(RpcRequest[SessionView]):
    """Either party (or staff) calls off a scheduled session with a reason → the session,
    `cancelled`; its time is free again. Errors: `not_found`, `forbidden`, `conflict` (not
    scheduled any more)."""

    subject = "rpc.mentoring.session.cancel"

    session_id: Id
    cancellation: Cancellation


class RescheduleSession(RpcRequest[SessionView]):
    """Cancel a scheduled session and book its replacement in one step, under the booking
    rules (inside availability, no double booking) → the new session. Errors: those of
    cancelling and of scheduling; on any error the old session stays."""

    subject = "rpc.mentoring.session.reschedule"

    session_id: Id
    rescheduling: Rescheduling


class MarkNoShow(RpcRequest[SessionView]):
    """A party (or staff) records that the other did not come, once the session started →
    the session, `no_show`. Errors: `not_found`, `forbidden`, `conflict` (not started, or not
    scheduled)."""

    subject = "rpc.mentoring.session.no_show"

    session_id: Id
    no_show: NoShow
