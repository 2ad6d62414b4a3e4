"""Organizations in the reference-data editor: add one (code, name, kind, ward if local)
and edit one at the version the admin saw: rename it, change its kind or ward, or mark a
unit that closed as no longer active (DESIGN §1: a user belongs to one organization; the
saved state reaches the services' read models as `identity.organization.saved.v1`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from services.gateway.access import ANYONE
from services.gateway.repository import ORGANIZATIONS
from services.gateway.routes import reference as reference_api
from services.gateway.web.console_reference.editor import (
    BASE,
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
from shared.contracts.events.reference import OrganizationKind

router = APIRouter(include_in_schema=False, dependencies=[ANYONE])
#: Organization codes may hold `_` (`youth_union`) and run to 80 characters.
OrganizationCodePath = Annotated[
    str, Path(min_length=2, max_length=80, pattern=r"^[a-z0-9][a-z0-9_\-]*$")
]


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


ORGANIZATION = Kind("organization", ORGANIZATIONS, organization_form, organization_options)


def organization_body(form: FormData, *, active: bool) -> dict[str, Any]:
    """The organization fields of a posted form (no ward chosen: none)."""
    return {
        "name": form.get("name"),
        "kind": form.get("kind"),
        "ward": form.optional("ward"),
        "active": active,
    }


@router.get(BASE + "/organizations/new")
async def new_organization(request: Request, page: Page) -> Response:
    """The empty form to add an organization."""
    page.require(Role.ADMIN)
    return await form_page(request, page, ORGANIZATION)


@router.post(BASE + "/organizations/new")
async def add_organization(request: Request, page: Page) -> Response:
    """Add an organization (`POST /api/v1/organizations`'s use case)."""
    page.require(Role.ADMIN)
    form = await page.form()
    fields = {**organization_body(form, active=True), "code": form.get("code")}
    create, model = reference_api.create_organization, reference_api.OrganizationIn
    return await add(request, page, form, ORGANIZATION, model, fields, create)


@router.get(BASE + "/organizations/{code}/edit")
async def edit_organization(request: Request, page: Page, code: OrganizationCodePath) -> Response:
    """An organization's form filled with what is saved now; a 404 page for an unknown
    code."""
    page.require(Role.ADMIN)
    return await edit_page(request, page, ORGANIZATION, code)


@router.post(BASE + "/organizations/{code}/edit")
async def save_organization(request: Request, page: Page, code: OrganizationCodePath) -> Response:
    """Save an organization at the version seen (`PUT /api/v1/organizations/{code}`): a
    stale version changes nothing, says so in the page's language, keeps what was typed and
    shows what is saved now; an unknown ward is refused next to its box."""
    page.require(Role.ADMIN)
    form = await page.form()
    fields = organization_body(form, active=form.flag("active"))
    model, update = reference_api.OrganizationUpdate, reference_api.update_organization
    return await save(request, page, form, ORGANIZATION, code, model, fields, update)
