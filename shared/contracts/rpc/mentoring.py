"""The mentoring service's RPCs: mentors, consultation requests, matching, sessions, figures."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from shared.contracts.base import Locale, Page, PageQuery, Patch, RpcRequest, unique
from shared.contracts.events.mentoring import Mode, Referral
from shared.contracts.events.registry import NEED_LABELS_VI, Need, Stage
from shared.text import Line, Passage, fold, line

HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
#: An end of a slot: any HH:MM, or 24:00 for midnight at the end of the day.
HHMM_END = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
#: An id (in a path or a body): a line, so no control character reaches a query.
Id = Annotated[Line, StringConstraints(min_length=1, max_length=64)]
Code = Annotated[
    str, StringConstraints(min_length=2, max_length=48, pattern=r"^[a-z0-9][a-z0-9\-]*$")
]


def _words(text: str) -> str:
    return " ".join(fold(text).split())


#: English words that name a canonical topic when typed (input only: what a person reads
#: comes from the catalogue, `enum.Need.<code>`).
NEED_WORDS_EN: dict[Need, tuple[str, ...]] = {
    Need.MENTORING: ("mentoring", "startup mentoring"),
    Need.LEGAL: ("legal", "law"),
    Need.IP: ("intellectual property", "ip"),
    Need.FUNDING: ("funding", "fundraising", "investment"),
    Need.MARKET: ("market", "marketing access"),
    Need.TECHNOLOGY: ("technology", "tech"),
    Need.WORKSPACE: ("workspace", "office space"),
    Need.TRAINING: ("training",),
}

#: The canonical topics (the registry's needs): a topic typed by its code, its Vietnamese
#: name or an English word, with or without accents and `đ`, is that topic (issue 14).
NEED_BY_WORDS: dict[str, str] = {
    **{_words(label): need.value for need, label in NEED_LABELS_VI.items()},
    **{_words(word): need.value for need, words in NEED_WORDS_EN.items() for word in words},
    **{need.value: need.value for need in Need},
}


def canonical_topic(text: str) -> str:
    """The stored form of a topic: a canonical topic's code, or a free topic as typed
    (lower-case NFC, diacritics kept). Pure; no bounds checked."""
    lowered = line(text).lower()
    return NEED_BY_WORDS.get(_words(lowered), lowered)


def _topic(value: str) -> str:
    """A topic is one of the canonical topics (kept as its code) or a free tag (kept
    lower-case NFC with its diacritics, compared accent-insensitively when matching)."""
    text = line(value).lower()
    if not 2 <= len(text) <= 40:
        raise PydanticCustomError("topic_length", "A topic has 2–40 characters")
    return canonical_topic(text)


class TopicView(BaseModel):
    """A topic as stored, `{key, label}`: `key` folds case, tones and `đ` (what matching
    compares); `label` is the canonical topic's Vietnamese name or the words as typed;
    `need` names the canonical topic (its label in any locale is `enum.Need.<need>`)."""

    key: str
    label: str
    need: Need | None = None


_NEEDS = frozenset(need.value for need in Need)


def topic_view(topic: str) -> TopicView:
    """The `{key, label}` of a stored topic (a canonical code or a free topic)."""
    need = Need(topic) if topic in _NEEDS else None
    label = NEED_LABELS_VI[need] if need else topic
    return TopicView(key=" ".join(fold(topic).split()), label=label, need=need)


Topic = Annotated[str, AfterValidator(_topic)]
Text = Passage


class Slot(BaseModel):
    """A weekly availability slot in Asia/Ho_Chi_Minh: weekday (Monday = 0) of its start,
    HH:MM start and end. An end of 24:00 is midnight; an end before the start crosses
    midnight into the next day (20:00–02:00); start and end are never equal."""

    weekday: int = Field(ge=0, le=6, description="Monday = 0; the day the slot starts")
    start: str = Field(pattern=HHMM)
    end: str = Field(pattern=HHMM_END, description="24:00 is midnight; before start: next day")

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: str, info: object) -> str:
        start = getattr(info, "data", {}).get("start")
        if start and (end == start or (start == "00:00" and end == "24:00")):
            raise PydanticCustomError("slot_order", "The end must come after the start")
        return end


class MentorProfile(BaseModel):
    """A mentor's expertise profile: topics, sectors, stages, languages and how many
    consultations a month they take (1–100).
    """

    expertise: Annotated[list[Topic], AfterValidator(unique)] = Field(min_length=1, max_length=20)
    sectors: Annotated[list[Code], AfterValidator(unique)] = Field(
        default_factory=list, max_length=20
    )
    stages: Annotated[list[Stage], AfterValidator(unique)] = Field(
        default_factory=list, max_length=5
    )
    languages: Annotated[list[Locale], AfterValidator(unique)] = Field(
        default_factory=lambda: [Locale.VI], min_length=1, max_length=2
    )
    monthly_capacity: int = Field(ge=1, le=100)
    bio: Annotated[Text, StringConstraints(max_length=2000)] = ""
    user_id: Id | None = Field(None, description="Staff only: the mentor account to create for")


class MentorChanges(Patch):
    """A partial edit of a profile at the `version` last seen; `paused` keeps matches."""

    version: int = Field(ge=1, le=2_147_483_647)
    expertise: Annotated[list[Topic], AfterValidator(unique)] | None = Field(
        None, min_length=1, max_length=20
    )
    sectors: Annotated[list[Code], AfterValidator(unique)] | None = Field(None, max_length=20)
    stages: Annotated[list[Stage], AfterValidator(unique)] | None = Field(None, max_length=5)
    languages: Annotated[list[Locale], AfterValidator(unique)] | None = Field(
        None, min_length=1, max_length=2
    )
    monthly_capacity: int | None = Field(None, ge=1, le=100)
    bio: Annotated[Text, StringConstraints(max_length=2000)] | None = None
    active: bool | None = None
    paused: bool | None = Field(None, description="No new suggestions; matches are kept")


class Availability(BaseModel):
    """A mentor's weekly slots (at most 50); replaces the previous ones."""

    slots: list[Slot] = Field(max_length=50)


