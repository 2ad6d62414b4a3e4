"""The reference-data editor's list: `/console/admin/reference` shows wards (with the days
each was valid and its ward set), sectors, schools and organizations (an inactive school
or organization marked so), each linked to its edit page, and links to add one."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.gateway.access import ANYONE
from services.gateway.web.console_reference.editor import BASE, Page, state_of
from shared.contracts.base import Role

router = APIRouter(include_in_schema=False, dependencies=[ANYONE])
#: A code read back from `?saved=` for the "saved" notice (anything else is not shown).
SAVED_CODE = re.compile(r"[a-z0-9][a-z0-9_\-]{1,79}")


@router.get(BASE)
async def reference(request: Request, page: Page) -> Response:
    """Wards, sectors, schools and organizations, each with a link to edit it, and the
    notice naming the code just saved (`?saved=<code>`)."""
    page.require(Role.ADMIN)
    await page.load_unread()
    state = state_of(request)
    schools, _ = await state.reference.schools(ward=None, level=None, skip=0, limit=500)
    organizations, _ = await state.reference.organizations(kind=None, skip=0, limit=500)
    wards = await state.reference.wards(on=None, ward_set=None)
    saved = request.query_params.get("saved") or ""
    return page.render(
        "console/admin_reference.html",
        wards=wards,
        ward_names={str(w["_id"]): str(w["name"]) for w in wards},
        sectors=await state.reference.sectors(),
        schools=schools,
        organizations=organizations,
        saved=saved if SAVED_CODE.fullmatch(saved) else "",
    )
