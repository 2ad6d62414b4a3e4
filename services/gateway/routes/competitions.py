"""Competitions and judging, served by the competitions service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from services.gateway.access import ANYONE, JUDGE, ORGANIZER, SIGNED_IN, allow
from services.gateway.deps import Id, Paging, Rpc
from shared.contracts.base import Role
from shared.contracts.events.competitions import CompetitionKind, CompetitionStatus
from shared.contracts.rpc.competitions.contests import (
    AddRound,
    Advancement,
    AdvanceRound,
    ArchiveCompetition,
    CompetitionFields,
    CompetitionPage,
    CompetitionPatch,
    CompetitionView,
    CreateCompetition,
    EditCompetition,
    GetCompetition,
    ListCompetitions,
    PublishCompetition,
    RoundFields,
    RoundResult,
)
from shared.contracts.rpc.competitions.entries import (
    EntryFields,
    EntryPage,
    EntryView,
    ListEntries,
    SubmitEntry,
    WithdrawEntry,
)
from shared.contracts.rpc.competitions.judging import (
    AssignJudge,
    AssignmentPage,
    ConflictDeclaration,
    ConflictView,
    DeclareConflict,
    GetJudging,
    GetResults,
    JudgeAssignment,
    JudgeCandidatePage,
    JudgingView,
    ListAssignments,
    ListJudgeCandidates,
    PublishResults,
    Results,
    ScoreSet,
    ScoreView,
    SubmitScores,
)

router = APIRouter(tags=["competitions"])


@router.post("/competitions", dependencies=[ORGANIZER], status_code=status.HTTP_201_CREATED)
async def create_competition(body: CompetitionFields, rpc: Rpc) -> CompetitionView:
    """A draft: rubric weights each > 0 and summing to 1 (within 1e-6), deadlines ahead."""
    return await rpc.call(CreateCompetition(competition=body))


@router.post("/competitions/{competition_id}/publish", dependencies=[ORGANIZER])
async def publish_competition(competition_id: Id, rpc: Rpc) -> CompetitionView:
    """Open a draft for entries; 409 when it is not a draft."""
    return await rpc.call(PublishCompetition(competition_id=competition_id))


@router.post("/competitions/{competition_id}/archive", dependencies=[ORGANIZER])
async def archive_competition(competition_id: Id, rpc: Rpc) -> CompetitionView:
    """After the results: the competition leaves the active lists; results stay public."""
    return await rpc.call(ArchiveCompetition(competition_id=competition_id))


@router.get("/competitions", dependencies=[ANYONE])
async def list_competitions(
    rpc: Rpc,
    paging: Paging,
    status: CompetitionStatus | None = None,
    kind: CompetitionKind | None = None,
) -> CompetitionPage:
    """Newest first; drafts only for their organizer."""
    request = ListCompetitions(status=status, kind=kind, **paging.model_dump())
    return await rpc.call(request)


@router.get("/competitions/{competition_id}", dependencies=[ANYONE])
async def get_competition(competition_id: Id, rpc: Rpc) -> CompetitionView:
    """One competition; a draft only for its organizer (404 for others)."""
    return await rpc.call(GetCompetition(competition_id=competition_id))


@router.post(
    "/competitions/{competition_id}/entries",
    dependencies=[allow(Role.FOUNDER, Role.SCHOOL_ADVISOR)],
    status_code=status.HTTP_201_CREATED,
)
async def submit_entry(competition_id: Id, body: EntryFields, rpc: Rpc) -> EntryView:
    """A founder enters one of their startups; a school advisor a student team, each
    student with the recorded consent of the student and a parent or guardian."""
    return await rpc.call(SubmitEntry(competition_id=competition_id, entry=body))


@router.get("/competitions/{competition_id}/entries", dependencies=[SIGNED_IN])
async def list_entries(competition_id: Id, rpc: Rpc, paging: Paging) -> EntryPage:
    """The organizer sees every entry; others their own. Students' names never appear
    publicly."""
    request = ListEntries(competition_id=competition_id, **paging.model_dump())
    return await rpc.call(request)


@router.post("/competitions/{competition_id}/judges", dependencies=[ORGANIZER])
async def assign_judge(competition_id: Id, body: JudgeAssignment, rpc: Rpc) -> JudgingView:
    """Add a judge; during judging what is not yet scored is spread again."""
    request = AssignJudge(competition_id=competition_id, user_id=body.user_id)
    return await rpc.call(request)


@router.get("/competitions/{competition_id}/judging", dependencies=[ORGANIZER])
async def judging(competition_id: Id, rpc: Rpc) -> JudgingView:
    """Who reviews what, each judge's load, and the entries short of judges."""
    return await rpc.call(GetJudging(competition_id=competition_id))


