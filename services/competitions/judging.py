"""Judging use cases: judges and conflicts, assignments, scores, results.

Judging begins by itself at the entry deadline. A periodic task (`run`) claims each due
competition with a version-matched update, so with several copies of the service exactly one
starts it, and a restart loses nothing: what is due is found again from the store. Every
judging action also starts a due competition first (lazily), so nobody waits for the tick.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable

from services.competitions import domain, ranking
from services.competitions.records import CompetitionRecords, current_round, envelope, stale
from services.competitions.repository import (
    COMPETITIONS,
    ENTRIES,
    PEOPLE,
    SCHOOLS,
    SCORES,
)
from services.competitions.results import result_rows, tie_break_label, tie_notice
from services.competitions.views import (
    assigned_to,
    assignment_view,
    judging_view,
    plan_fields,
    results_view,
    score_id,
    score_view,
    scores_by_label,
    stored_scores,
)
from shared.contracts.base import (
    Actor,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    Page,
    Role,
)
from shared.contracts.events.competitions import (
    CompetitionStatus,
    JudgeAssignedV1,
    RankedEntry,
    ResultsPublishedV1,
    ScoreSubmittedV1,
)
from shared.contracts.rpc.competitions import (
    AssignmentPage,
    ConflictView,
    JudgeCandidateView,
    JudgingView,
    Normalisation,
    Results,
    ScoreView,
    TieBreak,
)
from shared.infra.logging import get_logger
from shared.infra.mongo import Document
from shared.infra.periodic import run_every
from shared.localtime import utc
from shared.text import fold, folded_words

log = get_logger(__name__)
S = CompetitionStatus


class Judging:
    """Judges and conflicts, assignments, scores and results of competitions."""

    def __init__(
        self,
        records: CompetitionRecords,
        on_results: Callable[[Document], Awaitable[object]] | None = None,
    ) -> None:
        """`on_results` runs after results are published (the certificates are issued)."""
        self.records = records
        self.store = records.store
        self.outbox = records.outbox
        self.clock = records.clock
        self.on_results = on_results

    # --- judging ----------------------------------------------------------------------------

    async def standing(self, doc: Document) -> tuple[dict[str, Document], list[domain.Ranked]]:
        """The current round's entries by id and their order (`ranking.round_ranking`, the
        round's normalisation) from the scores of entries still in it; an empty order when
        nobody has scored yet. Used to publish results and to advance a round."""
        entries = {e["_id"]: e for e in await self.records.round_entries(doc)}
        scores = [s for s in await self.records.round_scores(doc) if s["entry_id"] in entries]
        ranked = ranking.round_ranking(
            [
                domain.JudgeScore(
                    s["judge_id"], s["entry_id"], s["weighted_total"], scores_by_label(s["scores"])
                )
                for s in scores
            ],
            {entry_id: utc(e["submitted_at"]) for entry_id, e in entries.items()},
            Normalisation(doc.get("normalisation", Normalisation.Z_SCORE.value)),
        )
        return entries, ranked

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

    async def assignments(self, actor: Actor, page: int, page_size: int) -> AssignmentPage:
        """One page of the entries the judge is to score, across competitions in judging,
        soonest deadline first, with their score so far.
        """
        await self.start_due()
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
        doc = await self.start_if_due(await self.records.competition(entry["competition_id"]))
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

    # --- results ----------------------------------------------------------------------------

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
        doc = await self.start_if_due(doc)
        domain.check_status(doc, S.JUDGING)
        entries, ranked = await self.standing(doc)
        owed = await self.scores_owed(doc)
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
