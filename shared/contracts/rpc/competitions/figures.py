"""The competitions service's sections of the district report (DESIGN §8): competitions,
clubs and initiatives over a period."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from shared.contracts.base import RpcRequest


class CompetitionFigures(BaseModel):
    """Competitions' section of the district report: held, entries, participants,
    winners (DESIGN §8).
    """

    held: int
    entries: int
    participants: int
    winners: int
    winners_by_ward: dict[str, int]


class ClubFigures(BaseModel):
    """Clubs' section of the district report: clubs registered and active, schools
    covered against the 50% target (DESIGN §8).
    """

    registered: int
    clubs: int
    active: int
    schools: int
    schools_with_active_club: int
    coverage: float
    target: float
    meets_target: bool
    schools_by_ward: dict[str, int]
    covered_by_ward: dict[str, int]
    coverage_by_level: dict[str, float]


class InitiativeFigures(BaseModel):
    """Initiatives' section of the district report: filed, decided, recognised by
    scope (DESIGN §8).
    """

    filed: int
    decided: int
    recognised: int
    recognised_by_scope: dict[str, int]


class CompetitionsFigures(BaseModel):
    """The competitions service's three sections of the district report."""

    competitions: CompetitionFigures
    clubs: ClubFigures
    initiatives: InitiativeFigures


class CompetitionsFiguresRequest(RpcRequest[CompetitionsFigures]):
    """Figures for the district report over [start, end) (UTC instants)."""

    subject = "rpc.competitions.figures.get"

    start: datetime
    end: datetime
