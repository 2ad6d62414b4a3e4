"""Results use cases: rank the last round, place the entries and publish the results
(certificates follow), and read them once published. What the results say of each entry is
`results.py`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from services.competitions import domain, ranking
from services.competitions.judging import Judging
from services.competitions.records import CompetitionRecords, current_round, envelope
from services.competitions.repository import SCHOOLS
from services.competitions.results import result_rows, tie_break_label, tie_notice
from services.competitions.scoring import Scoring
from services.competitions.views import results_view
from shared.contracts.base import Actor, Conflict, NotFound
from shared.contracts.events.competitions import (
    CompetitionStatus,
    RankedEntry,
    ResultsPublishedV1,
)
from shared.contracts.rpc.competitions.contests import TieBreak
from shared.contracts.rpc.competitions.judging import Results
from shared.infra.logging import get_logger
from shared.infra.mongo import Document
from shared.localtime import utc

log = get_logger(__name__)
S = CompetitionStatus


class ResultsPublication:
    """Publish a competition's results from the standing of its last round, and read them."""

    def __init__(
        self,
        records: CompetitionRecords,
        judging: Judging,
        scoring: Scoring,
        on_results: Callable[[Document], Awaitable[object]] | None = None,
    ) -> None:
        """`on_results` runs after results are published (the certificates are issued)."""
        self.records = records
        self.judging = judging
        self.scoring = scoring
        self.store = records.store
        self.clock = records.clock
        self.on_results = on_results

    async def publish_results(self, actor: Actor, competition_id: str) -> Results:
        """Rank the entries of the last round (its normalisation; equal final and raw scores
        tie), place them (prizes, winners, the organizer's tie-break rule) and publish the
        results; certificates follow (`on_results`). Emits `ResultsPublishedV1`. When the
        prize line falls inside a tie the results carry `tie_at_prize_line` and a notice.
        Raises `NotFound`, `Forbidden`, `Conflict` (not judging, no score, or a concurrent
        edit).
        """
        doc = await self.records.competition(competition_id, actor)
        domain.check_manager(actor, doc)
        doc = await self.judging.start_if_due(doc)
        domain.check_status(doc, S.JUDGING)
        entries, ranked = await self.scoring.standing(doc)
        owed = await self.scoring.scores_owed(doc)
        if owed and utc(doc["judging_deadline"]) > self.clock():
            # Before the judging deadline an unscored entry would silently drop out of the
            # ranking: the organizer waits for the judges (or the deadline) instead.
            raise Conflict(
                "detail.results_scores_missing",
                reason="scores_missing",
                entries=len(owed),
                scores=sum(len(judges) for judges in owed.values()),
                entry_ids=sorted(owed),
            )
        if not ranked:
            raise Conflict("chưa có điểm nào để công bố kết quả")
        rule = TieBreak(doc.get("tie_break", TieBreak.SHARE.value))
        placing = ranking.place(ranked, doc["winners"], rule, doc.get("prizes"))
        school_names: dict[str, str] = {}
        for entry in entries.values():
            code = entry.get("school")
            if code and code not in school_names:
                school = await self.store.read_model(SCHOOLS, code)
                school_names[code] = str((school or {}).get("name") or code)
        rows = result_rows(placing, entries, school_names, current_round(doc))
        ranked_ids = {row["entry_id"] for row in rows}
        # Past the deadline, entries nobody scored are listed as such, never dropped silently.
        unscored = [
            {"entry_id": entry_id, "title": entry["title"]}
            for entry_id, entry in entries.items()
            if entry_id not in ranked_ids
        ]
        now = self.clock()
        event = ResultsPublishedV1(
            competition_id=competition_id,
            title=doc["title"],
            ranking=tuple(RankedEntry.model_validate(row) for row in rows),
            winners=doc["winners"],
            published_at=now,
        )
        changes = {
            "status": S.RESULTS_PUBLISHED.value,
            "results": rows,
            "results_published_at": now,
            "tie_at_prize_line": placing.tie_at_prize_line,
            "results_notice": tie_notice() if placing.tie_at_prize_line else None,
            "results_tie_break_label": tie_break_label(rule),
            "results_unscored": unscored,
        }
        saved = await self.records.save(doc, changes, [envelope(event, competition_id)])
        log.info(
            "results.published",
            competition_id=competition_id,
            ranked=len(rows),
            tie_at_prize_line=placing.tie_at_prize_line,
        )
        if self.on_results is not None:
            await self.on_results(saved)
        return results_view(saved)

    async def results(self, actor: Actor | None, competition_id: str) -> Results:
        """The published results. Raises `NotFound` (unknown, or not yet published)."""
        doc = await self.records.competition(competition_id, actor)
        if doc["status"] not in (S.RESULTS_PUBLISHED.value, S.ARCHIVED.value):
            raise NotFound("kết quả cuộc thi chưa được công bố", competition_id=competition_id)
        return results_view(doc)
