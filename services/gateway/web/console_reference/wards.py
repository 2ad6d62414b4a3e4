"""Wards in the reference-data editor: add one (code, name, valid from/to dd/mm/yyyy,
predecessors, ward set) and edit one at the version the admin saw (DESIGN §7: wards have
validity dates and a predecessor → successor map)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.gateway.access import ANYONE
from services.gateway.repository import WARDS
from services.gateway.routes import reference as reference_api
from services.gateway.web.console_reference.editor import (
    BASE,
    CodePath,
    Kind,
    Page,
    add,
    codes,
    edit_page,
    form_page,
    save,
    state_of,
    typed_day,
)
from services.gateway.web.forms import FormData
from services.gateway.web.kit import Web
from services.gateway.web.rendering import local_day
from shared.contracts.base import Role

router = APIRouter(include_in_schema=False, dependencies=[ANYONE])


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


WARD = Kind("ward", WARDS, ward_form, ward_sets)


def ward_body(form: FormData) -> tuple[dict[str, Any], tuple[str, ...]]:
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


@router.get(BASE + "/wards/new")
async def new_ward(request: Request, page: Page) -> Response:
    """The empty form to add a ward."""
    page.require(Role.ADMIN)
    return await form_page(request, page, WARD)


@router.post(BASE + "/wards/new")
async def add_ward(request: Request, page: Page) -> Response:
    """Add a ward (`POST /api/v1/wards`'s use case); refused next to the fields, kept."""
    page.require(Role.ADMIN)
    form = await page.form()
    fields, bad = ward_body(form)
    fields["code"] = form.get("code")
    create = reference_api.create_ward
    return await add(request, page, form, WARD, reference_api.WardIn, fields, create, bad)


@router.get(BASE + "/wards/{code}/edit")
async def edit_ward(request: Request, page: Page, code: CodePath) -> Response:
    """A ward's form filled with what is saved now; a 404 page for an unknown code."""
    page.require(Role.ADMIN)
    return await edit_page(request, page, WARD, code)


@router.post(BASE + "/wards/{code}/edit")
async def save_ward(request: Request, page: Page, code: CodePath) -> Response:
    """Save a ward at the version the form was opened with (`PUT /api/v1/wards/{code}`'s
    use case). A stale version changes nothing: the page says so, keeps what was typed,
    shows what is saved now and carries the new version, so saving again is deliberate."""
    page.require(Role.ADMIN)
    form = await page.form()
    fields, bad = ward_body(form)
    model, update = reference_api.WardUpdate, reference_api.update_ward
    return await save(request, page, form, WARD, code, model, fields, update, bad)
