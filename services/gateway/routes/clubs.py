"""School innovation and STEM clubs, and coverage, served by the competitions service."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status

from services.gateway.access import ANYONE, allow
from services.gateway.deps import Id, Paging, Rpc
from shared.contracts.base import Role
from shared.contracts.events.competitions import ClubKind
from shared.contracts.rpc.competitions.clubs import (
    ActivityFields,
    ClubFields,
    ClubPage,
    ClubView,
    Coverage,
    GetClub,
    GetCoverage,
    ListClubs,
    LogActivity,
    RegisterClub,
)

ADVISOR = allow(Role.SCHOOL_ADVISOR)
router = APIRouter(prefix="/clubs", tags=["clubs"])

CodeFilter = Annotated[
    str | None, Query(min_length=2, max_length=48, pattern=r"^[a-z0-9][a-z0-9\-]*$")
]


@router.post("", dependencies=[ADVISOR], status_code=status.HTTP_201_CREATED)
async def register_club(body: ClubFields, rpc: Rpc) -> ClubView:
    """A school advisor registers their own school's club."""
    return await rpc.call(RegisterClub(club=body))


@router.get("", dependencies=[ANYONE])
async def list_clubs(
    rpc: Rpc,
    paging: Paging,
    school: CodeFilter = None,
    ward: CodeFilter = None,
    kind: ClubKind | None = None,
    active: Annotated[bool | None, Query(description="An activity in the last 180 days")] = None,
) -> ClubPage:
    """Clubs, newest first, optionally by school, ward, kind and recent activity."""
    request = ListClubs(school=school, ward=ward, kind=kind, active=active, **paging.model_dump())
    return await rpc.call(request)


@router.get("/coverage", dependencies=[ANYONE])
async def coverage(
    rpc: Rpc,
    on: Annotated[
        date | None, Query(description="Coverage as of this day (today if absent)")
    ] = None,
) -> Coverage:
    """Schools with at least one active club ÷ all schools, overall, by ward and by level,
    against the plan's 50% target."""
    return await rpc.call(GetCoverage(on=on))


@router.get("/{club_id}", dependencies=[ANYONE])
async def get_club(club_id: Id, rpc: Rpc) -> ClubView:
    """One club with its latest activities; 404 when unknown."""
    return await rpc.call(GetClub(club_id=club_id))


@router.post("/{club_id}/activities", dependencies=[ADVISOR], status_code=status.HTTP_201_CREATED)
async def log_activity(club_id: Id, body: ActivityFields, rpc: Rpc) -> ClubView:
    """The club's advisor logs an activity; 403 for another school's club."""
    return await rpc.call(LogActivity(club_id=club_id, activity=body))