@router.get("/judges", dependencies=[ORGANIZER])
async def judge_candidates(
    rpc: Rpc,
    paging: Paging,
    q: Annotated[
        str | None,
        Query(max_length=80, description="Beginnings of the name's words, tones optional"),
    ] = None,
) -> JudgeCandidatePage:
    """Judge accounts by name, to choose a competition's panel."""
    return await rpc.call(ListJudgeCandidates(q=q or None, **paging.model_dump()))


@router.post("/entries/{entry_id}/conflicts", dependencies=[JUDGE])
async def declare_conflict(entry_id: Id, body: ConflictDeclaration, rpc: Rpc) -> ConflictView:
    """A judge declares a conflict on an assigned entry, which goes to another judge."""
    return await rpc.call(DeclareConflict(entry_id=entry_id, conflict=body))


@router.get("/judging/assignments", dependencies=[JUDGE])
async def assignments(rpc: Rpc, paging: Paging) -> AssignmentPage:
    """The judge's entries across competitions: content only when judging is blind."""
    return await rpc.call(ListAssignments(**paging.model_dump()))


@router.post("/entries/{entry_id}/scores", dependencies=[JUDGE])
async def submit_scores(entry_id: Id, body: ScoreSet, rpc: Rpc) -> ScoreView:
    """One score set per judge and entry, revisable until the judging deadline."""
    return await rpc.call(SubmitScores(entry_id=entry_id, score=body))


@router.post("/competitions/{competition_id}/results/publish", dependencies=[ORGANIZER])
async def publish_results(competition_id: Id, rpc: Rpc) -> Results:
    """Rank by the mean of per-judge z-scores, then raw mean, then earlier submission."""
    return await rpc.call(PublishResults(competition_id=competition_id))


@router.get("/competitions/{competition_id}/results", dependencies=[ANYONE])
async def results(competition_id: Id, rpc: Rpc) -> Results:
    """The published ranking; 404 until the results are published."""
    return await rpc.call(GetResults(competition_id=competition_id))


@router.patch("/competitions/{competition_id}", dependencies=[ORGANIZER])
async def edit_competition(competition_id: Id, body: CompetitionPatch, rpc: Rpc) -> CompetitionView:
    """Change a draft; `version` is the one read (409 when stale, or when not a draft)."""
    return await rpc.call(EditCompetition(competition_id=competition_id, patch=body))


@router.post(
    "/entries/{entry_id}/withdraw", dependencies=[allow(Role.FOUNDER, Role.SCHOOL_ADVISOR)]
)
async def withdraw_entry(entry_id: Id, rpc: Rpc) -> EntryView:
    """The entrant withdraws their entry before the entry deadline (409 after it); it is
    neither judged nor ranked, and the startup or team may enter again."""
    return await rpc.call(WithdrawEntry(entry_id=entry_id))


@router.post(
    "/competitions/{competition_id}/rounds",
    dependencies=[ORGANIZER],
    status_code=status.HTTP_201_CREATED,
)
async def add_round(competition_id: Id, body: RoundFields, rpc: Rpc) -> CompetitionView:
    """Add the next round: its judging deadline, rubric, judges and normalisation."""
    return await rpc.call(AddRound(competition_id=competition_id, round=body))


@router.post("/competitions/{competition_id}/rounds/{number}/advance", dependencies=[ORGANIZER])
async def advance_round(
    competition_id: Id,
    number: Annotated[int, Path(ge=1, le=20)],
    body: Advancement,
    rpc: Rpc,
) -> RoundResult:
    """Close round `number`: the top N (ties at the cut go on together) or those at or
    above a threshold go on to the next round."""
    request = AdvanceRound(competition_id=competition_id, number=number, advancement=body)
    return await rpc.call(request)
