"""Judging, scores and results (DESIGN §9): the panel and conflicts of interest, what a
judge scores and the score sets, the ranking from weighted, per-judge normalised scores once
published."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from shared.contracts.base import Page, PageQuery, RpcRequest
from shared.contracts.events.competitions import CompetitionStatus
from shared.contracts.rpc.competitions.contests import Rubric, TieBreak
from shared.contracts.rpc.competitions.kinds import CriterionName, Id, Score, Text
from shared.text import Passage


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
