"""The Economic Division's (admin) reference-data editor (DESIGN §7: wards, schools, sectors
and organizations are data an admin edits, not constants).

`/console/admin/reference` lists wards (with the dates each was valid and its ward set),
sectors, schools and organizations; linked pages add a ward, a sector, a school or an
organization, and edit a ward, a sector or a school at the version the admin saw.

The views call the JSON API's own use cases (`routes/reference.py`: its request models,
their bounds, `ReferenceData.create/update` with the 409 on a stale version), never the
HTTP API. Errors are shown next to their field in the page's language with every value
typed kept; a save redirects to the list with `?saved=<code>` (POST-redirect-GET).
Days are typed and shown dd/mm/yyyy (an ISO `yyyy-mm-dd` is read too)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from services.gateway.access import ANYONE
from services.gateway.repository import SCHOOLS, SECTORS, WARDS
from services.gateway.routes import reference as reference_api
from services.gateway.web.kit import FormData, FormErrors, PageRefused, Web, local_day, web
from shared.contracts.base import Conflict, DomainError, NotFound, Role
from shared.contracts.events.reference import OrganizationKind, SchoolLevel

router = APIRouter(include_in_schema=False, dependencies=[ANYONE])
Page = Annotated[Web, Depends(web)]
BASE = "/console/admin/reference"
CodePath = Annotated[str, Path(min_length=2, max_length=48, pattern=r"^[a-z0-9][a-z0-9\-]*$")]
#: `dd/mm/yyyy` (day and month may have one digit), as people in Viet Nam write a day.
TYPED_DAY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
#: A code read back from `?saved=` for the "saved" notice (anything else is not shown).
SAVED_CODE = re.compile(r"[a-z0-9][a-z0-9_\-]{1,79}")


def _state(request: Request) -> Any:
    return request.app.state.gateway


def typed_day(raw: str) -> tuple[str | None, bool]:
    """A typed day as ISO text: `("2025-07-01", False)` for "01/07/2025" or "2025-07-01",
    `(None, False)` for nothing typed, `(raw, True)` when it is not a real day (the model
    then refuses it and the page says how to write a day)."""
    text = raw.strip()
    if not text:
        return None, False
    found = TYPED_DAY.match(text)
    try:
        if found:
            day, month, year = (int(part) for part in found.groups())
            return date(year, month, day).isoformat(), False
        return date.fromisoformat(text).isoformat(), False
    except ValueError:
        return text, True


def codes(raw: str) -> list[str]:
    """Codes typed in one box, separated by commas, semicolons or spaces, in order."""
    return [part for part in re.split(r"[\s,;]+", raw.strip()) if part]


def form_errors(page: Web, error: Exception, bad_days: tuple[str, ...] = ()) -> FormErrors:
    """A failed save as the form's errors in the page's language: pydantic's by field, a
    taken code next to `code`, a missing predecessor next to `predecessors`, a stale
    version explained in the summary, and each unreadable day (`bad_days`) next to its box."""
    errors = page.errors_of(error)
    if isinstance(error, DomainError):
        if error.message == "detail.code_taken":
            errors.fields["code"] = errors.summary
        elif error.message == "detail.predecessor_missing":
            missing = ", ".join(str(c) for c in error.details.get("missing") or [])
            errors.fields["predecessors"] = f"{errors.summary}: {missing}"
        elif error.message == "detail.reference_changed":
            errors.summary = page.t("console.reference.stale")
    for name in bad_days:
        errors.fields[name] = page.t("console.reference.bad_day")
    if "version" in errors.fields:  # only a tampered or truncated form: no box to show it
        errors.summary = errors.fields.pop("version")
    if errors.fields and not errors.summary:
        errors.summary = page.t("web.form.fix_errors")
    return errors


async def _saved_doc(request: Request, collection: str, code: str) -> dict[str, Any]:
    """The item `code` of `collection` as saved now; a 404 page when there is none."""
    try:
        doc: dict[str, Any] = await _state(request).reference.get(collection, code)
    except NotFound:
        raise PageRefused(404, "web.error.not_found") from None
    return doc


def _ward_body(form: FormData) -> tuple[dict[str, Any], tuple[str, ...]]:
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


def _ward_form(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": doc["_id"],
        "name": doc.get("name", ""),
        "valid_from": local_day(doc.get("valid_from")),
        "valid_to": local_day(doc.get("valid_to")),
        "predecessors": ", ".join(doc.get("predecessors") or []),
        "ward_set": doc.get("ward_set", ""),
        "version": str(doc["version"]),
    }


async def _ward_options(request: Request, keep: str = "") -> list[tuple[str, str]]:
    """The wards valid today as `(code, name)`, and `keep` (a school's own ward) if older."""
    state = _state(request)
    found = await state.reference.wards(on=reference_api.today(), ward_set=None)
    options = [(str(d["_id"]), str(d["name"])) for d in found]
    if keep and keep not in dict(options):
        every = {
            str(d["_id"]): str(d["name"])
            for d in await state.reference.wards(on=None, ward_set=None)
        }
        if keep in every:
            options.append((keep, every[keep]))
    return options


async def _form_page(
    request: Request,
    page: Web,
    kind: str,
    *,
    code: str | None = None,
    form: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
    saved: dict[str, Any] | None = None,
) -> Response:
    """The add (no `code`) or edit page of `kind`, with what was typed and its errors (422
    when there are errors) and, after a stale save (409), the version saved now (`saved`)."""
    await page.load_unread()
    typed = form or {}
    context: dict[str, Any] = {}
    if kind == "ward":
        sets = sorted(
            {
                str(d.get("ward_set"))
                for d in await _state(request).reference.wards(on=None, ward_set=None)
            }
        )
        context["ward_sets"] = ", ".join(sets)
    elif kind == "school":
        context["levels"] = [(v.value, page.label("SchoolLevel", v)) for v in SchoolLevel]
        context["wards"] = await _ward_options(request, str(typed.get("ward") or ""))
    elif kind == "organization":
        context["kinds"] = [(v.value, page.label("OrganizationKind", v)) for v in OrganizationKind]
        context["wards"] = await _ward_options(request)
    action = f"{BASE}/{kind}s/{code}/edit" if code else f"{BASE}/{kind}s/new"
    return page.render(
        "console/reference_form.html",
        status=(409 if saved else 422) if errors else 200,
        kind=kind,
        code=code,
        action=action,
        form=typed,
        errors=errors,
        saved=saved,
        **context,
    )


@router.get(BASE)
async def reference(request: Request, page: Page) -> Response:
    """Wards (with the dates each was valid), sectors, schools and organizations, each
    with a link to add one and, for wards, sectors and schools, to edit it."""
    page.require(Role.ADMIN)
    await page.load_unread()
    state = _state(request)
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


@router.get(BASE + "/wards/new")
@router.get(BASE + "/sectors/new")
@router.get(BASE + "/schools/new")
@router.get(BASE + "/organizations/new")
async def new_item(request: Request, page: Page) -> Response:
    """The empty form to add a ward (code, name, valid from/to dd/mm/yyyy, predecessors,
    ward set), a sector (code, Vietnamese and English names), a school (code, name, level,
    one of today's wards) or an organization (code, name, kind, ward if local)."""
    page.require(Role.ADMIN)
    return await _form_page(request, page, _kind_of(request))


@router.get(BASE + "/wards/{code}/edit")
@router.get(BASE + "/sectors/{code}/edit")
@router.get(BASE + "/schools/{code}/edit")
async def edit_item(request: Request, page: Page, code: CodePath) -> Response:
    """A ward's, sector's or school's form filled with what is saved now, its version in
    a hidden field; a 404 page for an unknown code."""
    page.require(Role.ADMIN)
    kind = _kind_of(request)
    doc = await _saved_doc(request, _COLLECTIONS[kind], code)
    return await _form_page(request, page, kind, code=code, form=_SHOWN[kind](doc))


def _kind_of(request: Request) -> str:
    """`ward` for `/console/admin/reference/wards/...`, and so on."""
    return request.url.path.removeprefix(BASE + "/").split("/")[0].removesuffix("s")


# -- wards ------------------------------------------------------------------------------
@router.post(BASE + "/wards/new")
async def add_ward(request: Request, page: Page) -> Response:
    """Add a ward (`POST /api/v1/wards`'s use case); refused next to the fields, kept."""
    page.require(Role.ADMIN)
    form = await page.form()
    fields, bad = _ward_body(form)
    fields["code"] = form.get("code")
    return await _add(
        request, page, form, "ward", reference_api.WardIn, fields, reference_api.create_ward, bad
    )


@router.post(BASE + "/wards/{code}/edit")
async def save_ward(request: Request, page: Page, code: CodePath) -> Response:
    """Save a ward at the version the form was opened with (`PUT /api/v1/wards/{code}`'s
    use case). A stale version changes nothing: the page says so, keeps what was typed,
    shows what is saved now and carries the new version, so saving again is deliberate."""
    page.require(Role.ADMIN)
    form = await page.form()
    fields, bad = _ward_body(form)
    model, update = reference_api.WardUpdate, reference_api.update_ward
    return await _save(request, page, form, "ward", code, model, fields, update, bad)


async def _add(
    request: Request,
    page: Page,
    form: FormData,
    kind: str,
    model: type[BaseModel],
    fields: dict[str, Any],
    create: Callable[[Any, Any], Awaitable[Any]],
    bad: tuple[str, ...] = (),
) -> Response:
    """Validate `fields` as `model` and `create` it (the API route's own use case); back to
    the list saying what was saved, or the form again with each error next to its field
    and everything typed kept (`bad`: the day fields that could not be read)."""
    try:
        body = model.model_validate(fields)
        await create(body, _state(request))
    except (ValidationError, DomainError) as error:
        errors = form_errors(page, error, bad)
        return await _form_page(request, page, kind, form=form.kept(), errors=errors)
    return page.redirect(f"{BASE}?saved={getattr(body, 'code', '')}#{kind}s")


async def _save(
    request: Request,
    page: Page,
    form: FormData,
    kind: str,
    code: str,
    model: type[BaseModel],
    fields: dict[str, Any],
    update: Callable[[str, Any, Any], Awaitable[Any]],
    bad: tuple[str, ...] = (),
) -> Response:
    """Validate `fields` with the form's version as `model` and `update` the record `code`
    (the API route's own use case); refused as `_refused` explains."""
    try:
        body = model.model_validate({**fields, "version": form.get("version")})
        await update(code, body, _state(request))
    except (ValidationError, DomainError) as error:
        errors = form_errors(page, error, bad)
        return await _refused(request, page, kind, code, form, errors, error)
    return page.redirect(f"{BASE}?saved={code}#{kind}s")


async def _refused(
    request: Request,
    page: Page,
    kind: str,
    code: str,
    form: FormData,
    errors: FormErrors,
    error: Exception,
) -> Response:
    """An edit refused: what was typed again; after a stale version also what is saved
    now, its version in the hidden field."""
    if isinstance(error, NotFound):
        raise PageRefused(404, "web.error.not_found")
    kept = form.kept()
    saved = None
    if isinstance(error, Conflict):
        doc = await _saved_doc(request, _COLLECTIONS[kind], code)
        saved = _SHOWN[kind](doc)
        kept["version"] = str(doc["version"])
    return await _form_page(request, page, kind, code=code, form=kept, errors=errors, saved=saved)


# -- sectors ----------------------------------------------------------------------------
def _sector_form(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": doc["_id"],
        "name_vi": doc.get("name_vi", ""),
        "name_en": doc.get("name_en", ""),
        "version": str(doc["version"]),
    }


@router.post(BASE + "/sectors/new")
async def add_sector(request: Request, page: Page) -> Response:
    """Add a sector (`POST /api/v1/sectors`'s use case)."""
    page.require(Role.ADMIN)
    form = await page.form()
    fields = {key: form.get(key) for key in ("code", "name_vi", "name_en")}
    create = reference_api.create_sector
    return await _add(request, page, form, "sector", reference_api.SectorIn, fields, create)


@router.post(BASE + "/sectors/{code}/edit")
async def save_sector(request: Request, page: Page, code: CodePath) -> Response:
    """Save a sector's names at the version seen (`PUT /api/v1/sectors/{code}`)."""
    page.require(Role.ADMIN)
    form = await page.form()
    fields = {key: form.get(key) for key in ("name_vi", "name_en")}
    model, update = reference_api.SectorUpdate, reference_api.update_sector
    return await _save(request, page, form, "sector", code, model, fields, update)


# -- schools ----------------------------------------------------------------------------
def _school_form(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": doc["_id"],
        "name": doc.get("name", ""),
        "level": doc.get("level", ""),
        "ward": doc.get("ward", ""),
        "active": "1" if doc.get("active", True) else "",
        "version": str(doc["version"]),
    }


def _school_body(form: FormData, *, active: bool) -> dict[str, Any]:
    return {
        "name": form.get("name"),
        "level": form.get("level"),
        "ward": form.get("ward"),
        "active": active,
    }


@router.post(BASE + "/schools/new")
async def add_school(request: Request, page: Page) -> Response:
    """Add a school (`POST /api/v1/schools`'s use case; it becomes an organization too)."""
    page.require(Role.ADMIN)
    form = await page.form()
    fields = {**_school_body(form, active=True), "code": form.get("code")}
    create = reference_api.create_school
    return await _add(request, page, form, "school", reference_api.SchoolIn, fields, create)


@router.post(BASE + "/schools/{code}/edit")
async def save_school(request: Request, page: Page, code: CodePath) -> Response:
    """Save a school at the version seen (`PUT /api/v1/schools/{code}`)."""
    page.require(Role.ADMIN)
    form = await page.form()
    fields = _school_body(form, active=form.flag("active"))
    model, update = reference_api.SchoolUpdate, reference_api.update_school
    return await _save(request, page, form, "school", code, model, fields, update)


# -- organizations ----------------------------------------------------------------------
@router.post(BASE + "/organizations/new")
async def add_organization(request: Request, page: Page) -> Response:
    """Add an organization (`POST /api/v1/organizations`'s use case)."""
    page.require(Role.ADMIN)
    form = await page.form()
    fields = {
        "code": form.get("code"),
        "name": form.get("name"),
        "kind": form.get("kind"),
        "ward": form.optional("ward"),
    }
    create = reference_api.create_organization
    model = reference_api.OrganizationIn
    return await _add(request, page, form, "organization", model, fields, create)


_COLLECTIONS = {"ward": WARDS, "sector": SECTORS, "school": SCHOOLS}
_SHOWN = {"ward": _ward_form, "sector": _sector_form, "school": _school_form}
