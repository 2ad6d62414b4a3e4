"""Changing one's mind (issue 17): an organizer edits a draft competition (optimistic
concurrency on the `version` they read); an entrant withdraws an entry before the entry
deadline (`POST /entries/{id}/withdraw`)."""

from __future__ import annotations

from datetime import UTC

from services.competitions import domain
from services.competitions.records import CompetitionRecords, stale
from services.competitions.views import entry_view, keyed_rubric
from shared.contracts.base import Actor, Conflict, Forbidden
from shared.contracts.events.competitions import CompetitionStatus
from shared.contracts.rpc.competitions import CompetitionPatch, CompetitionView, EntryView
from shared.infra.logging import get_logger
from shared.infra.mongo import Document
from shared.localtime import utc

log = get_logger(__name__)
S = CompetitionStatus


class Changes:
    """Edit a draft; withdraw an entry."""

    def __init__(self, records: CompetitionRecords) -> None:
        self.records = records
        self.store = records.store
        self.clock = records.clock

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

    async def withdraw(self, actor: Actor, entry_id: str) -> EntryView:
        """The entrant withdraws their entry while the competition takes entries; it is then
        neither judged nor ranked, and the startup or team may enter again. Withdrawing
        twice answers the withdrawn entry. Raises `NotFound`, `Forbidden` (not theirs),
        `Conflict` (the entry deadline passed)."""
        entry = await self.records.entry(entry_id)
        if entry.get("entrant_id") != actor.id:
            raise Forbidden("chỉ người đăng ký bài dự thi được rút bài")
        if entry.get("withdrawn"):
            return entry_view(entry, owner=True)
        doc = await self.records.competition(entry["competition_id"])
        if doc["status"] != S.PUBLISHED.value or utc(doc["entry_deadline"]) <= self.clock():
            raise Conflict("đã hết hạn nộp bài nên không thể rút bài dự thi")
        changes = {
            "withdrawn": True,
            "withdrawn_at": self.clock(),
            "entrant_key": f"withdrawn:{entry_id}",
        }
        saved = await self.store.withdraw_entry(entry_id, entry["entrant_key"], changes)
        if saved is None:
            raise stale()
        log.info("entry.withdrawn", entry_id=entry_id, competition_id=doc["_id"])
        return entry_view(saved, owner=True)
