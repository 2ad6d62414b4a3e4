"""The district units and ward committees of the reference data as the web pages name them:
the organizers a new event may name, and the names of stored unit codes (events, mentors,
judges and certificates store the codes)."""

from __future__ import annotations

from fastapi import Request


async def units(request: Request, active: bool | None = None) -> list[tuple[str, str]]:
    """District units and ward committees of the reference data: `(code, name)`; only the
    active ones with `active=True`."""
    reference = request.app.state.gateway.reference
    found: list[tuple[str, str]] = []
    for kind in ("district_unit", "ward_committee"):
        docs, _total = await reference.organizations(kind=kind, skip=0, limit=100, active=active)
        found += [(str(d.get("code", d["_id"])), str(d.get("name") or d["_id"])) for d in docs]
    return found


async def organization_names(request: Request, codes: str) -> str:
    """`ward-committee-an-nhon, youth_union` as the units' names where the reference
    data knows them (the events service stores the codes)."""
    known = dict(await units(request))
    return ", ".join(known.get(code.strip(), code.strip()) for code in codes.split(","))
