"""Matching mentors to consultation requests: ranked suggestions, a match proposed one at a
time or in a batch within each mentor's capacity, the mentor's answer; read, list."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from shared.contracts.base import Page, PageQuery, RpcRequest
from shared.contracts.rpc.mentoring.kinds import Id


class Suggestion(BaseModel):
    """One ranked mentor: a score in [0, 1] and the human-readable reasons behind it."""

    mentor_id: str
    score: float = Field(ge=0, le=1)
    reasons: list[str]


class Suggestions(BaseModel):
    """Mentors ranked for one request, best first."""

    request_id: str
    items: list[Suggestion]


class MatchView(BaseModel):
    """A mentor proposed for a request: `proposed`, `accepted` or `declined`."""

    id: str
    request_id: str
    mentor_id: str
    founder_id: str
    startup_id: str
    startup_name: str | None = None
    status: str
    score: float
    proposed_at: datetime
    answered_at: datetime | None = None


class BatchResult(BaseModel):
    """Matches proposed at once, the requests left unmatched, and the total score."""

    proposed: list[MatchView]
    unmatched: list[str]
    total_score: float


MatchPage = Page[MatchView]


class SuggestMentors(RpcRequest[Suggestions]):
    """Mentors ranked for an open request, at most `limit` → the suggestions (staff).

    Errors: `not_found`, `forbidden`.
    """

    subject = "rpc.mentoring.request.suggest"

    request_id: Id
    limit: int = Field(10, ge=1, le=50)


class ProposeMatch(RpcRequest[MatchView]):
    """Staff propose a mentor for a request → the match, `proposed`.

    Errors: `not_found`, `forbidden`, `conflict` (request not open, mentor full or declined).
    """

    subject = "rpc.mentoring.match.propose"

    request_id: Id
    mentor_id: Id


class BatchMatch(RpcRequest[BatchResult]):
    """Propose mentors for many open requests, maximising the total score within each
    mentor's remaining capacity → what was proposed and what was not (staff).
    """

    subject = "rpc.mentoring.match.batch"

    request_ids: list[Id] | None = Field(None, max_length=2000)


class AnswerMatch(RpcRequest[MatchView]):
    """The proposed mentor accepts or declines → the match; declining reopens the
    request. Errors: `not_found`, `forbidden` (another mentor), `conflict` (already answered).
    """

    subject = "rpc.mentoring.match.answer"

    match_id: Id
    accept: bool


class ListMatches(RpcRequest[MatchPage], PageQuery):
    """Matches the caller is party to (staff: all), optionally by status → a page."""

    subject = "rpc.mentoring.match.list"

    status: Annotated[str, StringConstraints(pattern="^(proposed|accepted|declined)$")] | None = (
        None
    )


class GetMatch(RpcRequest[MatchView]):
    """One match → it, for its mentor, its founder and staff.

    Errors: `not_found`, `forbidden` for anyone else.
    """

    subject = "rpc.mentoring.match.get"

    match_id: Id
