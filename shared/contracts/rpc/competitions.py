"""The competitions service's RPCs: contests, entries, judging, results; school clubs and
coverage; initiatives (sáng kiến) and the council; figures for the district report.

HTTP bodies are the models without `RpcRequest`; every field has bounds. Rules that need
more than one field (weights summing to 1, consent, two-thirds vote) live in the service and
answer `invalid` (422)."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field, StringConstraints

from shared.contracts.base import Page, PageQuery, RpcRequest, unique
from shared.contracts.events.competitions import (
    ClubKind,
    CompetitionKind,
    CompetitionStatus,
)
from shared.contracts.events.reference import SchoolLevel
from shared.text import Line, Passage

Text = Line
#: An id (in a path or a body): a line, so no control character reaches a query.
Id = Annotated[Line, StringConstraints(min_length=1, max_length=64)]
Code = Annotated[
    str, StringConstraints(min_length=2, max_length=48, pattern=r"^[a-z0-9][a-z0-9\-]*$")
]
Title = Annotated[Text, StringConstraints(min_length=3, max_length=200)]
LongText = Annotated[Passage, StringConstraints(min_length=1, max_length=5000)]
ShortText = Annotated[Text, StringConstraints(min_length=1, max_length=200)]
PersonName = Annotated[Text, StringConstraints(min_length=2, max_length=120)]
CriterionName = Annotated[Text, StringConstraints(min_length=1, max_length=80)]
Score = Annotated[float, Field(ge=-1000, le=1000, allow_inf_nan=False)]
PrizeLabel = Annotated[Text, StringConstraints(min_length=1, max_length=60)]


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


# --- competitions -------------------------------------------------------------------------


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


class Consent(BaseModel):
    """The recorded consent of the student and of a parent or guardian (Decree 356/2025)."""

    student_agreed: bool = False
    guardian_agreed: bool = False
    guardian_name: PersonName | None = None
    recorded_at: AwareDatetime | None = None
    notice_version: Annotated[Line, StringConstraints(max_length=40)] | None = None
    name_public: bool = Field(
        False,
        description="The student and the guardian agreed that the name appear in public results",
    )


class Student(BaseModel):
    """A student of a school team, with the recorded consent that lets them take part."""

    full_name: PersonName
    grade: int = Field(ge=1, le=12)
    consent: Consent = Field(default_factory=Consent)


class Team(BaseModel):
    """A school team entered by its advisor: a name and its students."""

    name: Annotated[Text, StringConstraints(min_length=2, max_length=120)]
    school: Code
    students: list[Student] = Field(min_length=1, max_length=20)


class EntryFields(BaseModel):
    """Either `startup_id` (a founder's own startup) or `team` (a school advisor's students)."""

    startup_id: Id | None = None
    team: Team | None = None
    title: Title
    description: LongText


class EntryView(BaseModel):
    """An entry; students' names only for the advisor who entered them."""

    id: str
    competition_id: str
    title: str
    description: str
    startup_id: str | None = None
    startup_name: str | None = None
    team_name: str | None = None
    school: str | None = None
    ward: str | None = None
    participants: int
    students: list[dict[str, Any]] | None = Field(
        None, description="Only for the advisor who entered them: names, grades, consent"
    )
    submitted_at: datetime
    withdrawn_at: datetime | None = None


EntryPage = Page[EntryView]


class JudgeAssignment(BaseModel):
    """The judge account to add to a competition."""

    user_id: Id


class ConflictDeclaration(BaseModel):
    """A judge's reason for not scoring an entry."""

    reason: Annotated[Passage, StringConstraints(min_length=3, max_length=1000)]


class ScoreSet(BaseModel):
    """A judge's score per rubric criterion for one entry."""

    scores: dict[CriterionName, Score] = Field(min_length=1, max_length=20)


class ConflictView(BaseModel):
    """A declared conflict: which judge, which entry, why, when."""

    entry_id: str
    judge_id: str
    reason: str
    reassigned: bool


class JudgingView(BaseModel):
    """Who reviews what; `short_entries` have fewer eligible judges than required.
    `judge_names` by judge id (from the accounts competitions knows; absent for one it has
    not yet heard of), `scored`: entries each judge has scored in the current round, and
    the `conflicts` declared (the organizer sees who still owes a score and why an entry
    moved)."""

    competition_id: str
    status: CompetitionStatus
    judges_per_entry: int
    judges: list[str]
    assignments: dict[str, list[str]]
    short_entries: list[str]
    load: dict[str, int]
    judge_names: dict[str, str] = Field(default_factory=dict)
    scored: dict[str, int] = Field(default_factory=dict)
    conflicts: list[ConflictView] = Field(default_factory=list)


