"""Scoring use cases: the entries each judge is to score, their scores (revised until the
judging deadline), and the current round's standing from them (results and rounds)."""

from __future__ import annotations

from services.competitions import domain, ranking
from services.competitions.judging import Judging
from services.competitions.records import CompetitionRecords, current_round, envelope, stale
from services.competitions.repository import ENTRIES, SCORES
from services.competitions.views import (
    assigned_to,
    assignment_view,
    score_id,
    score_view,
    scores_by_label,
    stored_scores,
)
from shared.contracts.base import Actor, Conflict, Forbidden
from shared.contracts.events.competitions import CompetitionStatus, ScoreSubmittedV1
from shared.contracts.rpc.competitions.contests import Normalisation
from shared.contracts.rpc.competitions.judging import AssignmentPage, ScoreView
from shared.infra.mongo import Document
from shared.localtime import utc

S = CompetitionStatus


class Scoring:
    """Judges' assignments and scores, and the standing of a round; a due competition's
    judging is started first (`Judging.start_if_due`)."""

    def __init__(self, records: CompetitionRecords, judging: Judging) -> None:
        self.records = records
        self.judging = judging
        self.store = records.store
        self.outbox = records.outbox
        self.clock = records.clock

    async def assignments(self, actor: Actor, page: int, page_size: int) -> AssignmentPage:
        """One page of the entries the judge is to score, across competitions in judging,
        soonest deadline first, with their score so far.
        """
        await self.judging.start_due()
        competitions = await self.store.judging_competitions_of(actor.id)
        pairs = [
            (c, item["entry_id"])
            for c in competitions
            for item in c["assignments"]
            if actor.id in item["judge_ids"]
        ]
        total = len(pairs)
        pairs = pairs[(page - 1) * page_size : page * page_size]
        items = []
        for competition, entry_id in pairs:
            entry = await self.store.get(ENTRIES, entry_id)
            if entry is None:
                continue
            key = score_id(entry_id, actor.id, current_round(competition))
            score = await self.store.get(SCORES, key)
            items.append(assignment_view(competition, entry, score))
        return AssignmentPage(items=items, total=total, page=page, page_size=page_size)

    async def submit_scores(
        self, actor: Actor, entry_id: str, scores: dict[str, float]
    ) -> ScoreView:
        """A judge scores an entry assigned to them, per rubric criterion within [min_score,
        max_score]; the weighted total is kept. A later submission replaces the earlier one
        (revision + 1). Emits `ScoreSubmittedV1`.

        Raises `NotFound`, `Forbidden` (not assigned), `Invalid` (criteria or range), `Conflict`
        (not judging yet, the judging deadline passed, or a concurrent revision).
        """
        entry = await self.records.entry(entry_id)
        doc = await self.judging.start_if_due(
            await self.records.competition(entry["competition_id"])
        )
        if doc["status"] in (S.DRAFT.value, S.PUBLISHED.value):
            raise Conflict("cuộc thi chưa đến giai đoạn chấm")
        domain.check_status(doc, S.JUDGING)
        now = self.clock()
        if utc(doc["judging_deadline"]) <= now:
            raise Conflict("đã hết hạn chấm điểm")
        if actor.id not in assigned_to(doc, entry_id):
            raise Forbidden("bài dự thi này không được phân công cho bạn chấm")
        total = domain.weighted_total(domain.Rubric.from_doc(doc["rubric"]), scores)
        number = current_round(doc)
        key = score_id(entry_id, actor.id, number)
        previous = await self.store.get(SCORES, key)
        revision = (previous["revision"] + 1) if previous else 1
        score: Document = {
            "_id": key,
            "round": number,
            "competition_id": doc["_id"],
            "entry_id": entry_id,
            "judge_id": actor.id,
            "scores": stored_scores(doc["rubric"], scores),
            "weighted_total": round(total, 9),
            "revision": revision,
            "submitted_at": previous["submitted_at"] if previous else now,
            "updated_at": now,
        }
        event = ScoreSubmittedV1(
            competition_id=doc["_id"],
            entry_id=entry_id,
            judge_id=actor.id,
            weighted_total=score["weighted_total"],
            revision=revision,
        )
        saved = await self.store.save_score(
            score, previous["revision"] if previous else None, [envelope(event, key)]
        )
        if not saved:
            raise stale()
        await self.outbox.flush(SCORES, key)
        return score_view(score)

    async def scores_owed(self, doc: Document) -> dict[str, list[str]]:
        """Entry id → the judges assigned to it who have not scored it this round."""
        scored = {(s["entry_id"], s["judge_id"]) for s in await self.records.round_scores(doc)}
        owed: dict[str, list[str]] = {}
        for assignment in doc.get("assignments") or []:
            missing = [
                judge_id
                for judge_id in assignment["judge_ids"]
                if (assignment["entry_id"], judge_id) not in scored
            ]
            if missing:
                owed[assignment["entry_id"]] = missing
        return owed

    async def standing(self, doc: Document) -> tuple[dict[str, Document], list[ranking.Ranked]]:
        """The current round's entries by id and their order (`ranking.round_ranking`, the
        round's normalisation) from the scores of entries still in it; an empty order when
        nobody has scored yet. Used to publish results and to advance a round."""
        entries = {e["_id"]: e for e in await self.records.round_entries(doc)}
        scores = [s for s in await self.records.round_scores(doc) if s["entry_id"] in entries]
        ranked = ranking.round_ranking(
            [
                ranking.JudgeScore(
                    s["judge_id"], s["entry_id"], s["weighted_total"], scores_by_label(s["scores"])
                )
                for s in scores
            ],
            {entry_id: utc(e["submitted_at"]) for entry_id, e in entries.items()},
            Normalisation(doc.get("normalisation", Normalisation.Z_SCORE.value)),
        )
        return entries, ranked
