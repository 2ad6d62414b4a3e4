"""Sectors in the reference-data editor: add one (code, Vietnamese and English names) and
edit its names at the version the admin saw."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.gateway.access import ANYONE
from services.gateway.repository import SECTORS
from services.gateway.routes import reference as reference_api
from services.gateway.web.console_reference.editor import (
    BASE,
    CodePath,
    Kind,
    Page,
    add,
    edit_page,
    form_page,
    save,
)
from shared.contracts.base import Role

router = APIRouter(include_in_schema=False, dependencies=[ANYONE])


def sector_form(doc: dict[str, Any]) -> dict[str, Any]:
    """A saved sector as its form shows it."""
    return {
        "code": doc["_id"],
        "name_vi": doc.get("name_vi", ""),
        "name_en": doc.get("name_en", ""),
        "version": str(doc["version"]),
    }


SECTOR = Kind("sector", SECTORS, sector_form)


@router.get(BASE + "/sectors/new")
async def new_sector(request: Request, page: Page) -> Response:
    """The empty form to add a sector."""
    page.require(Role.ADMIN)
    return await form_page(request, page, SECTOR)


@router.post(BASE + "/sectors/new")
async def add_sector(request: Request, page: Page) -> Response:
    """Add a sector (`POST /api/v1/sectors`'s use case)."""
    page.require(Role.ADMIN)
    form = await page.form()
    fields = {key: form.get(key) for key in ("code", "name_vi", "name_en")}
    create = reference_api.create_sector
    return await add(request, page, form, SECTOR, reference_api.SectorIn, fields, create)


@router.get(BASE + "/sectors/{code}/edit")
async def edit_sector(request: Request, page: Page, code: CodePath) -> Response:
    """A sector's form filled with what is saved now; a 404 page for an unknown code."""
    page.require(Role.ADMIN)
    return await edit_page(request, page, SECTOR, code)


@router.post(BASE + "/sectors/{code}/edit")
async def save_sector(request: Request, page: Page, code: CodePath) -> Response:
    """Save a sector's names at the version seen (`PUT /api/v1/sectors/{code}`)."""
    page.require(Role.ADMIN)
    form = await page.form()
    fields = {key: form.get(key) for key in ("name_vi", "name_en")}
    model, update = reference_api.SectorUpdate, reference_api.update_sector
    return await save(request, page, form, SECTOR, code, model, fields, update)