class JudgeCandidateView(BaseModel):
    """A judge account an organizer may put on a panel: id, name, organization."""

    id: str
    full_name: str | None = None
    organization: str | None = None


JudgeCandidatePage = Page[JudgeCandidateView]


class ListJudgeCandidates(RpcRequest[JudgeCandidatePage], PageQuery):
    """Judge accounts by name, for organizers and staff choosing a panel → a page, by name.
    `q` matches any part of the name with or without tones and đ ("nguyen an" finds
    "Nguyễn Văn An").

    Errors: `forbidden` (another role).
    """

    subject = "rpc.competitions.judge.candidates"

    q: Annotated[Text, StringConstraints(max_length=80)] | None = None


class ScoreView(BaseModel):
    """A judge's score set for an entry and its weighted total."""

    entry_id: str
    judge_id: str
    scores: dict[str, float]
    weighted_total: float
    revision: int
    submitted_at: datetime
    updated_at: datetime


class Assignment(BaseModel):
    """An entry as a judge sees it: content only when the competition is blind."""

    entry_id: str
    competition_id: str
    competition_title: str
    title: str
    description: str
    rubric: Rubric
    judging_deadline: datetime
    scored: bool
    scores: dict[str, float] | None = None
    startup_id: str | None = None
    team_name: str | None = None
    school: str | None = None


AssignmentPage = Page[Assignment]


class ResultRow(BaseModel):
    """One ranked entry of the last round: rank (shared by entries with equal final and raw
    scores, `tied`), the entrant's public name (a startup, or a school team: students'
    names only with their and their guardian's consent, else "Nhóm học sinh trường …"),
    prize and winner flag, weighted and normalised scores."""

    rank: int
    entry_id: str
    title: str
    entrant: str | None = None
    startup_name: str | None = None
    team_name: str | None = None
    school: str | None = None
    school_name: str | None = None
    tied: bool = False
    prize: str | None = None
    winner: bool = False
    final_score: float
    raw_mean: float
    criteria_means: dict[str, float]
    judges: int


class UnscoredEntry(BaseModel):
    """An entry no judge scored by the judging deadline: listed with the results, unranked."""

    entry_id: str
    title: str


class Results(BaseModel):
    """The ranking of a competition once published, best first. `tie_at_prize_line`: the
    last winning place is shared with entries past it (all of them win under `share`);
    `notice` says so in words."""

    competition_id: str
    title: str
    published_at: datetime
    winners: int
    rows: list[ResultRow]
    rounds: int = 1
    tie_break: TieBreak = TieBreak.SHARE
    tie_break_label: str | None = None
    tie_at_prize_line: bool = False
    notice: str | None = None
    unscored: list[UnscoredEntry] = Field(default_factory=list)


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


class SubmitEntry(RpcRequest[EntryView]):
    """Enter a founder's startup or an advisor's school team before the deadline →
    the entry. Errors: `not_found`, `forbidden` (not the owner, not eligible), `conflict`
    (entries closed, or already entered), `invalid` (missing consent).
    """

    subject = "rpc.competitions.entry.submit"

    competition_id: Id
    entry: EntryFields


class ListEntries(RpcRequest[EntryPage], PageQuery):
    """A competition's entries: all for its organizer, one's own for others → a page.

    Errors: `not_found`.
    """

    subject = "rpc.competitions.entry.list"

    competition_id: Id


class AssignJudge(RpcRequest[JudgingView]):
    """The organizer adds a judge; unscored entries are spread again → the judging.

    Errors: `not_found`, `forbidden`, `invalid` (not a judge account).
    """

    subject = "rpc.competitions.judge.assign"

    competition_id: Id
    user_id: Id


class GetJudging(RpcRequest[JudgingView]):
    """Who reviews what in a competition → the judging (its organizer).

    Errors: `not_found`, `forbidden`.
    """

    subject = "rpc.competitions.judging.get"

    competition_id: Id


class DeclareConflict(RpcRequest[ConflictView]):
    """A judge declares a conflict on an assigned entry → the conflict; the entry
    goes to another judge. Errors: `not_found`, `forbidden` (not assigned).
    """

    subject = "rpc.competitions.conflict.declare"

    entry_id: Id
    conflict: ConflictDeclaration


class ListAssignments(RpcRequest[AssignmentPage], PageQuery):
    """The calling judge's entries across competitions → a page of them."""

    subject = "rpc.competitions.assignment.list"


