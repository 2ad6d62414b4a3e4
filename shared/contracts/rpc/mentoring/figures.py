"""Mentoring's section of the district report (DESIGN §8) and the request that asks it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from shared.contracts.base import RpcRequest


class MentoringFigures(BaseModel):
    """Mentoring's section of the district report (DESIGN §8): requests, matches,
    sessions held, hours and rating, by topic, ward and referral.
    """

    requests: int
    matched: int
    sessions_held: int
    sessions_recorded_late: int = 0
    sessions_cancelled: int = 0
    no_shows: int = 0
    hours: float
    average_rating: float | None
    by_topic: dict[str, int]
    by_ward: dict[str, int]
    by_referral: dict[str, int]


class MentoringFiguresRequest(RpcRequest[MentoringFigures]):
    """Figures for the district report over [start, end) (UTC instants); the gateway asks it
    as `FiguresRequest` on `figures_subject("mentoring")`, the same subject."""

    subject = "rpc.mentoring.figures.get"

    start: datetime
    end: datetime
