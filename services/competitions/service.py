"""Competition use cases, the service's core: an organizer creates, edits and publishes a
competition and archives it once its results are out; anyone reads and lists what they may
see; the district report's figures and a person's data (PDPL 91/2025).

The rest of a competition's life is its own use cases beside this one, composed in `app.py`:
entries (`entries.py`), the panel and the start of judging (`judging.py`), scores
(`scoring.py`), rounds (`rounds.py`), results (`results_service.py`), certificates
(`certificates.py`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.competitions import domain
from services.competitions.certificates import Certificates
from services.competitions.figures import competition_figures
from services.competitions.judging import Judging
from services.competitions.records import CompetitionRecords, envelope, stale
from services.competitions.repository import COMPETITIONS, ENTRIES, SCORES, Drafts
from services.competitions.views import entry_view, keyed_rubric, score_view
from shared.contracts.base import Actor, Conflict, Forbidden, Role, new_id
from shared.contracts.events.competitions import CompetitionPublishedV1, CompetitionStatus
from shared.contracts.rpc.competitions.contests import (
    CompetitionFields,
    CompetitionPage,
    CompetitionPatch,
    CompetitionView,
)
from shared.contracts.rpc.competitions.figures import CompetitionFigures
from shared.infra.logging import get_logger
from shared.infra.mongo import Document
from shared.localtime import utc

log = get_logger(__name__)
S = CompetitionStatus


class Competitions:
    """A competition's lifecycle: create, edit, publish, archive, read, list (DESIGN §9);
    figures for the district report and a person's data. Reading or listing first starts
    judging of the competitions whose entry deadline passed (`judging`); a person's data
    includes their certificates (`certificates`).

    Errors raised are the contract's: `NotFound`, `Forbidden`, `Invalid`, `Conflict`.
    """

    def __init__(
        self, records: CompetitionRecords, judging: Judging, certificates: Certificates
    ) -> None:
        self.records = records
        self.judging = judging
        self.certificates = certificates
        self.store = records.store
        self.clock = records.clock

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

    async def edit(
        self, actor: Actor, competition_id: str, patch: CompetitionPatch
    ) -> CompetitionView:
        """Change the given fields of a draft, the same rules as creating it (rubric,
        deadlines ahead). Raises `NotFound`, `Forbidden`, `Invalid`, `Conflict` (not a
        draft, or `patch.version` is not the stored version)."""
        doc = await self.records.competition(competition_id, actor)
        domain.check_manager(actor, doc)
        domain.check_status(doc, S.DRAFT)
        if patch.version != doc["version"]:
            raise stale()
        changes: Document = patch.model_dump(mode="json", exclude_unset=True, exclude={"version"})
        if patch.rubric is not None:
            criteria = patch.rubric.criteria
            domain.validate_rubric(
                [(c.name, c.weight) for c in criteria],
                patch.rubric.min_score,
                patch.rubric.max_score,
            )
            changes["rubric"] = keyed_rubric(patch.rubric.model_dump(mode="json"))
        for key in ("entry_deadline", "judging_deadline"):
            value = getattr(patch, key)
            if value is not None:
                changes[key] = utc(value).astimezone(UTC)
        if "entry_deadline" in changes or "judging_deadline" in changes:
            entry_deadline = changes.get("entry_deadline") or doc["entry_deadline"]
            judging_deadline = changes.get("judging_deadline") or doc["judging_deadline"]
            domain.check_deadlines(utc(entry_deadline), utc(judging_deadline), self.clock())
        saved = await self.records.save(doc, changes, [])
        log.info("competition.edited", competition_id=competition_id, fields=sorted(changes))
        return await self.records.view(saved, actor)

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
        doc = await self.judging.start_if_due(doc)
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
        await self.judging.start_due()
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