class SubmitScores(RpcRequest[ScoreView]):
    """A judge scores an assigned entry, revisable until the judging deadline → the
    scores. Errors: `not_found`, `forbidden` (not assigned, or conflicted), `conflict`
    (judging closed), `invalid` (a criterion missing or out of range).
    """

    subject = "rpc.competitions.score.submit"

    entry_id: Id
    score: ScoreSet


class PublishResults(RpcRequest[Results]):
    """The organizer ranks the entries by mean per-judge z-score and publishes →
    the results. Errors: `not_found`, `forbidden`, `conflict` (no score yet; or, before the
    judging deadline, scores still owed: `reason` `scores_missing` with `entries`,
    `scores` and `entry_ids`). Past the deadline, entries nobody scored are `unscored`.
    """

    subject = "rpc.competitions.results.publish"

    competition_id: Id


class GetResults(RpcRequest[Results]):
    """A competition's published results → them.

    Errors: `not_found` (unknown, or not published yet).
    """

    subject = "rpc.competitions.results.get"

    competition_id: Id


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


class WithdrawEntry(RpcRequest[EntryView]):
    """The entrant withdraws their entry before the entry deadline → the entry, withdrawn
    (it is then neither judged nor ranked; the startup or team may enter again). Errors:
    `not_found`, `forbidden` (not theirs), `conflict` (the deadline passed)."""

    subject = "rpc.competitions.entry.withdraw"

    entry_id: Id


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


# --- school clubs ---------------------------------------------------------------------------


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


# --- initiatives (sáng kiến) -------------------------------------------------------------------


class Author(BaseModel):
    """One author of an initiative and their share of it (percent)."""

    name: PersonName
    share: float = Field(gt=0, le=100, allow_inf_nan=False, description="Percent of contribution")


class InitiativeFields(BaseModel):
    """The dossier (Decree 13/2012): new within the unit, applied with practical benefit,
    not already protected as intellectual property."""

    title: Title
    authors: list[Author] = Field(min_length=1, max_length=20)
    unit: ShortText
    field: ShortText
    solution: LongText
    novelty: LongText = Field(description="What is new compared with before")
    applied_where: ShortText
    applied_since: date
    economic_benefit: LongText
    social_benefit: LongText
    can_spread: bool = False
    ip_protected: bool = Field(False, description="Already protected as intellectual property")


class SheetCriterion(BaseModel):
    """One criterion of an initiative council's scoring sheet and its maximum points."""

    name: CriterionName
    max_points: float = Field(gt=0, le=1000, allow_inf_nan=False)


class ScoringSheet(BaseModel):
    """The criteria the council scores an initiative on."""

    criteria: list[SheetCriterion] = Field(min_length=1, max_length=20)
    pass_mark: float = Field(ge=0, le=1000, allow_inf_nan=False)


class CouncilFields(BaseModel):
    """Council members (judge accounts) and the scoring sheet; assigning accepts the dossier."""

    member_ids: Annotated[list[Id], AfterValidator(unique)] = Field(min_length=1, max_length=30)
    sheet: ScoringSheet | None = Field(None, description="Defaults to the 100-point sheet")


class ReviewFields(BaseModel):
    """A council member's points per criterion and vote."""

    points: dict[CriterionName, Score] = Field(min_length=1, max_length=20)
    in_favour: bool
    comment: Annotated[Passage, StringConstraints(max_length=2000)] | None = None


class DecisionFields(BaseModel):
    """Recognised with a scope, or refused with reasons."""

    recognised: bool
    scope: Annotated[Line, StringConstraints(min_length=2, max_length=40)] | None = None
    reasons: Annotated[Passage, StringConstraints(min_length=3, max_length=2000)] | None = None


class ReviewView(BaseModel):
    """One council member's review of an initiative."""

    member_id: str
    points: dict[str, float]
    total: float
    passed: bool
    in_favour: bool
    comment: str | None = None
    at: datetime


class InitiativeView(BaseModel):
    """An initiative dossier, its council, reviews and decision."""

    id: str
    title: str
    authors: list[Author]
    unit: str
    field: str
    solution: str
    novelty: str
    applied_where: str
    applied_since: date
    economic_benefit: str
    social_benefit: str
    can_spread: bool
    status: str
    filed_by: str | None = None
    filed_at: datetime
    accepted_at: datetime | None = None
    decision_due: date | None = Field(None, description="3 months after acceptance")
    deadline_warning: bool = Field(False, description="The legal deadline is near or passed")
    council: list[str] = Field(default_factory=list)
    sheet: ScoringSheet | None = None
    reviews: list[ReviewView] | None = None
    votes_for: int = 0
    recognised: bool | None = None
    scope: str | None = None
    reasons: str | None = None
    decided_at: datetime | None = None
    version: int


