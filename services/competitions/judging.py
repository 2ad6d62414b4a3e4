"""Judging use cases: the panel (judges and conflicts of interest) and the start of judging;
what judges score and the round's standing are in `scoring.py`, the results in
`results_service.py`.

Judging begins by itself at the entry deadline. A periodic task (`run`) claims each due
competition with a version-matched update, so with several copies of the service exactly one
starts it, and a restart loses nothing: what is due is found again from the store. Every
judging action also starts a due competition first (lazily), so nobody waits for the tick.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from services.competitions import domain
from services.competitions.records import CompetitionRecords, current_round, envelope
from services.competitions.repository import COMPETITIONS, PEOPLE, SCORES
from services.competitions.views import assigned_to, judging_view, plan_fields, score_id
from shared.contracts.base import (
    Actor,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    Page,
    Role,
)
from shared.contracts.events.competitions import CompetitionStatus, JudgeAssignedV1
from shared.contracts.rpc.competitions.judging import ConflictView, JudgeCandidateView, JudgingView
from shared.infra.logging import get_logger
from shared.infra.mongo import Document
from shared.infra.periodic import run_every
from shared.localtime import utc
from shared.text import fold, folded_words

log = get_logger(__name__)
S = CompetitionStatus


class Judging:
    """Judges and conflicts of competitions, and judging begun at each entry deadline."""

    def __init__(self, records: CompetitionRecords) -> None:
        self.records = records
        self.store = records.store
        self.outbox = records.outbox
        self.clock = records.clock

    # --- the panel --------------------------------------------------------------------------

    async def assign_judge(self, actor: Actor, competition_id: str, user_id: str) -> JudgingView:
        """Put a judge account on the panel (a draft, published or judging competition); during
        judging the entries are spread again. Emits `JudgeAssignedV1` with the entries now
        theirs. Raises `NotFound` (competition or account), `Forbidden`, `Invalid` (not a judge account), `Conflict` (results already out, or a concurrent edit).
        """
        doc = await self.records.competition(competition_id, actor)
        domain.check_manager(actor, doc)
        doc = await self.start_if_due(doc)
        domain.check_status(doc, S.DRAFT, S.PUBLISHED, S.JUDGING)
        person = await self.store.read_model(PEOPLE, user_id)
        if person is None or person.get("erased"):
            raise NotFound("không tìm thấy tài khoản", user_id=user_id)
        if person.get("role") != Role.JUDGE.value:
            raise Invalid("tài khoản này không phải giám khảo", field="user_id")
        if any(j["id"] == user_id for j in doc["judges"]):
            return await self.view(doc)
        judges = [*doc["judges"], {"id": user_id, "organization": person.get("organization")}]
        changes: Document = {"judges": judges}
        plan = None
        if doc["status"] == S.JUDGING.value:
            plan = await self.records.plan({**doc, "judges": judges})
            changes.update(plan_fields(plan))
        entry_ids = (
            tuple(e for e, ids in plan.assignments.items() if user_id in ids) if plan else ()
        )
        event = JudgeAssignedV1(
            competition_id=competition_id,
            judge_id=user_id,
            entry_ids=entry_ids,
            short_entries=tuple(plan.short_entries if plan else ()),
            judging_deadline=doc["judging_deadline"],
            competition_title=doc["title"],
            round=current_round(doc),
        )
        saved = await self.records.save(doc, changes, [envelope(event, competition_id)])
        log.info("judge.assigned", competition_id=competition_id, judge_id=user_id)
        return await self.view(saved)

    async def judging(self, actor: Actor, competition_id: str) -> JudgingView:
        """The panel, conflicts and assignments, for the competition's managers. Raises
        `NotFound`, `Forbidden`.
        """
        doc = await self.records.competition(competition_id, actor)
        domain.check_manager(actor, doc)
        return await self.view(await self.start_if_due(doc))

    async def view(self, doc: Document) -> JudgingView:
        """The judging of `doc` with each judge's name (as competitions knows it) and the
        entries each has scored in the current round."""
        names: dict[str, str] = {}
        for judge in doc["judges"]:
            person = await self.store.read_model(PEOPLE, judge["id"])
            if person and person.get("full_name") and not person.get("erased"):
                names[judge["id"]] = str(person["full_name"])
        scored = Counter(s["judge_id"] for s in await self.records.round_scores(doc))
        return judging_view(doc, names, scored)

    async def judge_candidates(
        self, actor: Actor, q: str | None, page: int, page_size: int
    ) -> Page[JudgeCandidateView]:
        """Judge accounts by name for choosing a panel (organizers and admins): `q` matches
        words of the name by their beginnings, tones and đ folded, in any order. Raises
        `Forbidden` for another role."""
        if actor.role not in (Role.ORGANIZER, Role.ADMIN):
            raise Forbidden("chỉ đơn vị tổ chức chọn được giám khảo")
        wanted = folded_words(q or "")
        found = []
        for person in await self.store.find(PEOPLE, {"role": Role.JUDGE.value}):
            if person.get("erased"):
                continue
            name = str(person.get("full_name") or "")
            have = folded_words(name)
            if all(any(w.startswith(part) for w in have) for part in wanted):
                found.append((fold(name), person))
        found.sort(key=lambda pair: (pair[0], pair[1]["_id"]))
        start = (page - 1) * page_size
        items = [
            JudgeCandidateView(
                id=p["_id"], full_name=p.get("full_name"), organization=p.get("organization")
            )
            for _, p in found[start : start + page_size]
        ]
        return Page(items=items, total=len(found), page=page, page_size=page_size)

    async def declare_conflict(self, actor: Actor, entry_id: str, reason: str) -> ConflictView:
        """A judge declares a conflict of interest with an entry; it is given to another judge
        if it was theirs. Raises `NotFound`, `Forbidden` (not on the panel), `Conflict` (already scored it).
        """
        entry = await self.records.entry(entry_id)
        doc = await self.start_if_due(await self.records.competition(entry["competition_id"]))
        if not any(j["id"] == actor.id for j in doc["judges"]):
            raise Forbidden("bạn không thuộc ban giám khảo của cuộc thi này")
        domain.check_status(doc, S.DRAFT, S.PUBLISHED, S.JUDGING)
        if await self.store.get(SCORES, score_id(entry_id, actor.id, current_round(doc))):
            raise Conflict("bạn đã chấm bài này nên không thể khai báo xung đột nữa")
        was_assigned = actor.id in assigned_to(doc, entry_id)
        conflicts = [
            c for c in doc["conflicts"] if (c["judge_id"], c["entry_id"]) != (actor.id, entry_id)
        ]
        conflicts.append(
            {"judge_id": actor.id, "entry_id": entry_id, "reason": reason, "at": self.clock()}
        )
        changes: Document = {"conflicts": conflicts}
        if doc["status"] == S.JUDGING.value:
            changes.update(plan_fields(await self.records.plan({**doc, "conflicts": conflicts})))
        await self.records.save(doc, changes, [])
        return ConflictView(
            entry_id=entry_id, judge_id=actor.id, reason=reason, reassigned=was_assigned
        )

    # --- judging begins by itself ---------------------------------------------------------------

    async def start_due(self) -> int:
        """Start judging every published competition whose entry deadline passed; how many this
        call started.
        """
        started = 0
        for competition_id in await self.store.due_competitions(self.clock()):
            doc = await self.store.get(COMPETITIONS, competition_id)
            if doc is not None and (await self.start_if_due(doc))["status"] == S.JUDGING.value:
                started += 1
        return started

    async def start_if_due(self, doc: Document) -> Document:
        """Claim a published competition whose entry deadline passed and spread its entries
        over its judges. The update matches the version read, so one claimant wins."""
        if doc["status"] != S.PUBLISHED.value or utc(doc["entry_deadline"]) > self.clock():
            return doc
        plan = await self.records.plan(doc)
        changes = {
            "status": S.JUDGING.value,
            "judging_started_at": self.clock(),
            **plan_fields(plan),
        }
        events = [
            envelope(
                JudgeAssignedV1(
                    competition_id=doc["_id"],
                    judge_id=judge["id"],
                    entry_ids=tuple(e for e, ids in plan.assignments.items() if judge["id"] in ids),
                    short_entries=tuple(plan.short_entries),
                    judging_deadline=doc["judging_deadline"],
                    competition_title=doc["title"],
                    round=current_round(doc),
                ),
                doc["_id"],
            )
            for judge in doc["judges"]
        ]
        saved = await self.store.update(COMPETITIONS, doc["_id"], doc["version"], changes, events)
        if saved is None:  # another copy claimed it first
            return await self.records.competition(doc["_id"])
        await self.outbox.flush(COMPETITIONS, doc["_id"])
        log.info(
            "judging.started",
            competition_id=doc["_id"],
            entries=len(plan.assignments),
            short=len(plan.short_entries),
        )
        return saved

    async def run(self, interval: float, stop: asyncio.Event) -> None:
        """Run `start_due` every `interval` seconds until `stop` is set; a failed tick is logged
        (`competitions.tick.failed`) and the next one tries again.
        """
        await run_every(interval, stop, self.start_due, "competitions.tick")
