"""School innovation and STEM clubs, their activities, and coverage of schools against the
plan's 50% target (DESIGN §8, §9)."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from shared.contracts.base import Page, PageQuery, RpcRequest
from shared.contracts.events.competitions import ClubKind
from shared.contracts.events.reference import SchoolLevel
from shared.contracts.rpc.competitions.kinds import Code, Id, Text, Title


class ClubFields(BaseModel):
    """A school's innovation or STEM club: school, kind, name."""

    kind: ClubKind
    name: Annotated[Text, StringConstraints(min_length=2, max_length=160)]
    members_count: int = Field(ge=1, le=5000)
    founded: date | None = None
    school: Code | None = Field(None, description="Defaults to the advisor's own school")


class ActivityFields(BaseModel):
    """One club activity: when, what, how many took part."""

    date: dt.date
    title: Title
    participants: int = Field(ge=1, le=5000)


class ActivityView(BaseModel):
    """A logged club activity."""

    id: str
    date: dt.date
    title: str
    participants: int


class ClubView(BaseModel):
    """A club with its school, ward and latest activities."""

    id: str
    school: str
    school_name: str | None = None
    ward: str | None = None
    level: SchoolLevel | None = None
    kind: ClubKind
    name: str
    members_count: int
    founded: date | None = None
    active: bool
    last_activity: date | None = None
    activities: list[ActivityView] = Field(default_factory=list)
    registered_at: datetime
    version: int


ClubPage = Page[ClubView]


class CoverageFigure(BaseModel):
    """Schools with an active club ÷ schools, for one group (overall, a ward or a level)."""

    schools: int
    covered: int
    share: float = Field(description="covered ÷ schools, 0 when there are no schools")
    meets_target: bool


class Coverage(BaseModel):
    """Schools with at least one active club (an activity in the last 180 days) ÷ schools."""

    as_of: date
    target: float
    overall: CoverageFigure
    by_ward: dict[str, CoverageFigure]
    by_level: dict[str, CoverageFigure]


class RegisterClub(RpcRequest[ClubView]):
    """A school advisor registers their own school's club → the club.

    Errors: `forbidden` (not this school's advisor), `invalid` (unknown school, or an
    account tied to no school).
    """

    subject = "rpc.competitions.club.register"

    club: ClubFields


class LogActivity(RpcRequest[ClubView]):
    """The club's advisor logs an activity → the club.

    Errors: `not_found`, `forbidden` (another school's club).
    """

    subject = "rpc.competitions.club.log_activity"

    club_id: Id
    activity: ActivityFields


class ListClubs(RpcRequest[ClubPage], PageQuery):
    """Clubs, optionally by school, ward, kind and activity → a page of them."""

    subject = "rpc.competitions.club.list"

    school: Code | None = None
    ward: Code | None = None
    kind: ClubKind | None = None
    active: bool | None = None


class GetClub(RpcRequest[ClubView]):
    """One club → it. Errors: `not_found`."""

    subject = "rpc.competitions.club.get"

    club_id: Id


class GetCoverage(RpcRequest[Coverage]):
    """Club coverage as of a day (today if absent) against the plan's 50% target
    (DESIGN §8) → the coverage overall, by ward and by level.
    """

    subject = "rpc.competitions.coverage.get"

    on: date | None = None
