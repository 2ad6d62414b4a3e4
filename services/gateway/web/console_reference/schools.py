"""Schools in the reference-data editor: add one (code, name, level, one of today's wards;
it becomes an organization too) and edit it, active or not, at the version the admin saw."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.gateway.access import ANYONE
from services.gateway.repository import SCHOOLS
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
    ward_options,
)
from services.gateway.web.forms import FormData
from services.gateway.web.kit import Web
from shared.contracts.base import Role
from shared.contracts.events.reference import SchoolLevel

router = APIRouter(include_in_schema=False, dependencies=[ANYONE])


def school_form(doc: dict[str, Any]) -> dict[str, Any]:
    """A saved school as its form shows it (`active` "1" when ticked)."""
    return {
        "code": doc["_id"],
        "name": doc.get("name", ""),
        "level": doc.get("level", ""),
        "ward": doc.get("ward", ""),
        "active": "1" if doc.get("active", True) else "",
        "version": str(doc["version"]),
    }


async def school_options(request: Request, page: Web, typed: dict[str, Any]) -> dict[str, Any]:
    """The levels in the page's language and the wards a school may be in."""
    return {
        "levels": [(v.value, page.label("SchoolLevel", v)) for v in SchoolLevel],
        "wards": await ward_options(request, str(typed.get("ward") or "")),
    }


SCHOOL = Kind("school", SCHOOLS, school_form, school_options)


def school_body(form: FormData, *, active: bool) -> dict[str, Any]:
    """The school fields of a posted form."""
    return {
        "name": form.get("name"),
        "level": form.get("level"),
        "ward": form.get("ward"),
        "active": active,
    }


@router.get(BASE + "/schools/new")
async def new_school(request: Request, page: Page) -> Response:
    """The empty form to add a school."""
    page.require(Role.ADMIN)
    return await form_page(request, page, SCHOOL)


@router.post(BASE + "/schools/new")
async def add_school(request: Request, page: Page) -> Response:
    """Add a school (`POST /api/v1/schools`'s use case; it becomes an organization too)."""
    page.require(Role.ADMIN)
    form = await page.form()
    fields = {**school_body(form, active=True), "code": form.get("code")}
    create = reference_api.create_school
    return await add(request, page, form, SCHOOL, reference_api.SchoolIn, fields, create)


@router.get(BASE + "/schools/{code}/edit")
async def edit_school(request: Request, page: Page, code: CodePath) -> Response:
    """A school's form filled with what is saved now; a 404 page for an unknown code."""
    page.require(Role.ADMIN)
    return await edit_page(request, page, SCHOOL, code)


@router.post(BASE + "/schools/{code}/edit")
async def save_school(request: Request, page: Page, code: CodePath) -> Response:
    """Save a school at the version seen (`PUT /api/v1/schools/{code}`)."""
    page.require(Role.ADMIN)
    form = await page.form()
    fields = school_body(form, active=form.flag("active"))
    model, update = reference_api.SchoolUpdate, reference_api.update_school
    return await save(request, page, form, SCHOOL, code, model, fields, update)