class MentorView(BaseModel):
    """A mentor as the Consultation Point sees them, with their slots and rating."""

    id: str
    full_name: str | None = None
    organization: str | None = None
    expertise: list[str]
    sectors: list[str]
    stages: list[str]
    languages: list[str]
    monthly_capacity: int
    bio: str
    active: bool
    paused: bool
    slots: list[Slot]
    topics: list[TopicView] = Field(
        default_factory=list, description="The expertise as {key, label}, in the same order"
    )
    rating_average: float | None = None
    rating_count: int = 0
    version: int


MentorPage = Page[MentorView]


class ConsultationDraft(BaseModel):
    """A founder's request for advice on one of their startups: topics and a message."""

    startup_id: Id
    topics: Annotated[list[Topic], AfterValidator(unique)] = Field(min_length=1, max_length=10)
    message: Annotated[Text, StringConstraints(min_length=10, max_length=2000)]
    language: Locale = Locale.VI
    mode: Mode = Mode.IN_PERSON
    referred_by: Referral = Referral.SELF
    referred_ward: Code | None = None


class ConsultationView(BaseModel):
    """A consultation request: `open`, `proposed` (a match offered) or `matched`."""

    id: str
    startup_id: str
    startup_name: str | None = None
    founder_id: str
    topics: list[str]
    topic_labels: list[TopicView] = Field(
        default_factory=list, description="The topics as {key, label}, in the same order"
    )
    message: str
    language: str
    mode: Mode
    referred_by: Referral
    status: str
    mentor_id: str | None = None
    match_id: str | None = None
    declined_mentors: list[str] = Field(default_factory=list)
    opened_at: datetime
    version: int


ConsultationPage = Page[ConsultationView]


class Suggestion(BaseModel):
    """One ranked mentor: a score in [0, 1] and the human-readable reasons behind it."""

    mentor_id: str
    score: float = Field(ge=0, le=1)
    reasons: list[str]


class Suggestions(BaseModel):
    """Mentors ranked for one request, best first."""

    request_id: str
    items: list[Suggestion]


