"""Rounds (issue 17): a competition has one or more rounds, each with its judging deadline,
rubric, judges and normalisation. The competition document's own fields are the *current*
round (so a competition stored before rounds is simply in round 1 of 1); `next_rounds`
holds the rounds still to come and `past_rounds` the closed ones with who went on.

Advancing closes the current round: its ranking (its normalisation) is cut at the top N
or a threshold, ties at the cut going on together; the next round's fields replace the
current ones and only the entries that went on are spread over its judges. Results are
published from the last round."""

from __future__ import annotations

from services.competitions import domain, ranking
from services.competitions.judging import Judging
from services.competitions.records import CompetitionRecords, current_round, envelope, round_doc
from services.competitions.repository import PEOPLE
from services.competitions.scoring import Scoring
from services.competitions.views import keyed_rubric, plan_fields
from shared.contracts.base import Actor, Conflict, Invalid, Role
from shared.contracts.events.competitions import CompetitionStatus, JudgeAssignedV1
from shared.contracts.rpc.competitions.contests import (
    Advancement,
    CompetitionView,
    RoundFields,
    RoundResult,
)
from shared.infra.logging import get_logger
from shared.infra.mongo import Document
from shared.localtime import utc

log = get_logger(__name__)
S = CompetitionStatus


class Rounds:
    """Add a round; close one and start the next with the entries that go on."""

    def __init__(self, records: CompetitionRecords, judging: Judging, scoring: Scoring) -> None:
        self.records = records
        self.judging = judging
        self.scoring = scoring
        self.store = records.store
        self.clock = records.clock

    async def add_round(
        self, actor: Actor, competition_id: str, fields: RoundFields
    ) -> CompetitionView:
        """Append the next round: its judging deadline after the previous round's, a valid
        rubric, judge accounts. Raises `NotFound`, `Forbidden`, `Invalid`, `Conflict`
        (results published, or a concurrent edit)."""
        doc = await self.records.competition(competition_id, actor)
        domain.check_manager(actor, doc)
        doc = await self.judging.start_if_due(doc)
        domain.check_status(doc, S.DRAFT, S.PUBLISHED, S.JUDGING)
        rubric = fields.rubric
        domain.validate_rubric(
            [(c.name, c.weight) for c in rubric.criteria], rubric.min_score, rubric.max_score
        )
        upcoming = doc.get("next_rounds") or []
        previous = upcoming[-1]["judging_deadline"] if upcoming else doc["judging_deadline"]
        if utc(fields.judging_deadline) <= utc(previous):
            raise Invalid(
                "hạn chấm của vòng sau phải sau hạn chấm vòng trước", field="judging_deadline"
            )
        judges = []
        for user_id in fields.judges:
            person = await self.store.read_model(PEOPLE, user_id)
            if person is None or person.get("role") != Role.JUDGE.value:
                raise Invalid("tài khoản này không phải giám khảo", field="judges", user_id=user_id)
            judges.append({"id": user_id, "organization": person.get("organization")})
        number = current_round(doc) + len(upcoming) + 1
        new_round: Document = {
            "number": number,
            "title": fields.title,
            "judging_deadline": utc(fields.judging_deadline),
            "rubric": keyed_rubric(rubric.model_dump(mode="json")),
            "judges_per_entry": fields.judges_per_entry,
            "normalisation": fields.normalisation.value,
            "judges": judges,
        }
        saved = await self.records.save(doc, {"next_rounds": [*upcoming, new_round]}, [])
        log.info("round.added", competition_id=competition_id, round=number)
        return await self.records.view(saved, actor)

    async def advance(
        self, actor: Actor, competition_id: str, number: int, advancement: Advancement
    ) -> RoundResult:
        """Close round `number` (the current one) and start the next with the top N or
        those at or above the threshold (ties at the cut go on together; entries nobody
        scored stop). Emits `JudgeAssignedV1` for each judge of the next round. Raises
        `NotFound`, `Forbidden`, `Invalid` (neither or both of top and threshold, nobody
        goes on), `Conflict` (not judging, not the current round, no next round, no score,
        the next round's deadline passed, or a concurrent edit)."""
        doc = await self.records.competition(competition_id, actor)
        domain.check_manager(actor, doc)
        doc = await self.judging.start_if_due(doc)
        domain.check_status(doc, S.JUDGING)
        if number != current_round(doc):
            raise Conflict("chỉ khép lại được vòng đang diễn ra", current_round=current_round(doc))
        upcoming = doc.get("next_rounds") or []
        if not upcoming:
            raise Conflict("cuộc thi không có vòng sau; hãy công bố kết quả")
        following = upcoming[0]
        if utc(following["judging_deadline"]) <= self.clock():
            raise Conflict("hạn chấm của vòng sau đã qua")
        entries, ranked = await self.scoring.standing(doc)
        if not ranked:
            raise Conflict("vòng này chưa có điểm nào")
        advanced, eliminated, tie = ranking.cut(
            ranked, top=advancement.top, threshold=advancement.threshold
        )
        if not advanced:
            raise Invalid("không bài nào đạt ngưỡng để đi tiếp", field="threshold")
        unscored = sorted(set(entries) - {r.entry_id for r in ranked})
        eliminated = [*eliminated, *unscored]
        closed: Document = {
            **round_doc(doc),
            "advanced": advanced,
            "eliminated": eliminated,
            "closed_at": self.clock(),
            "ranking": [
                {"entry_id": r.entry_id, "final_score": r.final_score, "raw_mean": r.raw_mean}
                for r in ranked
            ],
        }
        changes: Document = {
            "past_rounds": [*(doc.get("past_rounds") or []), closed],
            "next_rounds": upcoming[1:],
            "current_round": following["number"],
            "round_title": following.get("title"),
            "judging_deadline": following["judging_deadline"],
            "rubric": following["rubric"],
            "judges_per_entry": following["judges_per_entry"],
            "normalisation": following["normalisation"],
            "judges": following["judges"],
            "in_round": advanced,
            "assignments": [],
        }
        plan = await self.records.plan({**doc, **changes})
        changes.update(plan_fields(plan))
        events = [
            envelope(
                JudgeAssignedV1(
                    competition_id=competition_id,
                    judge_id=judge["id"],
                    entry_ids=tuple(e for e, ids in plan.assignments.items() if judge["id"] in ids),
                    short_entries=tuple(plan.short_entries),
                    judging_deadline=following["judging_deadline"],
                    competition_title=doc["title"],
                    round=following["number"],
                ),
                competition_id,
            )
            for judge in following["judges"]
        ]
        await self.records.save(doc, changes, events)
        log.info(
            "round.advanced",
            competition_id=competition_id,
            round=number,
            advanced=len(advanced),
            tie_at_cut=tie,
        )
        return RoundResult(
            competition_id=competition_id,
            round=number,
            advanced=advanced,
            eliminated=eliminated,
            tie_at_cut=tie,
        )
