"""Competitions themselves (DESIGN §9): what an organizer fills in (rubric with weights,
deadlines, eligibility, prizes, tie-break, normalisation), the competition as a caller sees
it, and its lifecycle: create, edit a draft, publish, archive, read, list; further rounds
and advancing from one to the next (issue 17)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

from shared.contracts.base import Page, PageQuery, RpcRequest, unique
from shared.contracts.events.competitions import CompetitionKind, CompetitionStatus
from shared.contracts.events.reference import SchoolLevel
from shared.contracts.rpc.competitions.kinds import (
    Code,
    CriterionName,
    Id,
    LongText,
    PrizeLabel,
    Title,
)


class TieBreak(StrEnum):
    """How entries with equal final and raw scores are placed: they share the rank (and the
    prize), or the earlier submission goes first. Chosen by the organizer, shown in results."""

    SHARE = "share"
    EARLIER_SUBMISSION = "earlier_submission"


class Normalisation(StrEnum):
    """How a round's scores become its ranking: the mean of per-judge z-scores, or the
    plain mean of weighted totals."""

    Z_SCORE = "z_score"
    RAW_MEAN = "raw_mean"


class Criterion(BaseModel):
    """One rubric criterion: its name and weight (> 0)."""

    name: CriterionName
    weight: float = Field(gt=0, le=1, allow_inf_nan=False)


class Rubric(BaseModel):
    """Weights each > 0 and summing to 1 within 1e-6; scores within [min_score, max_score]."""

    criteria: list[Criterion] = Field(min_length=1, max_length=20)
    min_score: float = Field(0, ge=-1000, le=1000, allow_inf_nan=False)
    max_score: float = Field(10, ge=-1000, le=1000, allow_inf_nan=False)


class Eligibility(BaseModel):
    """Who may enter: startups or school teams; optionally youth- or women-led startups only,
    verified startups only, some wards, some school levels."""

    entrants: str = Field("startup", pattern=r"^(startup|school_team)$")
    youth_led_only: bool = False
    women_led_only: bool = False
    verified_only: bool = False
    wards: Annotated[list[Code], AfterValidator(unique)] = Field(
        default_factory=list, max_length=50
    )
    school_levels: Annotated[list[SchoolLevel], AfterValidator(unique)] = Field(
        default_factory=list, max_length=3
    )


class CompetitionFields(BaseModel):
    """What an organizer fills in for a competition: kind, rubric, rounds' deadlines,
    eligibility and how many judges review each entry.
    """

    title: Title
    kind: CompetitionKind
    description: LongText
    eligibility: Eligibility = Field(default_factory=Eligibility)
    entry_deadline: AwareDatetime
    judging_deadline: AwareDatetime
    rubric: Rubric
    judges_per_entry: int = Field(2, ge=1, le=20)
    winners: int = Field(3, ge=1, le=50, description="How many top-ranked entries win")
    blind: bool = Field(True, description="Judges see content, not names, school or founder")
    prizes: list[PrizeLabel] | None = Field(
        None,
        max_length=20,
        description="Prize labels by place; the last repeats for the remaining winners. "
        "Default: Giải Nhất, Giải Nhì, Giải Ba, Khuyến khích",
    )
    tie_break: TieBreak = TieBreak.SHARE
    normalisation: Normalisation = Normalisation.Z_SCORE


class RoundView(BaseModel):
    """One round of a competition: its number, judging deadline, rubric, judges (organizer
    only), normalisation, and once it is over the entries that went on."""

    number: int
    title: str | None = None
    judging_deadline: datetime
    rubric: Rubric
    judges_per_entry: int
    normalisation: Normalisation
    judges: list[str] | None = None
    advanced: list[str] | None = None
    closed_at: datetime | None = None


class CompetitionView(BaseModel):
    """A competition as the caller may see it; drafts only for their organizer."""

    id: str
    title: str
    kind: CompetitionKind
    description: str
    eligibility: Eligibility
    entry_deadline: datetime
    judging_deadline: datetime
    rubric: Rubric
    judges_per_entry: int
    winners: int
    blind: bool
    status: CompetitionStatus
    organizer_id: str | None = None
    organization: str | None = None
    entries: int = 0
    judges: list[str] | None = Field(None, description="Organizer only")
    short_entries: list[str] | None = Field(
        None, description="Organizer only: entries with fewer eligible judges than required"
    )
    created_at: datetime
    published_at: datetime | None = None
    prizes: list[str] | None = None
    tie_break: TieBreak = TieBreak.SHARE
    normalisation: Normalisation = Normalisation.Z_SCORE
    current_round: int = 1
    rounds: list[RoundView] = Field(
        default_factory=list, description="Every round, the current one included"
    )
    version: int


CompetitionPage = Page[CompetitionView]


class CreateCompetition(RpcRequest[CompetitionView]):
    """An organizer drafts a competition → it, `draft`.

    Errors: `forbidden` for other roles; `invalid` (weights not summing to 1, deadlines past).
    """

    subject = "rpc.competitions.competition.create"

    competition: CompetitionFields


class PublishCompetition(RpcRequest[CompetitionView]):
    """The organizer opens a draft for entries → the competition, `open`.

    Errors: `not_found`, `forbidden` (another organizer's), `conflict` (not a draft).
    """

    subject = "rpc.competitions.competition.publish"

    competition_id: Id


class ArchiveCompetition(RpcRequest[CompetitionView]):
    """Close a competition whose results are published; its results stay readable."""

    subject = "rpc.competitions.competition.archive"

    competition_id: Id


class GetCompetition(RpcRequest[CompetitionView]):
    """One competition → it; a draft only for its organizer.

    Errors: `not_found`.
    """

    subject = "rpc.competitions.competition.get"

    competition_id: Id


class ListCompetitions(RpcRequest[CompetitionPage], PageQuery):
    """Competitions, newest first, optionally by status and kind → a page of them."""

    subject = "rpc.competitions.competition.list"

    status: CompetitionStatus | None = None
    kind: CompetitionKind | None = None


class CompetitionPatch(BaseModel):
    """The fields of a draft an organizer may change; `version` is the one they read (a
    stale one is refused with 409). Absent fields stay as they are."""

    version: int = Field(ge=1, le=1_000_000)
    title: Title | None = None
    description: LongText | None = None
    eligibility: Eligibility | None = None
    entry_deadline: AwareDatetime | None = None
    judging_deadline: AwareDatetime | None = None
    rubric: Rubric | None = None
    judges_per_entry: int | None = Field(None, ge=1, le=20)
    winners: int | None = Field(None, ge=1, le=50)
    blind: bool | None = None
    prizes: list[PrizeLabel] | None = Field(None, max_length=20)
    tie_break: TieBreak | None = None
    normalisation: Normalisation | None = None


class EditCompetition(RpcRequest[CompetitionView]):
    """Change a draft → the competition. Errors: `not_found`, `forbidden`, `conflict` (not a
    draft, or `version` is not the stored one), `invalid` (rubric, deadlines)."""

    subject = "rpc.competitions.competition.edit"

    competition_id: Id
    patch: CompetitionPatch


class RoundFields(BaseModel):
    """A further round (the first is the competition itself): its judging deadline (after
    the previous round's), rubric, judges (judge accounts), judges per entry, normalisation."""

    title: Title | None = None
    judging_deadline: AwareDatetime
    rubric: Rubric
    judges: Annotated[list[Id], AfterValidator(unique)] = Field(default_factory=list, max_length=50)
    judges_per_entry: int = Field(2, ge=1, le=20)
    normalisation: Normalisation = Normalisation.Z_SCORE


class AddRound(RpcRequest[CompetitionView]):
    """Add the next round → the competition with its rounds. Errors: `not_found`,
    `forbidden`, `invalid` (deadline, rubric, a judge who is not a judge account),
    `conflict` (results already published)."""

    subject = "rpc.competitions.round.add"

    competition_id: Id
    round: RoundFields


class Advancement(BaseModel):
    """Who goes on: the `top` N of the round, or those with a final score of at least
    `threshold` (exactly one of the two). Entries tied at the cut go on together."""

    top: int | None = Field(None, ge=1, le=1000)
    threshold: float | None = Field(None, ge=-1000, le=1000, allow_inf_nan=False)


class RoundResult(BaseModel):
    """The outcome of closing round `round`: the entries that go on to round `round + 1`
    (best first), those that stop, and whether a tie at the cut took more than `top`."""

    competition_id: str
    round: int
    advanced: list[str]
    eliminated: list[str]
    tie_at_cut: bool = False


class AdvanceRound(RpcRequest[RoundResult]):
    """Close the current round `number` and start the next with the entries that go on.
    Errors: `not_found`, `forbidden`, `conflict` (not judging, not the current round, no
    next round, no score yet), `invalid` (neither or both of top and threshold)."""

    subject = "rpc.competitions.round.advance"

    competition_id: Id
    number: int = Field(ge=1, le=20)
    advancement: Advancement
