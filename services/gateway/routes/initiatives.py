"""Initiatives (sáng kiến) and the Initiative Council, served by the competitions service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from services.gateway.access import ANYONE, JUDGE, ORGANIZER, SIGNED_IN
from services.gateway.deps import Id, Paging, Rpc
from shared.contracts.rpc.competitions.initiatives import (
    AssignCouncil,
    CouncilFields,
    DecideInitiative,
    DecisionFields,
    FileInitiative,
    GetInitiative,
    InitiativeFields,
    InitiativePage,
    InitiativeView,
    ListInitiatives,
    ListRecognisedInitiatives,
    RecognisedInitiativePage,
    ReviewFields,
    ReviewInitiative,
)

router = APIRouter(prefix="/initiatives", tags=["initiatives"])


@router.post("", dependencies=[SIGNED_IN], status_code=status.HTTP_201_CREATED)
async def file_initiative(body: InitiativeFields, rpc: Rpc) -> InitiativeView:
    """File a dossier: authors' shares sum to 100%, already applied, not already IP."""
    return await rpc.call(FileInitiative(initiative=body))


@router.get("", dependencies=[SIGNED_IN])
async def list_initiatives(
    rpc: Rpc,
    paging: Paging,
    status: Annotated[
        str | None, Query(pattern=r"^(filed|under_review|recognised|refused)$")
    ] = None,
) -> InitiativePage:
    """Organizers see all; others what they filed or sit on the council of."""
    request = ListInitiatives(status=status, **paging.model_dump())
    return await rpc.call(request)


@router.get("/recognised", dependencies=[ANYONE])
async def recognised_initiatives(
    rpc: Rpc,
    paging: Paging,
    scope: Annotated[str | None, Query(pattern=r"^[a-z_]{2,20}$")] = None,
) -> RecognisedInitiativePage:
    """Initiatives the council recognised, newest decision first, for anyone: what they
    are, where they apply and their benefit, never their authors."""
    return await rpc.call(ListRecognisedInitiatives(scope=scope, **paging.model_dump()))


@router.get("/{initiative_id}", dependencies=[SIGNED_IN])
async def get_initiative(initiative_id: Id, rpc: Rpc) -> InitiativeView:
    """One dossier, for its authors, its council and organizers (404 for others)."""
    return await rpc.call(GetInitiative(initiative_id=initiative_id))


@router.post("/{initiative_id}/council", dependencies=[ORGANIZER])
async def assign_council(initiative_id: Id, body: CouncilFields, rpc: Rpc) -> InitiativeView:
    """Council members and scoring sheet; accepting the dossier starts the 3-month limit."""
    return await rpc.call(AssignCouncil(initiative_id=initiative_id, council=body))


@router.post("/{initiative_id}/reviews", dependencies=[JUDGE])
async def review_initiative(initiative_id: Id, body: ReviewFields, rpc: Rpc) -> InitiativeView:
    """A council member's points on the sheet and vote; revisable until the decision."""
    return await rpc.call(ReviewInitiative(initiative_id=initiative_id, review=body))


@router.post("/{initiative_id}/decision", dependencies=[ORGANIZER])
async def decide_initiative(initiative_id: Id, body: DecisionFields, rpc: Rpc) -> InitiativeView:
    """Recognised with a scope (two thirds of the council in favour) or refused with reasons."""
    return await rpc.call(DecideInitiative(initiative_id=initiative_id, decision=body))
