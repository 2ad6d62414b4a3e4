"""Request–reply handlers for the gateway (thin: parse, call the use case, reply)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from faststream.nats import NatsBroker

from services.competitions.certificates import Certificates
from services.competitions.clubs_service import Clubs
from services.competitions.entries import Entries
from services.competitions.initiatives_service import Initiatives
from services.competitions.judging import Judging
from services.competitions.results_service import ResultsPublication
from services.competitions.rounds import Rounds
from services.competitions.scoring import Scoring
from services.competitions.service import Competitions
from shared.contracts.base import Actor, Forbidden, Page
from shared.contracts.rpc import certificates as cert
from shared.contracts.rpc.competitions.clubs import (
    ClubPage,
    ClubView,
    Coverage,
    GetClub,
    GetCoverage,
    ListClubs,
    LogActivity,
    RegisterClub,
)
from shared.contracts.rpc.competitions.contests import (
    AddRound,
    AdvanceRound,
    ArchiveCompetition,
    CompetitionPage,
    CompetitionView,
    CreateCompetition,
    EditCompetition,
    GetCompetition,
    ListCompetitions,
    PublishCompetition,
    RoundResult,
)
from shared.contracts.rpc.competitions.entries import (
    EntryPage,
    EntryView,
    ListEntries,
    SubmitEntry,
    WithdrawEntry,
)
from shared.contracts.rpc.competitions.figures import (
    CompetitionsFigures,
    CompetitionsFiguresRequest,
)
from shared.contracts.rpc.competitions.initiatives import (
    AssignCouncil,
    DecideInitiative,
    FileInitiative,
    GetInitiative,
    InitiativePage,
    InitiativeView,
    ListInitiatives,
    ListRecognisedInitiatives,
    RecognisedInitiativePage,
    ReviewInitiative,
)
from shared.contracts.rpc.competitions.judging import (
    AssignJudge,
    AssignmentPage,
    ConflictView,
    DeclareConflict,
    GetJudging,
    GetResults,
    JudgeCandidatePage,
    JudgingView,
    ListAssignments,
    ListJudgeCandidates,
    PublishResults,
    Results,
    ScoreView,
    SubmitScores,
)
from shared.infra.broker import answer_rpc


def _actor(actor: Actor | None) -> Actor:
    """The signed-in actor; raises `Forbidden` for an anonymous request."""
    if actor is None:
        raise Forbidden("cần đăng nhập")
    return actor


@dataclass(frozen=True)
class UseCases:
    """The competitions service's use cases, each given once the service has started; every
    request goes to the one that owns its rule."""

    competitions: Callable[[], Competitions]
    entries: Callable[[], Entries]
    judging: Callable[[], Judging]
    scoring: Callable[[], Scoring]
    rounds: Callable[[], Rounds]
    results: Callable[[], ResultsPublication]
    certificates: Callable[[], Certificates]
    clubs: Callable[[], Clubs]
    initiatives: Callable[[], Initiatives]


def register_rpc(broker: NatsBroker, use: UseCases) -> None:
    """Answer every competitions, clubs and initiatives request contract in the
    `competitions` queue group."""
    competitions, entries, judging_cases = use.competitions, use.entries, use.judging
    scoring, rounds, publication = use.scoring, use.rounds, use.results
    certificates, clubs, initiatives = use.certificates, use.clubs, use.initiatives

    async def create(r: CreateCompetition) -> CompetitionView:
        """`rpc.competitions.competition.create`: create a draft → `CompetitionView`."""
        return await competitions().create(_actor(r.actor), r.competition)

    async def publish(r: PublishCompetition) -> CompetitionView:
        """`rpc.competitions.competition.publish`: open a draft to entries → `CompetitionView`."""
        return await competitions().publish(_actor(r.actor), r.competition_id)

    async def archive(r: ArchiveCompetition) -> CompetitionView:
        """`rpc.competitions.competition.archive`: archive a competition → `CompetitionView`."""
        return await competitions().archive(_actor(r.actor), r.competition_id)

    async def get(r: GetCompetition) -> CompetitionView:
        """`rpc.competitions.competition.get`: one competition → `CompetitionView`."""
        return await competitions().get(r.actor, r.competition_id)

    async def list_competitions(r: ListCompetitions) -> CompetitionPage:
        """`rpc.competitions.competition.list`: a page of competitions → `CompetitionPage`."""
        return await competitions().list_competitions(
            r.actor,
            status=r.status,
            kind=r.kind.value if r.kind else None,
            page=r.page,
            page_size=r.page_size,
        )

    async def submit_entry(r: SubmitEntry) -> EntryView:
        """`rpc.competitions.entry.submit`: enter a startup or school team → `EntryView`."""
        return await entries().submit(_actor(r.actor), r.competition_id, r.entry)

    async def list_entries(r: ListEntries) -> EntryPage:
        """`rpc.competitions.entry.list`: a page of a competition's entries → `EntryPage`."""
        return await entries().list_entries(_actor(r.actor), r.competition_id, r.page, r.page_size)

    async def assign_judge(r: AssignJudge) -> JudgingView:
        """`rpc.competitions.judge.assign`: add a judge to the panel → `JudgingView`."""
        return await judging_cases().assign_judge(_actor(r.actor), r.competition_id, r.user_id)

    async def judging(r: GetJudging) -> JudgingView:
        """`rpc.competitions.judging.get`: the panel and its assignments → `JudgingView`."""
        return await judging_cases().judging(_actor(r.actor), r.competition_id)

    async def judge_candidates(r: ListJudgeCandidates) -> JudgeCandidatePage:
        """`rpc.competitions.judge.candidates`: judge accounts by name → a page."""
        return await judging_cases().judge_candidates(_actor(r.actor), r.q, r.page, r.page_size)

    async def declare_conflict(r: DeclareConflict) -> ConflictView:
        """`rpc.competitions.conflict.declare`: declare a conflict → `ConflictView`."""
        return await judging_cases().declare_conflict(
            _actor(r.actor), r.entry_id, r.conflict.reason
        )

    async def assignments(r: ListAssignments) -> AssignmentPage:
        """`rpc.competitions.assignment.list`: what the judge must score → `AssignmentPage`."""
        return await scoring().assignments(_actor(r.actor), r.page, r.page_size)

    async def submit_scores(r: SubmitScores) -> ScoreView:
        """`rpc.competitions.score.submit`: a judge's scores for one entry → `ScoreView`."""
        return await scoring().submit_scores(_actor(r.actor), r.entry_id, r.score.scores)

    async def publish_results(r: PublishResults) -> Results:
        """`rpc.competitions.results.publish`: rank and publish the results → `Results`."""
        return await publication().publish_results(_actor(r.actor), r.competition_id)

    async def results(r: GetResults) -> Results:
        """`rpc.competitions.results.get`: a competition's results → `Results`."""
        return await publication().results(r.actor, r.competition_id)

    async def edit(r: EditCompetition) -> CompetitionView:
        """`rpc.competitions.competition.edit`: change a draft → `CompetitionView`."""
        return await competitions().edit(_actor(r.actor), r.competition_id, r.patch)

    async def withdraw(r: WithdrawEntry) -> EntryView:
        """`rpc.competitions.entry.withdraw`: withdraw one's entry → `EntryView`."""
        return await entries().withdraw(_actor(r.actor), r.entry_id)

    async def add_round(r: AddRound) -> CompetitionView:
        """`rpc.competitions.round.add`: add the next round → `CompetitionView`."""
        return await rounds().add_round(_actor(r.actor), r.competition_id, r.round)

    async def advance(r: AdvanceRound) -> RoundResult:
        """`rpc.competitions.round.advance`: close a round, start the next → `RoundResult`."""
        return await rounds().advance(_actor(r.actor), r.competition_id, r.number, r.advancement)

    async def certificate(r: cert.GetCertificate) -> cert.CertificateView:
        """`rpc.competitions.certificates.get`: one certificate by code → `CertificateView`."""
        return await certificates().get(r.code)

    async def my_certificates(r: cert.ListMyCertificates) -> Page[cert.CertificateView]:
        """`rpc.competitions.certificates.mine`: an account's certificates → a page."""
        return await certificates().mine(r.user_id, r.page, r.page_size)

    async def revoke(r: cert.RevokeCertificate) -> cert.CertificateView:
        """`rpc.competitions.certificates.revoke`: revoke with a reason → `CertificateView`."""
        return await certificates().revoke(_actor(r.actor), r.code, r.reason)

    async def register_club(r: RegisterClub) -> ClubView:
        """`rpc.competitions.club.register`: register a school innovation club → `ClubView`."""
        return await clubs().register(_actor(r.actor), r.club)

    async def log_activity(r: LogActivity) -> ClubView:
        """`rpc.competitions.club.log_activity`: record a club activity → `ClubView`."""
        return await clubs().log_activity(_actor(r.actor), r.club_id, r.activity)

    async def list_clubs(r: ListClubs) -> ClubPage:
        """`rpc.competitions.club.list`: a filtered page of clubs → `ClubPage`."""
        return await clubs().list_clubs(r)

    async def get_club(r: GetClub) -> ClubView:
        """`rpc.competitions.club.get`: one club → `ClubView`."""
        return await clubs().get(r.club_id)

    async def coverage(r: GetCoverage) -> Coverage:
        """`rpc.competitions.coverage.get`: club coverage of schools → `Coverage`."""
        return await clubs().coverage(r.on)

    async def file_initiative(r: FileInitiative) -> InitiativeView:
        """`rpc.competitions.initiative.file`: file an initiative dossier → `InitiativeView`."""
        return await initiatives().file(_actor(r.actor), r.initiative)

    async def get_initiative(r: GetInitiative) -> InitiativeView:
        """`rpc.competitions.initiative.get`: one initiative → `InitiativeView`."""
        return await initiatives().get(_actor(r.actor), r.initiative_id)

    async def list_initiatives(r: ListInitiatives) -> InitiativePage:
        """`rpc.competitions.initiative.list`: a page of initiatives → `InitiativePage`."""
        return await initiatives().list_initiatives(_actor(r.actor), r.status, r.page, r.page_size)

    async def recognised(r: ListRecognisedInitiatives) -> RecognisedInitiativePage:
        """`rpc.competitions.initiative.recognised`: recognised initiatives, for anyone."""
        return await initiatives().recognised(r.scope, r.page, r.page_size)

    async def assign_council(r: AssignCouncil) -> InitiativeView:
        """`rpc.competitions.initiative.assign_council`: name the council → `InitiativeView`."""
        return await initiatives().assign_council(_actor(r.actor), r.initiative_id, r.council)

    async def review(r: ReviewInitiative) -> InitiativeView:
        """`rpc.competitions.initiative.review`: a council member's review → `InitiativeView`."""
        return await initiatives().review(_actor(r.actor), r.initiative_id, r.review)

    async def decide(r: DecideInitiative) -> InitiativeView:
        """`rpc.competitions.initiative.decide`: recognise or refuse → `InitiativeView`."""
        return await initiatives().decide(_actor(r.actor), r.initiative_id, r.decision)

    async def figures(r: CompetitionsFiguresRequest) -> CompetitionsFigures:
        """`rpc.competitions.figures.get`: counts for reports → `CompetitionsFigures`."""
        return CompetitionsFigures(
            competitions=await competitions().figures(r.start, r.end),
            clubs=await clubs().figures(r.start, r.end),
            initiatives=await initiatives().figures(r.start, r.end),
        )

    answer_rpc(broker, "competitions", CreateCompetition, create)
    answer_rpc(broker, "competitions", PublishCompetition, publish)
    answer_rpc(broker, "competitions", ArchiveCompetition, archive)
    answer_rpc(broker, "competitions", GetCompetition, get)
    answer_rpc(broker, "competitions", ListCompetitions, list_competitions)
    answer_rpc(broker, "competitions", SubmitEntry, submit_entry)
    answer_rpc(broker, "competitions", ListEntries, list_entries)
    answer_rpc(broker, "competitions", AssignJudge, assign_judge)
    answer_rpc(broker, "competitions", GetJudging, judging)
    answer_rpc(broker, "competitions", ListJudgeCandidates, judge_candidates)
    answer_rpc(broker, "competitions", DeclareConflict, declare_conflict)
    answer_rpc(broker, "competitions", ListAssignments, assignments)
    answer_rpc(broker, "competitions", SubmitScores, submit_scores)
    answer_rpc(broker, "competitions", PublishResults, publish_results)
    answer_rpc(broker, "competitions", GetResults, results)
    answer_rpc(broker, "competitions", EditCompetition, edit)
    answer_rpc(broker, "competitions", WithdrawEntry, withdraw)
    answer_rpc(broker, "competitions", AddRound, add_round)
    answer_rpc(broker, "competitions", AdvanceRound, advance)
    mine = cert.certificates_subject
    answer_rpc(
        broker,
        "competitions",
        cert.GetCertificate,
        certificate,
        subject=mine("competitions", "get"),
    )
    answer_rpc(
        broker,
        "competitions",
        cert.ListMyCertificates,
        my_certificates,
        subject=mine("competitions", "mine"),
    )
    answer_rpc(
        broker,
        "competitions",
        cert.RevokeCertificate,
        revoke,
        subject=mine("competitions", "revoke"),
    )
    answer_rpc(broker, "competitions", RegisterClub, register_club)
    answer_rpc(broker, "competitions", LogActivity, log_activity)
    answer_rpc(broker, "competitions", ListClubs, list_clubs)
    answer_rpc(broker, "competitions", GetClub, get_club)
    answer_rpc(broker, "competitions", GetCoverage, coverage)
    answer_rpc(broker, "competitions", FileInitiative, file_initiative)
    answer_rpc(broker, "competitions", GetInitiative, get_initiative)
    answer_rpc(broker, "competitions", ListInitiatives, list_initiatives)
    answer_rpc(broker, "competitions", ListRecognisedInitiatives, recognised)
    answer_rpc(broker, "competitions", AssignCouncil, assign_council)
    answer_rpc(broker, "competitions", ReviewInitiative, review)
    answer_rpc(broker, "competitions", DecideInitiative, decide)
    answer_rpc(broker, "competitions", CompetitionsFiguresRequest, figures)
