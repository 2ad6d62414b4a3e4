"""Competition use cases: create and publish, entries, figures; judging lives in
`judging.py` (and begins by itself at the entry deadline), scores in `scoring.py`, results in
`results_service.py`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.competitions import domain
from services.competitions.certificates import Certificates
from services.competitions.changes import Changes
from services.competitions.figures import competition_figures
from services.competitions.judging import Judging
from services.competitions.ports import StartupSource
from services.competitions.records import CompetitionRecords, envelope, stale
from services.competitions.repository import (
    COMPETITIONS,
    ENTRIES,
    SCHOOLS,
    SCORES,
    STARTUPS,
    Drafts,
)
from services.competitions.results_service import ResultsPublication
from services.competitions.rounds import Rounds
from services.competitions.scoring import Scoring
from services.competitions.views import entry_view, keyed_rubric, orgs, score_view
from shared.contracts.base import (
    Actor,
    Conflict,
    Envelope,
    Forbidden,
    Invalid,
    Role,
    new_id,
)
from shared.contracts.events.competitions import (
    CompetitionPublishedV1,
    CompetitionStatus,
    EntrySubmittedV1,
)
from shared.contracts.rpc.competitions import (
    AssignmentPage,
    CompetitionFields,
    CompetitionFigures,
    CompetitionPage,
    CompetitionView,
    ConflictView,
    EntryFields,
    EntryPage,
    EntryView,
    JudgeCandidatePage,
    JudgingView,
    Results,
    ScoreView,
)
from shared.infra.logging import get_logger
from shared.infra.mongo import AlreadyExists, Document
from shared.localtime import utc
from shared.text import fold

log = get_logger(__name__)
S = CompetitionStatus


class Competitions:
    """Competitions: create and publish, entries, figures, personal data (DESIGN §2).
    Judging, scoring and results are their own use cases (`Judging`, `Scoring`,
    `ResultsPublication`), composed here so the gateway's RPCs reach one object; every listing first starts the competitions whose deadline passed.

    Errors raised are the contract's: `NotFound`, `Forbidden`, `Invalid`, `Conflict`.
    """

    #: How often an entry tries to record itself on its competition before giving up.
    CLAIM_ATTEMPTS = 50

    def __init__(
        self,
        records: CompetitionRecords,
        judging: Judging,
        scoring: Scoring,
        publication: ResultsPublication,
        certificates: Certificates | None = None,
        registry: StartupSource | None = None,
    ) -> None:
        """`registry` answers for startups the read model has not seen yet (None: the read
        model alone decides)."""
        self.records = records
        self.judging_cases = judging
        self.scoring = scoring
        self.publication = publication
        self.store = records.store
        self.outbox = records.outbox
        self.clock = records.clock
        self.rounds = Rounds(records, judging, scoring)
        self.changes = Changes(records)
        self.certificates = certificates or Certificates(records.store, records.clock)
        self.registry = registry

    # --- judging, scoring and results (their own use cases) -----------------------------------

    async def assign_judge(self, actor: Actor, competition_id: str, user_id: str) -> JudgingView:
        """See `Judging.assign_judge`."""
        return await self.judging_cases.assign_judge(actor, competition_id, user_id)

    async def judging(self, actor: Actor, competition_id: str) -> JudgingView:
        """See `Judging.judging`."""
        return await self.judging_cases.judging(actor, competition_id)

    async def judge_candidates(
        self, actor: Actor, q: str | None, page: int, page_size: int
    ) -> JudgeCandidatePage:
        """See `Judging.judge_candidates`."""
        return await self.judging_cases.judge_candidates(actor, q, page, page_size)

    async def declare_conflict(self, actor: Actor, entry_id: str, reason: str) -> ConflictView:
        """See `Judging.declare_conflict`."""
        return await self.judging_cases.declare_conflict(actor, entry_id, reason)

    async def assignments(self, actor: Actor, page: int, page_size: int) -> AssignmentPage:
        """See `Scoring.assignments`."""
        return await self.scoring.assignments(actor, page, page_size)

    async def submit_scores(
        self, actor: Actor, entry_id: str, scores: dict[str, float]
    ) -> ScoreView:
        """See `Scoring.submit_scores`."""
        return await self.scoring.submit_scores(actor, entry_id, scores)

    async def publish_results(self, actor: Actor, competition_id: str) -> Results:
        """See `ResultsPublication.publish_results`."""
        return await self.publication.publish_results(actor, competition_id)

    async def results(self, actor: Actor | None, competition_id: str) -> Results:
        """See `ResultsPublication.results`."""
        return await self.publication.results(actor, competition_id)

    # --- competitions ---------------------------------------------------------------------

    async def create(self, actor: Actor, fields: CompetitionFields) -> CompetitionView:
        """An organizer creates a draft competition: rubric weights each > 0 and summing to 1,
        the entry deadline in the future and before the judging deadline. A draft announces
        nothing. Raises `Forbidden` (not an organizer), `Invalid` (rubric, deadlines).
        """
        if actor.role != Role.ORGANIZER:
            raise Forbidden("chỉ đơn vị tổ chức tạo được cuộc thi")
        rubric = fields.rubric
        domain.validate_rubric(
            [(c.name, c.weight) for c in rubric.criteria], rubric.min_score, rubric.max_score
        )
        now = self.clock()
        domain.check_deadlines(fields.entry_deadline, fields.judging_deadline, now)
        competition_id = new_id()
        doc: Document = {
            **fields.model_dump(mode="json"),
            "_id": competition_id,
            "rubric": keyed_rubric(fields.rubric.model_dump(mode="json")),
            "entry_deadline": utc(fields.entry_deadline).astimezone(UTC),
            "judging_deadline": utc(fields.judging_deadline).astimezone(UTC),
            "status": S.DRAFT.value,
            "organizer_id": actor.id,
            "organization": actor.organization,
            "judges": [],
            "conflicts": [],
            "assignments": [],
            "short_entries": [],
            "created_at": now,
            "version": 1,
        }
        await self.store.insert(COMPETITIONS, doc, [])
        log.info("competition.created", competition_id=competition_id)
        return await self.records.view(await self.records.competition(competition_id, actor), actor)

    async def publish(self, actor: Actor, competition_id: str) -> CompetitionView:
        """Open a draft to entries. Emits `CompetitionPublishedV1`. Raises `NotFound`, `Forbidden` (not its manager), `Conflict` (not a draft, the entry deadline has passed, or a concurrent edit)."""
        doc = await self.records.competition(competition_id, actor)
        domain.check_manager(actor, doc)
        domain.check_status(doc, S.DRAFT)
        now = self.clock()
        if utc(doc["entry_deadline"]) <= now:
            raise Conflict("hạn nộp bài đã qua; hãy tạo cuộc thi mới với hạn khác")
        event = CompetitionPublishedV1(
            competition_id=competition_id,
            title=doc["title"],
            kind=doc["kind"],
            organizer_id=doc["organizer_id"],
            organization=doc.get("organization"),
            entry_deadline=doc["entry_deadline"],
            judging_deadline=doc["judging_deadline"],
            judges_per_entry=doc["judges_per_entry"],
        )
        changes = {"status": S.PUBLISHED.value, "published_at": now}
        saved = await self.records.save(doc, changes, [envelope(event, competition_id)])
        return await self.records.view(saved, actor)

    async def archive(self, actor: Actor, competition_id: str) -> CompetitionView:
        """Archive a competition whose results are published; the results stay public. Raises `NotFound`, `Forbidden`, `Conflict` (results not published, or a concurrent edit)."""
        doc = await self.records.competition(competition_id, actor)
        domain.check_manager(actor, doc)
        domain.check_status(doc, S.RESULTS_PUBLISHED)
        changes = {"status": S.ARCHIVED.value, "archived_at": self.clock()}
        return await self.records.view(await self.records.save(doc, changes, []), actor)

    async def get(self, actor: Actor | None, competition_id: str) -> CompetitionView:
        """The competition as `actor` may see it (a draft only for its managers), judging
        started first if its deadline passed. Raises `NotFound`.
        """
        doc = await self.records.competition(competition_id, actor)
        doc = await self.judging_cases.start_if_due(doc)
        return await self.records.view(doc, actor)

    async def list_competitions(
        self,
        actor: Actor | None,
        *,
        status: CompetitionStatus | None,
        kind: str | None,
        page: int,
        page_size: int,
    ) -> CompetitionPage:
        """One page of competitions, newest first, of that `status` and `kind` when given.
        Drafts: an organizer sees their own, an admin all, others none (DESIGN §9).
        """
        await self.judging_cases.start_due()
        equal_to: Document = {}
        if status is not None:
            equal_to["status"] = status.value
        if kind is not None:
            equal_to["kind"] = kind
        # Drafts are the organizer's own (admins see them all), DESIGN §9.
        if actor is None or actor.role not in (Role.ORGANIZER, Role.ADMIN):
            drafts = Drafts.NONE
        elif actor.role == Role.ORGANIZER:
            drafts = Drafts.OWN
        else:
            drafts = Drafts.ALL
        docs, total = await self.store.page_competitions(
            equal_to,
            drafts=drafts,
            viewer_id=actor.id if actor else None,
            skip=(page - 1) * page_size,
            limit=page_size,
        )
        items = [await self.records.view(doc, actor) for doc in docs]
        return CompetitionPage(items=items, total=total, page=page, page_size=page_size)

    # --- entries ----------------------------------------------------------------------------

    async def submit_entry(
        self, actor: Actor, competition_id: str, fields: EntryFields
    ) -> EntryView:
        """Enter a published competition before its entry deadline: a founder with their own
        eligible startup, or a school advisor with a team of consenting students
        (`domain.check_consent`). One entry per startup or team. Emits `EntrySubmittedV1`.

        Raises `NotFound`, `Forbidden` (wrong role, someone else's startup, another school),
        `Invalid` (eligibility, consent, both or neither of startup and team), `Conflict` (the
        deadline passed, or already entered).
        """
        doc = await self.records.competition(competition_id, actor)
        if doc["status"] == S.PUBLISHED.value and utc(doc["entry_deadline"]) <= self.clock():
            raise Conflict("đã hết hạn nộp bài dự thi", entry_deadline=doc["entry_deadline"])
        domain.check_status(doc, S.PUBLISHED)
        if (fields.startup_id is None) == (fields.team is None):
            raise Invalid(
                "bài dự thi gồm một dự án khởi nghiệp hoặc một đội học sinh", field="team"
            )
        eligibility = doc["eligibility"]
        entry: Document = {
            "_id": new_id(),
            "competition_id": competition_id,
            "entrant_id": actor.id,
            "title": fields.title,
            "description": fields.description,
            "submitted_at": self.clock(),
        }
        if fields.startup_id is not None:
            if actor.role != Role.FOUNDER:
                raise Forbidden("chỉ nhà sáng lập đăng ký dự án khởi nghiệp dự thi")
            if eligibility.get("entrants", "startup") != "startup":
                raise Invalid("cuộc thi này chỉ dành cho đội học sinh", field="startup_id")
            startup = await self._eligible_startup(actor, fields.startup_id, eligibility)
            entry.update(
                entrant_key=f"startup:{fields.startup_id}",
                startup_id=fields.startup_id,
                startup_name=startup.get("name"),
                ward=startup.get("ward"),
                participants=int(startup.get("team_size") or 1),
                organizations=sorted(orgs(actor)),
            )
        else:
            team = fields.team
            assert team is not None
            if actor.role != Role.SCHOOL_ADVISOR:
                raise Forbidden("chỉ giáo viên phụ trách đăng ký đội học sinh dự thi")
            school = await self.store.read_model(SCHOOLS, team.school)
            domain.check_team_eligible(eligibility, school, actor)
            students = [s.model_dump(mode="json") for s in team.students]
            domain.check_consent(students)
            assert school is not None
            entry.update(
                entrant_key=f"team:{team.school}:{fold(team.name)}",
                team={"name": team.name, "school": team.school, "students": students},
                school=team.school,
                ward=school.get("ward"),
                participants=len(students),
                organizations=sorted({team.school} | orgs(actor)),
            )
        event = EntrySubmittedV1(
            competition_id=competition_id,
            entry_id=entry["_id"],
            entrant_id=actor.id,
            title=entry["title"],
            startup_id=entry.get("startup_id"),
            school=entry.get("school"),
            ward=entry.get("ward"),
            participants=entry["participants"],
            submitted_at=entry["submitted_at"],
            organizer_id=doc.get("organizer_id"),
            competition_title=doc["title"],
        )
        entry["version"] = 1
        try:
            await self.store.insert(ENTRIES, entry, [])
        except AlreadyExists:
            raise Conflict("dự án hoặc đội này đã đăng ký cuộc thi") from None
        await self._claim_place(doc, entry, envelope(event, competition_id))
        log.info("entry.submitted", competition_id=competition_id, entry_id=entry["_id"])
        return entry_view(entry, owner=True)

    async def _eligible_startup(
        self, actor: Actor, startup_id: str, eligibility: Document
    ) -> Document:
        """The startup as the read model keeps it, if it is eligible; otherwise (unknown, or
        not eligible as kept) the registry's newer answer, kept at its version, when there
        is one (read-your-writes: entering right after verification, issue 13). Raises the
        eligibility rule's `Invalid` or `Forbidden`."""
        kept = await self.store.read_model(STARTUPS, startup_id)
        if kept is not None:
            try:
                domain.check_startup_eligible(eligibility, kept, actor)
                return kept
            except (Invalid, Forbidden):
                if self.registry is None:
                    raise
        fresh = await self.registry.startup(actor, startup_id) if self.registry else None
        if fresh is None or (kept is not None and fresh[0] <= int(kept.get("version") or 0)):
            if kept is None:
                raise Invalid("không tìm thấy dự án khởi nghiệp", field="startup_id")
            domain.check_startup_eligible(eligibility, kept, actor)
            return kept
        version, startup = fresh
        await self.store.save_read_model(STARTUPS, startup_id, version, startup)
        log.info("startup.read_from_registry", startup_id=startup_id, version=version)
        domain.check_startup_eligible(eligibility, startup, actor)
        return startup

    async def _claim_place(self, doc: Document, entry: Document, event: Envelope) -> None:
        """Record the entry on its competition (a versioned update carrying its event), so
        submission and the start of judging cannot interleave (issue 13): judging starts by
        a versioned update too, so either this update lands first (the entry is judged) or
        judging started first, and then the entry is in only if the plan already holds it;
        otherwise it is marked late and refused with `Conflict`."""
        for _ in range(self.CLAIM_ATTEMPTS):
            saved = await self.store.update(
                COMPETITIONS, doc["_id"], doc["version"], {"last_entry_at": self.clock()}, [event]
            )
            if saved is not None:
                await self.outbox.flush(COMPETITIONS, doc["_id"])
                return
            doc = await self.records.competition(doc["_id"])
            planned = {a["entry_id"] for a in doc.get("assignments") or []}
            if doc["status"] == S.PUBLISHED.value or entry["_id"] in planned:
                continue  # another entry or edit moved the version on: record it again
            late = {"withdrawn": True, "late": True, "entrant_key": f"late:{entry['_id']}"}
            await self.store.withdraw_entry(entry["_id"], entry["entrant_key"], late)
            raise Conflict("đã hết hạn nộp bài dự thi", entry_deadline=doc["entry_deadline"])
        raise stale()

    async def list_entries(
        self, actor: Actor, competition_id: str, page: int, page_size: int
    ) -> EntryPage:
        """The organizer sees every entry (never students' names); others their own."""
        doc = await self.records.competition(competition_id, actor)
        query: Document = {"competition_id": competition_id}
        manager = domain.is_manager(actor, doc)
        if not manager:
            query["entrant_id"] = actor.id
        query["late"] = None  # an entry refused as late was never in
        docs = await self.store.find(
            ENTRIES,
            query,
            sort=[("submitted_at", 1)],
            skip=(page - 1) * page_size,
            limit=page_size,
        )
        total = await self.store.count(ENTRIES, query)
        items = [entry_view(e, owner=e.get("entrant_id") == actor.id) for e in docs]
        return EntryPage(items=items, total=total, page=page, page_size=page_size)

    # --- figures ----------------------------------------------------------------------------

    async def figures(self, start: datetime, end: datetime) -> CompetitionFigures:
        """See `figures.competition_figures`."""
        return await competition_figures(self.store, start, end)

    # --- personal data --------------------------------------------------------------------------

    async def personal_data(self, user_id: str) -> dict[str, Any]:
        """What competitions hold about the person as entrant or judge (PDPL 91/2025 access
        request), as JSON-ready dicts.
        """
        entries = await self.store.find(ENTRIES, {"entrant_id": user_id})
        scores = await self.store.find(SCORES, {"judge_id": user_id})
        certificates = await self.certificates.mine(user_id, 1, 100)
        return {
            "entries": [entry_view(e, owner=True).model_dump(mode="json") for e in entries],
            "scores": [score_view(s).model_dump(mode="json") for s in scores],
            "certificates": [c.model_dump(mode="json") for c in certificates.items],
        }


# --- views -----------------------------------------------------------------------------------
