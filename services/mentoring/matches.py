"""Matching mentors to consultation requests: suggestions, proposals (one or a batch), the
mentor's answer, and reading matches. One aggregate per write (issue 13): the second record
follows the first one's event (`follow_ups.FollowUps`)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from services.mentoring import domain
from services.mentoring.follow_ups import FollowUps
from services.mentoring.matching import (
    MentorFacts,
    MentorTable,
    RequestFacts,
    assign,
    reasons,
    topic_key,
)
from services.mentoring.records import Records, staff_only
from services.mentoring.repository import MATCHES, REQUESTS
from services.mentoring.views import match_view
from shared.contracts.base import Actor, Conflict, Forbidden, NotFound, PageQuery, new_id
from shared.contracts.events.mentoring import (
    MatchAcceptedV1,
    MatchDeclinedV1,
    MatchProposedV1,
)
from shared.contracts.rpc.mentoring.matches import (
    BatchResult,
    MatchPage,
    MatchView,
    Suggestion,
    Suggestions,
)
from shared.infra.mongo import Document
from shared.localtime import utc


class Matches:
    """Staff match mentors to requests; the proposed mentor answers. Errors raised are the
    contract's: `NotFound`, `Forbidden`, `Conflict`."""

    def __init__(self, records: Records) -> None:
        self.records = records
        self.store = records.store
        self.clock = records.clock
        self.follow_ups = FollowUps(records.store)

    async def mentor_table(self) -> MentorTable:
        """Every active mentor's facts for matching now: topics, sectors, stages, languages,
        capacity used this local month (sessions, proposals, accepted matches not yet booked)
        and free hours in the next 14 days.
        """
        now = self.clock()
        month_start, month_end = domain.month_bounds(now)
        mentors = await self.store.active_mentors()
        busy = await self.store.sessions_booked(
            month_start, now + domain.LOOKAHEAD + (month_end - month_start)
        )
        # A seat is used by a session this month, and held by a proposal or by an accepted
        # match whose first session is not booked yet.
        pending = await self.store.proposed_matches()
        accepted = await self.store.matches_accepted_since(month_start)
        with_session = {
            s["match_id"]
            for s in await self.store.sessions_of_matches([m["_id"] for m in accepted])
        }
        used: Counter[str] = Counter(
            s["mentor_id"] for s in busy if month_start <= utc(s["starts_at"]) < month_end
        )
        used.update(m["mentor_id"] for m in pending)
        used.update(m["mentor_id"] for m in accepted if m["_id"] not in with_session)
        booked: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
        for session in busy:
            start = utc(session["starts_at"])
            if now <= start < now + domain.LOOKAHEAD:
                booked[session["mentor_id"]].append((start, utc(session["ends_at"])))
        facts = [
            MentorFacts(
                mentor_id=m["_id"],
                topics=frozenset(topic_key(t) for t in m["expertise"]),
                topic_labels={topic_key(t): t for t in m["expertise"]},
                sectors=frozenset(m.get("sectors", [])),
                stages=frozenset(m.get("stages", [])),
                languages=frozenset(m.get("languages", ["vi"])),
                capacity=m["monthly_capacity"],
                used_this_month=used[m["_id"]],
                free_hours_14d=domain.free_hours(m.get("slots", []), booked[m["_id"]], now),
                rating_mean=(m["rating_sum"] / m["rating_count"])
                if m.get("rating_count")
                else None,
                eligible=not m.get("paused", False),
            )
            for m in mentors
        ]
        return MentorTable(facts)

    @staticmethod
    def _facts(request: Document) -> RequestFacts:
        return RequestFacts(
            request_id=request["_id"],
            topics=frozenset(topic_key(t) for t in request["topics"]),
            sector=request.get("sector"),
            stage=request.get("stage"),
            language=request.get("language", "vi"),
            declined=frozenset(request.get("declined_mentors", [])),
        )

    async def suggest(self, actor: Actor, request_id: str, limit: int) -> Suggestions:
        """The best `limit` mentors for the request with their scores and the reasons, for
        staff. Raises `Forbidden`, `NotFound`.
        """
        staff_only(actor)
        request = await self.records.get(REQUESTS, request_id)
        facts = self._facts(request)
        table = await self.mentor_table()
        labels = await self.store.sector_labels()
        items = [
            Suggestion(mentor_id=m.mentor_id, score=score, reasons=reasons(m, facts, labels))
            for m, score in table.suggest(facts, limit)
        ]
        return Suggestions(request_id=request_id, items=items)

    async def propose(
        self, actor: Actor, request_id: str, mentor_id: str, score: float | None = None
    ) -> MatchView:
        """Staff propose a mentor for an open request (`score` given by `batch`, else computed;
        a paused or full mentor scores below 0). Emits `MatchProposedV1` from the request's
        write; the match follows that event (`FollowUps.match_proposed`). Raises `Forbidden`,
        `NotFound`, `Conflict` (the request is not open, the mentor declined it before, or is
        paused or full).
        """
        staff_only(actor)
        request = await self.records.get(REQUESTS, request_id)
        domain.check_open(request)
        if mentor_id in request.get("declined_mentors", []):
            raise Conflict("chuyên gia này đã từ chối yêu cầu", mentor_id=mentor_id)
        if score is None:
            table = await self.mentor_table()
            if mentor_id not in table.index:
                raise NotFound("không tìm thấy chuyên gia", mentor_id=mentor_id)
            score = float(table.scores(self._facts(request))[table.index[mentor_id]])
            if score < 0:
                raise Conflict(
                    "chuyên gia đang tạm nghỉ hoặc đã hết lượt trong tháng", mentor_id=mentor_id
                )
        match_id = new_id()
        event = MatchProposedV1(
            match_id=match_id,
            request_id=request_id,
            mentor_id=mentor_id,
            founder_id=request["founder_id"],
            startup_id=request["startup_id"],
            startup_name=request.get("startup_name", ""),
            score=round(score, 4),
            proposed_by=actor.id,
        )
        # One aggregate per write: the request holds the proposal and its event; the match
        # is made from the event (now, and by the consumer if this process dies first).
        changes = {"status": "proposed", "mentor_id": mentor_id, "match_id": match_id}
        _, envelope = await self.records.change_emitting(
            REQUESTS, request, changes, event, match_id
        )
        await self.follow_ups.at_once("match", self.follow_ups.match_proposed(envelope, event))
        match = await self.store.get(MATCHES, match_id)
        if match is None:  # the consumer makes it; answer with what it will be
            match = {
                "_id": match_id,
                **event.model_dump(mode="json"),
                "status": "proposed",
                "proposed_at": envelope.time,
            }
        return match_view(match)

    async def batch(self, actor: Actor, request_ids: list[str] | None) -> BatchResult:
        """Staff match the open requests (those in `request_ids`, or all) at once by the optimal
        assignment of `matching.assign`; what no mentor fits stays unmatched. Raises
        `Forbidden`.
        """
        staff_only(actor)
        requests = await self.store.open_requests(request_ids)
        table = await self.mentor_table()
        assignments = assign(table, [self._facts(r) for r in requests])
        proposed = [
            await self.propose(actor, a.request_id, a.mentor_id, a.score) for a in assignments
        ]
        assigned = {a.request_id for a in assignments}
        return BatchResult(
            proposed=proposed,
            unmatched=[r["_id"] for r in requests if r["_id"] not in assigned],
            total_score=round(sum(a.score for a in assignments), 4),
        )

    async def answer(self, actor: Actor, match_id: str, accept: bool) -> MatchView:
        """The proposed mentor accepts (request `matched`, `MatchAcceptedV1`) or declines
        (request open again, the mentor never proposed for it again, `MatchDeclinedV1`).
        Raises `NotFound`, `Forbidden` (not that mentor), `Conflict` (already answered).
        """
        match = await self.records.get(MATCHES, match_id)
        if actor.id != match["mentor_id"]:
            raise Forbidden("chỉ chuyên gia được đề xuất mới trả lời")
        if match["status"] != "proposed":
            raise Conflict("đề xuất này đã được trả lời", status=match["status"])
        common = {
            "match_id": match_id,
            "request_id": match["request_id"],
            "mentor_id": match["mentor_id"],
            "founder_id": match["founder_id"],
            "startup_name": match.get("startup_name", ""),
        }
        event: MatchAcceptedV1 | MatchDeclinedV1 = (
            MatchAcceptedV1(**common) if accept else MatchDeclinedV1(**common)
        )
        changes = {"status": "accepted" if accept else "declined", "answered_at": self.clock()}
        # One aggregate per write: the request follows the match's event.
        updated, envelope = await self.records.change_emitting(
            MATCHES, match, changes, event, match_id
        )
        await self.follow_ups.at_once("request", self.follow_ups.match_answered(envelope, event))
        return match_view(updated)

    async def get_match(self, actor: Actor, match_id: str) -> MatchView:
        """One match, for its mentor, its founder and staff. Raises `NotFound`, `Forbidden`."""
        match = await self.records.get(MATCHES, match_id)
        if not (domain.is_staff(actor) or actor.id in (match["mentor_id"], match["founder_id"])):
            raise Forbidden("detail.match_not_yours")
        return match_view(match)

    async def list_matches(self, actor: Actor, status: str | None, page: PageQuery) -> MatchPage:
        """One page of matches, newest first: a mentor's or a founder's own, all for staff;
        optionally of one `status`."""
        query: Document = {}
        if not domain.is_staff(actor):
            query["$or"] = [{"mentor_id": actor.id}, {"founder_id": actor.id}]
        if status:
            query["status"] = status
        docs, total = await self.store.page_matches(query, skip=page.skip, limit=page.page_size)
        return MatchPage(
            items=[match_view(d) for d in docs],
            total=total,
            page=page.page,
            page_size=page.page_size,
        )
