"""Mentors: the expertise profile a mentor fills in, their weekly availability, the mentor
as the Consultation Point sees them, and the times they are taken; create, edit, set
availability, read, list, busy times."""

from __future__ import annotations

from datetime import datetime
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
from shared.contracts.events.registry import Stage
from shared.contracts.rpc.mentoring.kinds import HHMM, HHMM_END, Code, Id, Text
from shared.contracts.rpc.mentoring.topics import Topic, TopicView
from shared.text import Line


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


class GetMentor(RpcRequest[MentorView]):
    """One mentor's profile → it, for mentors, staff and founders matched with them.

    Errors: `not_found`, `forbidden` for anyone else.
    """

    subject = "rpc.mentoring.mentor.get"

    mentor_id: Id


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
