"""Startups and ideas, served by the registry service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BaseModel, Field

from services.gateway.access import ANYONE, STAFF, allow
from services.gateway.cache import forget_public_reads, public_read
from services.gateway.deps import Id, Paging, Services
from shared.contracts.base import Role, RpcRequest
from shared.contracts.events.registry import Stage, StartupStatus
from shared.contracts.rpc.registry import (
    ChangeStartupStatus,
    GetStartup,
    GetStartupHistory,
    Reason,
    RegisterStartup,
    RejectStartup,
    SearchStartups,
    StartupChanges,
    StartupFields,
    StartupHistory,
    StartupPage,
    StartupView,
    StatusChange,
    UpdateStartup,
    VerifyStartup,
)


async def _services(request: Request) -> Services:
    """`deps.Rpc` made by a coroutine: FastAPI runs a class or plain function dependency in
    its thread pool, a hop per request that cost ~5 % of the gateway's time under load."""
    return Services(request)


Rpc = Annotated[Services, Depends(_services)]
FOUNDER_OR_STAFF = allow(Role.FOUNDER, Role.ASSOCIATION_STAFF, Role.ADMIN)
router = APIRouter(prefix="/startups", tags=["startups"])

CodeFilter = Annotated[
    str | None, Query(min_length=2, max_length=48, pattern=r"^[a-z0-9][a-z0-9\-]*$")
]


class Rejection(BaseModel):
    """Why a startup is rejected, and the version last seen."""

    reason: Reason
    version: int | None = Field(None, ge=1, le=2_147_483_647)


class StatusRequest(StatusChange):
    """The status to move to, with an optional reason and the version last seen."""

    to_status: StartupStatus = Field(
        description="submitted (resubmit after a rejection), active, graduated or closed"
    )


async def written(rpc: Services, request: RpcRequest[StartupView]) -> StartupView:
    """Send a startup write; then empty the public cache, so the writer's next read is
    never the old startup (its event empties it too, for every other gateway)."""
    try:
        return await rpc.call(request)
    finally:
        forget_public_reads(rpc)


@router.post("", dependencies=[allow(Role.FOUNDER)], status_code=status.HTTP_201_CREATED)
async def register_startup(body: StartupFields, rpc: Rpc) -> StartupView:
    """Register an idea or startup; it waits for the Consultation Point to verify it."""
    return await written(rpc, RegisterStartup(startup=body))


@router.get("", dependencies=[ANYONE], response_model=StartupPage)
async def find_startups(
    rpc: Rpc,
    paging: Paging,
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Accent-insensitive word prefixes, as typed (“khoi ngh”); 8 words at most",
        ),
    ] = None,
    ward: CodeFilter = None,
    sector: CodeFilter = None,
    stage: Stage | None = None,
    status: StartupStatus | None = None,
    women_led: bool | None = None,
    youth_led: bool | None = None,
) -> Response:
    """By relevance when `q` is given, else newest first. Anonymous callers and other
    founders see public, verified-or-later startups and their public fields only."""
    search = SearchStartups(
        q=q,
        ward=ward,
        sector=sector,
        stage=stage,
        status=status,
        women_led=women_led,
        youth_led=youth_led,
        **paging.model_dump(),
    )
    return await public_read(rpc, search)


@router.get("/{startup_id}", dependencies=[ANYONE], response_model=StartupView)
async def get_startup(startup_id: Id, rpc: Rpc) -> Response:
    """One startup; owners and staff see every field; 404 when hidden from you."""
    return await public_read(rpc, GetStartup(startup_id=startup_id))


@router.patch("/{startup_id}", dependencies=[FOUNDER_OR_STAFF])
async def edit_startup(startup_id: Id, body: StartupChanges, rpc: Rpc) -> StartupView:
    """Edit with the `version` you last saw; a stale one is 409 with the current version."""
    return await written(rpc, UpdateStartup(startup_id=startup_id, changes=body))


@router.post("/{startup_id}/verify", dependencies=[STAFF])
async def verify_startup(startup_id: Id, rpc: Rpc, body: StatusChange | None = None) -> StartupView:
    """The Consultation Point verifies a submitted startup; 409 on a stale version."""
    change = body or StatusChange()
    return await written(rpc, VerifyStartup(startup_id=startup_id, change=change))


@router.post("/{startup_id}/reject", dependencies=[STAFF])
async def reject_startup(startup_id: Id, body: Rejection, rpc: Rpc) -> StartupView:
    """Reject with a reason; 409 on a stale version."""
    request = RejectStartup(startup_id=startup_id, reason=body.reason, version=body.version)
    return await written(rpc, request)


@router.post("/{startup_id}/status", dependencies=[FOUNDER_OR_STAFF])
async def change_status(startup_id: Id, body: StatusRequest, rpc: Rpc) -> StartupView:
    """Resubmit after a rejection, activate, graduate or close."""
    change = StatusChange(reason=body.reason, version=body.version)
    request = ChangeStartupStatus(startup_id=startup_id, to_status=body.to_status, change=change)
    return await written(rpc, request)


@router.get("/{startup_id}/history", dependencies=[FOUNDER_OR_STAFF])
async def startup_history(startup_id: Id, rpc: Rpc) -> StartupHistory:
    """Every event about the startup, oldest first, with who and when."""
    return await rpc.call(GetStartupHistory(startup_id=startup_id))
