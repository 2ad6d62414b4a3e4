"""Wards in the reference-data editor: add one (code, name, valid from/to dd/mm/yyyy,
predecessors, ward set) and edit one at the version the admin saw (DESIGN §7: wards have
validity dates and a predecessor → successor map)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from services.gateway.repository import WARDS
from services.gateway.routes import reference as reference_api
from services.gateway.web.console_reference.editor import (
    Kind,
    codes,
    kind_router,
    state_of,
    typed_day,
)
from services.gateway.web.forms import FormData
from services.gateway.web.kit import Web
from services.gateway.web.rendering import local_day


def ward_form(doc: dict[str, Any]) -> dict[str, Any]:
    """A saved ward as its form shows it: days dd/mm/yyyy, predecessors comma-separated."""
    return {
        "code": doc["_id"],
        "name": doc.get("name", ""),
        "valid_from": local_day(doc.get("valid_from")),
        "valid_to": local_day(doc.get("valid_to")),
        "predecessors": ", ".join(doc.get("predecessors") or []),
        "ward_set": doc.get("ward_set", ""),
        "version": str(doc["version"]),
    }


async def ward_sets(request: Request, page: Web, typed: dict[str, Any]) -> dict[str, Any]:
    """The ward sets known so far, named in the ward set box's hint."""
    every = await state_of(request).reference.wards(on=None, ward_set=None)
    return {"ward_sets": ", ".join(sorted({str(d.get("ward_set")) for d in every}))}


def ward_body(form: FormData, adding: bool) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The ward fields of a posted form, days as ISO text, and the names of unreadable days."""
    body: dict[str, Any] = {
        "name": form.get("name"),
        "predecessors": codes(form.get("predecessors")),
        "ward_set": form.get("ward_set"),
    }
    bad: list[str] = []
    for name in ("valid_from", "valid_to"):
        value, unreadable = typed_day(form.get(name))
        body[name] = value if value is not None or name == "valid_to" else ""
        if unreadable:
            bad.append(name)
    return body, tuple(bad)


WARD = Kind(
    "ward",
    WARDS,
    ward_form,
    ward_body,
    new=reference_api.WardIn,
    change=reference_api.WardUpdate,
    create=reference_api.create_ward,
    update=reference_api.update_ward,
    options=ward_sets,
)
router = kind_router(WARD)
