"""Organizations in the reference-data editor: add one (code, name, kind, ward if local)
and edit one at the version the admin saw: rename it, change its kind or ward, or mark a
unit that closed as no longer active (DESIGN §1: a user belongs to one organization; the
saved state reaches the services' read models as `identity.organization.saved.v1`)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from services.gateway.repository import ORGANIZATIONS
from services.gateway.routes import reference as reference_api
from services.gateway.web.console_reference.editor import Kind, kind_router, ward_options
from services.gateway.web.forms import FormData
from services.gateway.web.kit import Web
from shared.contracts.events.reference import OrganizationKind


def organization_form(doc: dict[str, Any]) -> dict[str, Any]:
    """A saved organization as its form shows it (`active` "1" when ticked, no ward "")."""
    return {
        "code": doc["_id"],
        "name": doc.get("name", ""),
        "kind": doc.get("kind", ""),
        "ward": doc.get("ward") or "",
        "active": "1" if doc.get("active", True) else "",
        "version": str(doc["version"]),
    }


async def organization_options(
    request: Request, page: Web, typed: dict[str, Any]
) -> dict[str, Any]:
    """The kinds in the page's language and the wards a local unit may be in (today's, and
    the organization's own if older)."""
    return {
        "kinds": [(v.value, page.label("OrganizationKind", v)) for v in OrganizationKind],
        "wards": await ward_options(request, str(typed.get("ward") or "")),
    }


def organization_body(form: FormData, adding: bool) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The organization fields of a posted form (no ward chosen: none; a new one is
    active, an edit says) and no unreadable day (an organization has no day field)."""
    return {
        "name": form.get("name"),
        "kind": form.get("kind"),
        "ward": form.optional("ward"),
        "active": True if adding else form.flag("active"),
    }, ()


ORGANIZATION = Kind(
    "organization",
    ORGANIZATIONS,
    organization_form,
    organization_body,
    new=reference_api.OrganizationIn,
    change=reference_api.OrganizationUpdate,
    create=reference_api.create_organization,
    update=reference_api.update_organization,
    options=organization_options,
)
router = kind_router(ORGANIZATION)
