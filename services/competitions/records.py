"""What every competition use case is given (composed, not inherited): loading a
competition or an entry, saving a competition with its events in one write (DESIGN §5),
the judging plan, the competition view, the clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from services.competitions import domain
from services.competitions.ports import CompetitionRepository
from services.competitions.repository import COMPETITIONS, ENTRIES, SCORES
from shared.contracts.base import Actor, Conflict, Envelope, Event, NotFound
from shared.contracts.events.competitions import CompetitionStatus
from shared.contracts.rpc.competitions.contests import CompetitionView
from shared.infra.logging import current_correlation_id
from shared.infra.mongo import Document
from shared.infra.outbox import Outbox

S = CompetitionStatus


def envelope(event: Event, aggregate_id: str) -> Envelope:
    """The event in its CloudEvents envelope, for the aggregate `aggregate_id`."""
    return Envelope.wrap(event, aggregate_id=aggregate_id, correlation_id=current_correlation_id())


def current_round(doc: Document) -> int:
    """The number of the round a competition is in (1 for one stored before rounds)."""
    return int(doc.get("current_round") or 1)


def stale() -> Conflict:
    """The answer to a lost optimistic-concurrency race (DESIGN §5)."""
    return Conflict("dữ liệu vừa được người khác thay đổi; hãy tải lại rồi thử lại")


class CompetitionRecords:
    """Loads and saves competitions for the use cases. `store` is the repository port,
    `outbox` publishes what a write queued, `clock` gives aware UTC moments."""

    def __init__(
        self,
        store: CompetitionRepository,
        outbox: Outbox,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.clock = clock

    async def round_entries(self, doc: Document) -> list[Document]:
        """The entries of the competition's current round: not withdrawn, and (after the
        first round) among those that went on."""
        entries = await self.store.find(ENTRIES, {"competition_id": doc["_id"]})
        in_round = doc.get("in_round")
        return [
            e
            for e in entries
            if not e.get("withdrawn_at") and (in_round is None or e["_id"] in in_round)
        ]

    async def round_scores(self, doc: Document) -> list[Document]:
        """The score sets of the competition's current round (round 1's carry no `round`)."""
        scores = await self.store.find(SCORES, {"competition_id": doc["_id"]})
        number = current_round(doc)
        return [s for s in scores if s.get("round", 1) == number]

    async def plan(self, doc: Document) -> domain.Plan:
        """Who judges which entry now, from the entries, the scores given and conflicts."""
        entries = await self.round_entries(doc)
        scores = await self.round_scores(doc)
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

    async def save(self, doc: Document, changes: Document, events: list[Envelope]) -> Document:
        """Set `changes` on the competition read as `doc`; raises `Conflict` if it moved on."""
        saved = await self.store.update(COMPETITIONS, doc["_id"], doc["version"], changes, events)
        if saved is None:
            raise stale()
        if events:
            await self.outbox.flush(COMPETITIONS, doc["_id"])
        return saved

    async def competition(self, competition_id: str, actor: Actor | None = None) -> Document:
        """The competition; a draft only for its managers. Raises `NotFound`."""
        doc = await self.store.get(COMPETITIONS, competition_id)
        if doc is None or (doc["status"] == S.DRAFT.value and not domain.is_manager(actor, doc)):
            raise NotFound("không tìm thấy cuộc thi", competition_id=competition_id)
        return doc

    async def entry(self, entry_id: str) -> Document:
        """The entry. Raises `NotFound`."""
        entry = await self.store.get(ENTRIES, entry_id)
        if entry is None:
            raise NotFound("không tìm thấy bài dự thi", entry_id=entry_id)
        return entry

    async def view(self, doc: Document, actor: Actor | None) -> CompetitionView:
        """The competition as `actor` may see it (judges and short entries: managers only)."""
        entries = await self.store.count(ENTRIES, {"competition_id": doc["_id"]})
        withdrawn = await self.store.count(
            ENTRIES, {"competition_id": doc["_id"], "withdrawn": True}
        )
        manager = domain.is_manager(actor, doc)
        return CompetitionView.model_validate(
            {
                **doc,
                "id": doc["_id"],
                "entries": entries - withdrawn,
                "judges": [j["id"] for j in doc["judges"]] if manager else None,
                "short_entries": doc.get("short_entries") if manager else None,
                "current_round": current_round(doc),
                "rounds": rounds_of(doc, manager=manager),
            }
        )


def round_doc(doc: Document) -> Document:
    """The current round as it is stored among past rounds once closed."""
    return {
        "number": current_round(doc),
        "title": doc.get("round_title"),
        "judging_deadline": doc["judging_deadline"],
        "rubric": doc["rubric"],
        "judges_per_entry": doc["judges_per_entry"],
        "normalisation": doc.get("normalisation", "z_score"),
        "judges": doc["judges"],
    }


def rounds_of(doc: Document, *, manager: bool) -> list[Document]:
    """Every round of a competition (past, current, next), judges for its managers only.
    A competition stored before rounds has one: itself (migrated on read)."""
    rows = [*(doc.get("past_rounds") or []), round_doc(doc), *(doc.get("next_rounds") or [])]
    return [
        {
            **row,
            "judges": [j["id"] for j in row.get("judges") or []] if manager else None,
            "advanced": row.get("advanced") if manager else None,
        }
        for row in rows
    ]