InitiativePage = Page[InitiativeView]


class FileInitiative(RpcRequest[InitiativeView]):
    """Any signed-in user files an initiative dossier → it, `filed`.

    Errors: `invalid` (shares not summing to 100%, not applied, already IP).
    """

    subject = "rpc.competitions.initiative.file"

    initiative: InitiativeFields


class GetInitiative(RpcRequest[InitiativeView]):
    """One initiative → it, for its authors, its council and organizers.

    Errors: `not_found` for anyone else.
    """

    subject = "rpc.competitions.initiative.get"

    initiative_id: Id


class ListInitiatives(RpcRequest[InitiativePage], PageQuery):
    """Initiatives the caller may see, optionally by status → a page: all for
    organizers, otherwise what they filed or sit on the council of.
    """

    subject = "rpc.competitions.initiative.list"

    status: Annotated[Line, StringConstraints(max_length=20)] | None = None


class RecognisedInitiativeView(BaseModel):
    """A recognised initiative as anyone may read it: what it is, where it applies, its
    benefit, the scope and date of recognition. No author names: they are personal data
    and the dossier carries no consent to publish them (PDPL 91/2025)."""

    id: str
    title: str
    unit: str
    field: str
    solution: str
    applied_where: str
    applied_since: date
    economic_benefit: str
    social_benefit: str
    can_spread: bool
    scope: str | None = None
    decided_at: datetime | None = None


RecognisedInitiativePage = Page[RecognisedInitiativeView]


class ListRecognisedInitiatives(RpcRequest[RecognisedInitiativePage], PageQuery):
    """The initiatives the council recognised, newest decision first → a page (anyone,
    signed in or not), optionally by `scope`."""

    subject = "rpc.competitions.initiative.recognised"

    scope: Annotated[Line, StringConstraints(max_length=20)] | None = None


class AssignCouncil(RpcRequest[InitiativeView]):
    """An organizer names the council and scoring sheet; the 3-month limit starts →
    the initiative. Errors: `not_found`, `forbidden`, `conflict` (already decided).
    """

    subject = "rpc.competitions.initiative.assign_council"

    initiative_id: Id
    council: CouncilFields


class ReviewInitiative(RpcRequest[InitiativeView]):
    """A council member scores and votes, revisable until the decision → the
    initiative. Errors: `not_found`, `forbidden` (not on the council), `conflict` (decided).
    """

    subject = "rpc.competitions.initiative.review"

    initiative_id: Id
    review: ReviewFields


class DecideInitiative(RpcRequest[InitiativeView]):
    """An organizer records recognition (two thirds of the council in favour) with
    its scope, or refusal with reasons → the initiative.

    Errors: `not_found`, `forbidden` (not an organizer), `conflict` (already decided).
    """

    subject = "rpc.competitions.initiative.decide"

    initiative_id: Id
    decision: DecisionFields


# --- figures --------------------------------------------------------------------------------


class CompetitionFigures(BaseModel):
    """Competitions' section of the district report: held, entries, participants,
    winners (DESIGN §8).
    """

    held: int
    entries: int
    participants: int
    winners: int
    winners_by_ward: dict[str, int]


class ClubFigures(BaseModel):
    """Clubs' section of the district report: clubs registered and active, schools
    covered against the 50% target (DESIGN §8).
    """

    registered: int
    clubs: int
    active: int
    schools: int
    schools_with_active_club: int
    coverage: float
    target: float
    meets_target: bool
    schools_by_ward: dict[str, int]
    covered_by_ward: dict[str, int]
    coverage_by_level: dict[str, float]


class InitiativeFigures(BaseModel):
    """Initiatives' section of the district report: filed, decided, recognised by
    scope (DESIGN §8).
    """

    filed: int
    decided: int
    recognised: int
    recognised_by_scope: dict[str, int]


class CompetitionsFigures(BaseModel):
    """The competitions service's three sections of the district report."""

    competitions: CompetitionFigures
    clubs: ClubFigures
    initiatives: InitiativeFigures


class CompetitionsFiguresRequest(RpcRequest[CompetitionsFigures]):
    """Figures for the district report over [start, end) (UTC instants)."""

    subject = "rpc.competitions.figures.get"

    start: datetime
    end: datetime
