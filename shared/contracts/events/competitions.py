"""Events the competitions service publishes (stream COMPETITIONS): contests and judging,
school clubs, initiatives (sáng kiến). Students' names never travel in an event."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from shared.contracts.base import Event
from shared.text import Line, Passage


class CompetitionKind(StrEnum):
    YOUTH_STARTUP = "youth_startup"
    SCHOOL_CREATIVITY = "school_creativity"
    ENERGY_SAVING = "energy_saving"
    INNOVATION = "innovation"


class InitiativeScope(StrEnum):
    """The scopes of influence an initiative is recognised with by default (Decree 13/2012;
    the accepted list is configuration, `initiative_scopes`)."""

    UNIT = "unit"
    WARD = "ward"
    CITY = "city"
    NATIONAL = "national"


class CompetitionStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    JUDGING = "judging"
    RESULTS_PUBLISHED = "results_published"
    ARCHIVED = "archived"


class ClubKind(StrEnum):
    INNOVATION = "innovation"
    STEM = "stem"
    ROBOTICS = "robotics"
    SCIENCE = "science"
    OTHER = "other"


class CompetitionPublishedV1(Event):
    subject = "competitions.competition.published.v1"

    competition_id: str
    title: Line
    kind: CompetitionKind
    organizer_id: str
    organization: str | None = None
    entry_deadline: datetime
    judging_deadline: datetime
    judges_per_entry: int


class EntrySubmittedV1(Event):
    subject = "competitions.entry.submitted.v1"

    competition_id: str
    entry_id: str
    entrant_id: str
    title: Line
    startup_id: str | None = None
    school: str | None = None
    ward: str | None = None
    participants: int = 1
    submitted_at: datetime
    # Who is told of the entry, and about what (issue 14); None in older events.
    organizer_id: str | None = None
    competition_title: Line | None = None


class JudgeAssignedV1(Event):
    """A judge joined a competition's jury; `entry_ids` are what they now review, by
    `judging_deadline` (None in older events), in round `round`."""

    subject = "competitions.judge.assigned.v1"

    competition_id: str
    judge_id: str
    entry_ids: tuple[str, ...] = ()
    short_entries: tuple[str, ...] = ()
    judging_deadline: datetime | None = None
    competition_title: Line | None = None
    round: int = 1


class ScoreSubmittedV1(Event):
    subject = "competitions.score.submitted.v1"

    competition_id: str
    entry_id: str
    judge_id: str
    weighted_total: float
    revision: int = 1


class RankedEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    rank: int
    entry_id: str
    final_score: float
    raw_mean: float
    ward: str | None = None
    # issue 17: the place as people read it (None / False in older events)
    prize: Line | None = None
    winner: bool = False
    tied: bool = False


class ResultsPublishedV1(Event):
    subject = "competitions.results.published.v1"

    competition_id: str
    title: Line
    ranking: tuple[RankedEntry, ...]
    winners: int
    published_at: datetime


class ClubRegisteredV1(Event):
    subject = "competitions.club.registered.v1"

    club_id: str
    school: str
    ward: str | None = None
    level: str | None = None
    kind: ClubKind
    name: Line
    advisor_id: str
    founded: date | None = None


class ClubActivityLoggedV1(Event):
    subject = "competitions.club.activity_logged.v1"

    club_id: str
    activity_id: str
    school: str
    on: date
    title: Line
    participants: int


class InitiativeFiledV1(Event):
    subject = "competitions.initiative.filed.v1"

    initiative_id: str
    title: Line
    unit: Line
    field: Line
    filed_by: str
    filed_at: datetime


class InitiativeReviewedV1(Event):
    """A council member scored an initiative and voted."""

    subject = "competitions.initiative.reviewed.v1"

    initiative_id: str
    member_id: str
    points: float
    in_favour: bool


class InitiativeDecidedV1(Event):
    subject = "competitions.initiative.decided.v1"

    initiative_id: str
    title: Line
    filed_by: str | None = None
    recognised: bool
    scope: Line | None = None
    reasons: Passage | None = None
    votes_for: int
    council_size: int
    decided_at: datetime


class InitiativeCouncilAssignedV1(Event):
    """The council of an initiative was named (or changed); `appointed` are the members
    new to it, who are told (issue 14)."""

    subject = "competitions.initiative.council_assigned.v1"

    initiative_id: str
    title: Line
    member_ids: tuple[str, ...]
    appointed: tuple[str, ...] = ()
