"""Schools in the reference-data editor: add one (code, name, level, one of today's wards;
it becomes an organization too) and edit it, active or not, at the version the admin saw."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from services.gateway.repository import SCHOOLS
from services.gateway.routes import reference as reference_api
from services.gateway.web.console_reference.editor import Kind, kind_router, ward_options
from services.gateway.web.forms import FormData
from services.gateway.web.kit import Web
from shared.contracts.events.reference import SchoolLevel


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


def school_body(form: FormData, adding: bool) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The school fields of a posted form (a new school is active; an edit says) and no
    unreadable day (a school has no day field)."""
    return {
        "name": form.get("name"),
        "level": form.get("level"),
        "ward": form.get("ward"),
        "active": True if adding else form.flag("active"),
    }, ()


SCHOOL = Kind(
    "school",
    SCHOOLS,
    school_form,
    school_body,
    new=reference_api.SchoolIn,
    change=reference_api.SchoolUpdate,
    create=reference_api.create_school,
    update=reference_api.update_school,
    options=school_options,
)
router = kind_router(SCHOOL)
