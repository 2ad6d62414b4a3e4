"""Events the mentoring service publishes (stream MENTORING): the Consultation Point's record."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from shared.contracts.base import Event
from shared.text import Line


class Mode(StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"


class Referral(StrEnum):
    WOMENS_UNION = "womens_union"
    YOUTH_UNION = "youth_union"
    WARD = "ward"
    SELF = "self"
    OTHER = "other"


class MentorRegisteredV1(Event):
    subject = "mentoring.mentor.registered.v1"

    mentor_id: str
    expertise: tuple[str, ...]
    sectors: tuple[str, ...]
    monthly_capacity: int
    organization: str | None = None


class RequestOpenedV1(Event):
    subject = "mentoring.request.opened.v1"

    request_id: str
    startup_id: str
    founder_id: str
    topics: tuple[str, ...]
    mode: Mode
    language: str
    referred_by: Referral
    ward: str | None = None
    startup_name: Line | None = None
    opened_at: datetime


class MatchProposedV1(Event):
    subject = "mentoring.match.proposed.v1"

    match_id: str
    request_id: str
    mentor_id: str
    founder_id: str
    startup_id: str
    startup_name: Line
    score: float
    proposed_by: str


class MatchAcceptedV1(Event):
    subject = "mentoring.match.accepted.v1"

    match_id: str
    request_id: str
    mentor_id: str
    founder_id: str
    startup_name: Line


class MatchDeclinedV1(Event):
    subject = "mentoring.match.declined.v1"

    match_id: str
    request_id: str
    mentor_id: str
    founder_id: str
    startup_name: Line


class SessionScheduledV1(Event):
    subject = "mentoring.session.scheduled.v1"

    session_id: str
    match_id: str
    mentor_id: str
    founder_id: str
    startup_name: Line
    starts_at: datetime
    ends_at: datetime
    mode: Mode


class SessionCompletedV1(Event):
    subject = "mentoring.session.completed.v1"

    session_id: str
    mentor_id: str
    founder_id: str
    duration_minutes: int
    completed_at: datetime
    #: When the session took place: the district report counts it in that month (issue 17).
    starts_at: datetime | None = None
    #: Recorded by the mentor after the fact (booked in the past, within 30 days).
    recorded_late: bool = False


class FeedbackRecordedV1(Event):
    subject = "mentoring.feedback.recorded.v1"

    session_id: str
    mentor_id: str
    founder_id: str
    rating: int


class SessionCancelledV1(Event):
    """A scheduled session called off by one party (or staff) with a reason; its time is
    free again. `rescheduled_to` names the session that replaces it, if any."""

    subject = "mentoring.session.cancelled.v1"

    session_id: str
    match_id: str
    mentor_id: str
    founder_id: str
    startup_name: Line
    starts_at: datetime
    cancelled_by: str
    reason: str
    rescheduled_to: str | None = None


class SessionNoShowV1(Event):
    """A session that did not take place because one party did not come (`absent` is
    `founder` or `mentor`)."""

    subject = "mentoring.session.no_show.v1"

    session_id: str
    mentor_id: str
    founder_id: str
    starts_at: datetime
    absent: str
    recorded_by: str