class MatchView(BaseModel):
    """A mentor proposed for a request: `proposed`, `accepted` or `declined`."""

    id: str
    request_id: str
    mentor_id: str
    founder_id: str
    startup_id: str
    startup_name: str | None = None
    status: str
    score: float
    proposed_at: datetime
    answered_at: datetime | None = None


class BatchResult(BaseModel):
    """Matches proposed at once, the requests left unmatched, and the total score."""

    proposed: list[MatchView]
    unmatched: list[str]
    total_score: float


class SessionDraft(BaseModel):
    """A consultation session to schedule for a match; times carry their offset."""

    match_id: Id
    starts_at: datetime
    ends_at: datetime
    mode: Mode = Mode.IN_PERSON

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _with_offset(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise PydanticCustomError("timezone_aware", "A time needs its time zone")
        return value


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
MatchPage = Page[MatchView]


class Cancellation(BaseModel):
    """Why a session is called off (3–500 characters); the other party reads it."""

    reason: Annotated[Text, StringConstraints(min_length=3, max_length=500)]


class Rescheduling(BaseModel):
    """The new time of a session (with offsets) and why it moves."""

    starts_at: datetime
    ends_at: datetime
    reason: Annotated[Text, StringConstraints(min_length=3, max_length=500)]

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _with_offset(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise PydanticCustomError("timezone_aware", "A time needs its time zone")
        return value


class Absent(StrEnum):
    """Who did not come to a session."""

    FOUNDER = "founder"
    MENTOR = "mentor"


class NoShow(BaseModel):
    """Who did not come to a session that has started."""

    absent: Absent


# --- requests ------------------------------------------------------------------------------


class SaveMentor(RpcRequest[MentorView]):
    """Create a mentor profile (the mentor's own; staff name `user_id`) → the mentor.

    Errors: `forbidden` for other roles; `invalid` (no or a non-mentor `user_id`);
    `conflict` when the mentor already has a profile.
    """

    subject = "rpc.mentoring.mentor.save"

    profile: MentorProfile


class UpdateMentor(RpcRequest[MentorView]):
    """Edit, pause or deactivate a mentor at the `version` last seen → the mentor.

    Errors: `not_found`, `forbidden` (another mentor's profile), `conflict` (stale version).
    """

    subject = "rpc.mentoring.mentor.update"

    mentor_id: Id
    changes: MentorChanges


class SetAvailability(RpcRequest[MentorView]):
    """Replace a mentor's weekly slots → the mentor.

    Errors: `not_found`, `forbidden` (another mentor's profile).
    """

    subject = "rpc.mentoring.availability.set"

    mentor_id: Id
    availability: Availability


class ListMentors(RpcRequest[MentorPage], PageQuery):
    """Mentors, optionally with one topic → a page of them (mentors and staff)."""

    subject = "rpc.mentoring.mentor.list"

    topic: Annotated[Line, StringConstraints(max_length=40)] | None = None


class OpenConsultation(RpcRequest[ConsultationView]):
    """A founder asks for advice on their own startup → the request, `open`.

    Errors: `not_found` (unknown startup), `forbidden` (not the owner), `invalid` (the
    startup is rejected or closed).
    """

    subject = "rpc.mentoring.request.open"

    draft: ConsultationDraft


class GetConsultation(RpcRequest[ConsultationView]):
    """One consultation request → it, for its founder, its mentor and staff.

    Errors: `not_found` (unknown), `forbidden` for anyone else.
    """

    subject = "rpc.mentoring.request.get"

    request_id: Id


class ListConsultations(RpcRequest[ConsultationPage], PageQuery):
    """Consultation requests the caller may see, optionally by status → a page."""

    subject = "rpc.mentoring.request.list"

    status: Annotated[Line, StringConstraints(max_length=20)] | None = None


class SuggestMentors(RpcRequest[Suggestions]):
    """Mentors ranked for an open request, at most `limit` → the suggestions (staff).

    Errors: `not_found`, `forbidden`.
    """

    subject = "rpc.mentoring.request.suggest"

    request_id: Id
    limit: int = Field(10, ge=1, le=50)


class ProposeMatch(RpcRequest[MatchView]):
    """Staff propose a mentor for a request → the match, `proposed`.

    Errors: `not_found`, `forbidden`, `conflict` (request not open, mentor full or declined).
    """

    subject = "rpc.mentoring.match.propose"

    request_id: Id
    mentor_id: Id


class BatchMatch(RpcRequest[BatchResult]):
    """Propose mentors for many open requests, maximising the total score within each
    mentor's remaining capacity → what was proposed and what was not (staff).
    """

    subject = "rpc.mentoring.match.batch"

    request_ids: list[Id] | None = Field(None, max_length=2000)


class AnswerMatch(RpcRequest[MatchView]):
    """The proposed mentor accepts or declines → the match; declining reopens the
    request. Errors: `not_found`, `forbidden` (another mentor), `conflict` (already answered).
    """

    subject = "rpc.mentoring.match.answer"

    match_id: Id
    accept: bool


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


class ListMatches(RpcRequest[MatchPage], PageQuery):
    """Matches the caller is party to (staff: all), optionally by status → a page."""

    subject = "rpc.mentoring.match.list"

    status: Annotated[str, StringConstraints(pattern="^(proposed|accepted|declined)$")] | None = (
        None
    )


class GetMatch(RpcRequest[MatchView]):
    """One match → it, for its mentor, its founder and staff.

    Errors: `not_found`, `forbidden` for anyone else.
    """

    subject = "rpc.mentoring.match.get"

    match_id: Id


class GetMentor(RpcRequest[MentorView]):
    """One mentor's profile → it, for mentors, staff and founders matched with them.

    Errors: `not_found`, `forbidden` for anyone else.
    """

    subject = "rpc.mentoring.mentor.get"

    mentor_id: Id


class MentoringFigures(BaseModel):
    """Mentoring's section of the district report (DESIGN §8): requests, matches,
    sessions held, hours and rating, by topic, ward and referral.
    """

    requests: int
    matched: int
    sessions_held: int
    sessions_recorded_late: int = 0
    sessions_cancelled: int = 0
    no_shows: int = 0
    hours: float
    average_rating: float | None
    by_topic: dict[str, int]
    by_ward: dict[str, int]
    by_referral: dict[str, int]


class MentoringFiguresRequest(RpcRequest[MentoringFigures]):
    """Figures for the district report over [start, end) (UTC instants); the gateway asks it
    as `FiguresRequest` on `figures_subject("mentoring")`, the same subject."""

    subject = "rpc.mentoring.figures.get"

    start: datetime
    end: datetime


#: The longest span of busy times asked at once (a week view needs eight days).
BUSY_SPAN_DAYS = 31
#: The most busy times answered at once (31 days of half-hour sessions fit).
BUSY_MAX = 2_000


class BusyInterval(BaseModel):
    """A time [starts_at, ends_at) a mentor is taken (a session booked, being booked, held
    or missed): when only, never whose."""

    starts_at: datetime
    ends_at: datetime


class BusyTimes(BaseModel):
    """A mentor's taken times overlapping the asked span, earliest first."""

    mentor_id: Id
    items: list[BusyInterval] = Field(max_length=BUSY_MAX)


class GetMentorBusy(RpcRequest[BusyTimes]):
    """The times a mentor is taken in [starts_from, starts_before) (aware instants, at most
    31 days), for any signed-in person choosing a time with them: start and end only, never
    the session, its startup or founder. Errors: `forbidden` without an actor, `invalid`
    for a span that is empty, longer than 31 days or without a time zone."""

    subject = "rpc.mentoring.mentor.busy"

    mentor_id: Id
    starts_from: datetime
    starts_before: datetime

    @model_validator(mode="after")
    def _bounded(self) -> GetMentorBusy:
        if self.starts_from.tzinfo is None or self.starts_before.tzinfo is None:
            raise PydanticCustomError("aware_time", "A time needs its time zone")
        span = self.starts_before - self.starts_from
        if span.total_seconds() <= 0 or span.days > BUSY_SPAN_DAYS:
            raise PydanticCustomError("busy_span", "A span of 1 second to 31 days")
        return self
