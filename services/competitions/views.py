"""Shared pieces of the competition use cases: time and envelope helpers, the base with
loading and saving, and the views each caller may see."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from services.competitions import domain
from services.competitions.repository import (
    COMPETITIONS,
    ENTRIES,
    SCORES,
    CompetitionStore,
)
from shared.contracts.base import (
    Actor,
    Conflict,
    Envelope,
    Event,
    NotFound,
)
from shared.contracts.events.competitions import (
    CompetitionStatus,
)
from shared.contracts.rpc.competitions import (
    Assignment,
    CompetitionView,
    EntryView,
    JudgingView,
    ResultRow,
    Results,
    ScoreView,
)
from shared.infra.logging import current_correlation_id, get_logger
from shared.infra.mongo import Document, OutboxRelay

log = get_logger(__name__)
S = CompetitionStatus


def envelope(event: Event, aggregate_id: str) -> Envelope:
    return Envelope.wrap(event, aggregate_id=aggregate_id, correlation_id=current_correlation_id())


def stale() -> Conflict:
    return Conflict("dữ liệu vừa được người khác thay đổi; hãy tải lại rồi thử lại")


class CompetitionBase:
    def __init__(
        self,
        store: CompetitionStore,
        outbox: OutboxRelay,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.clock = clock

    async def plan(self, doc: Document) -> domain.Plan:
        entries = await self.store.find(ENTRIES, {"competition_id": doc["_id"]})
        scores = await self.store.find(SCORES, {"competition_id": doc["_id"]})
        scored: dict[str, list[str]] = {}
        for s in scores:
            scored.setdefault(s["entry_id"], []).append(s["judge_id"])
        return domain.assign(
            [
                domain.EntryRef(
                    e["_id"], e.get("entrant_id"), frozenset(e.get("organizations") or [])
                )
                for e in sorted(entries, key=lambda e: e["_id"])
            ],
            [domain.JudgeRef(j["id"], j.get("organization")) for j in doc["judges"]],
            doc["judges_per_entry"],
            conflicts=[(c["judge_id"], c["entry_id"]) for c in doc["conflicts"]],
            scored=scored,
            previous={a["entry_id"]: a["judge_ids"] for a in doc.get("assignments") or []},
        )

    async def _save(self, doc: Document, changes: Document, events: list[Envelope]) -> Document:
        saved = await self.store.update(COMPETITIONS, doc["_id"], doc["version"], changes, events)
        if saved is None:
            raise stale()
        if events:
            await self.outbox.flush(COMPETITIONS, doc["_id"])
        return saved

    async def _competition(self, competition_id: str, actor: Actor | None = None) -> Document:
        doc = await self.store.get(COMPETITIONS, competition_id)
        if doc is None or (doc["status"] == S.DRAFT.value and not domain.is_manager(actor, doc)):
            raise NotFound("không tìm thấy cuộc thi", competition_id=competition_id)
        return doc

    async def _entry(self, entry_id: str) -> Document:
        entry = await self.store.get(ENTRIES, entry_id)
        if entry is None:
            raise NotFound("không tìm thấy bài dự thi", entry_id=entry_id)
        return entry

    async def _view(self, doc: Document, actor: Actor | None) -> CompetitionView:
        entries = await self.store.count(ENTRIES, {"competition_id": doc["_id"]})
        manager = domain.is_manager(actor, doc)
        return CompetitionView.model_validate(
            {
                **doc,
                "id": doc["_id"],
                "entries": entries,
                "judges": [j["id"] for j in doc["judges"]] if manager else None,
                "short_entries": doc.get("short_entries") if manager else None,
            }
        )


def orgs(actor: Actor) -> set[str]:
    return {actor.organization} if actor.organization else set()


def score_id(entry_id: str, judge_id: str) -> str:
    return f"{entry_id}:{judge_id}"


def assigned_to(doc: Document, entry_id: str) -> list[str]:
    for item in doc.get("assignments") or []:
        if item["entry_id"] == entry_id:
            return list(item["judge_ids"])
    return []


def plan_fields(plan: domain.Plan) -> Document:
    return {
        "assignments": [
            {"entry_id": entry_id, "judge_ids": ids} for entry_id, ids in plan.assignments.items()
        ],
        "short_entries": plan.short_entries,
    }


def judging_view(doc: Document) -> JudgingView:
    assignments = {a["entry_id"]: a["judge_ids"] for a in doc.get("assignments") or []}
    load = {j["id"]: 0 for j in doc["judges"]}
    for ids in assignments.values():
        for judge_id in ids:
            load[judge_id] = load.get(judge_id, 0) + 1
    return JudgingView(
        competition_id=doc["_id"],
        status=doc["status"],
        judges_per_entry=doc["judges_per_entry"],
        judges=[j["id"] for j in doc["judges"]],
        assignments=assignments,
        short_entries=doc.get("short_entries") or [],
        load=load,
    )


def entry_view(doc: Document, *, owner: bool) -> EntryView:
    team = doc.get("team") or {}
    return EntryView(
        id=doc["_id"],
        competition_id=doc["competition_id"],
        title=doc["title"],
        description=doc["description"],
        startup_id=doc.get("startup_id"),
        startup_name=doc.get("startup_name"),
        team_name=team.get("name"),
        school=doc.get("school"),
        ward=doc.get("ward"),
        participants=doc.get("participants", 1),
        students=team.get("students") if owner and team else None,
        submitted_at=doc["submitted_at"],
    )


def assignment_view(competition: Document, entry: Document, score: Document | None) -> Assignment:
    named = not competition.get("blind", True)
    return Assignment(
        entry_id=entry["_id"],
        competition_id=competition["_id"],
        competition_title=competition["title"],
        title=entry["title"],
        description=entry["description"],
        rubric=competition["rubric"],
        judging_deadline=competition["judging_deadline"],
        scored=score is not None,
        scores=score["scores"] if score else None,
        startup_id=entry.get("startup_id") if named else None,
        team_name=(entry.get("team") or {}).get("name") if named else None,
        school=entry.get("school") if named else None,
    )


def score_view(doc: Document) -> ScoreView:
    return ScoreView.model_validate(doc)


def results_view(doc: Document) -> Results:
    return Results(
        competition_id=doc["_id"],
        title=doc["title"],
        published_at=doc["results_published_at"],
        winners=doc["winners"],
        rows=[ResultRow.model_validate(row) for row in doc.get("results") or []],
    )
