"""The steps every page of the reference-data editor shares: reading what an admin types
(days dd/mm/yyyy, lists of codes), the add and edit form of a kind, one add step and one
save step over the JSON API's own use cases, and their refusals shown next to the fields
in the page's language with everything typed kept.

A kind (ward, sector, school, organization) describes itself once as a `Kind`: its
collection, how a saved record fills its form, how a posted form reads, the JSON API's
models and use cases it goes through, and what else its form shows (options);
`kind_router` gives it its four pages."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from services.gateway.access import ANYONE
from services.gateway.problems import Problem
from services.gateway.routes import reference as reference_api
from services.gateway.web.forms import FormData, FormErrors, problem_errors
from services.gateway.web.kit import PageRefused, Web, web
from shared.contracts.base import Conflict, DomainError, NotFound, Role

Page = Annotated[Web, Depends(web)]
BASE = "/console/admin/reference"
#: A record's code in a path; organization codes may hold `_` (`youth_union`) and run to
#: 80 characters, the others are shorter: an unknown code is a 404 page either way.
CodePath = Annotated[str, Path(min_length=2, max_length=80, pattern=r"^[a-z0-9][a-z0-9_\-]*$")]
#: `dd/mm/yyyy` (day and month may have one digit), as people in Viet Nam write a day.
TYPED_DAY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
#: A record as saved (`_id`, `version`, its fields) → what its form shows, all text.
Shown = Callable[[dict[str, Any]], dict[str, Any]]
#: (request, page, what the form holds) → what else the kind's form shows (its options).
Options = Callable[[Request, Web, dict[str, Any]], Awaitable[dict[str, Any]]]
#: (posted form, whether it adds a record) → the fields to validate (without `code`) and
#: the names of the day fields that could not be read.
Typed = Callable[[FormData, bool], tuple[dict[str, Any], tuple[str, ...]]]
#: The JSON API's use cases: create(body, state) and update(code, body, state).
Create = Callable[[Any, Any], Awaitable[Any]]
Update = Callable[[str, Any, Any], Awaitable[Any]]


async def no_options(request: Request, page: Web, typed: dict[str, Any]) -> dict[str, Any]:
    """Nothing besides the typed fields (a sector's form)."""
    return {}


@dataclass(frozen=True)
class Kind:
    """One kind of reference data as the editor handles it: `name` (`ward`: the template's
    branch and the `/wards/...` paths), its store `collection`, `shown` (the form of a
    saved record), `typed` (the fields of a posted form), the API's models for a new
    record (`new`) and a change (`change`) and its use cases (`create`, `update`: the
    routes of `routes/reference.py`), and `options` (e.g. the wards a school may be in)."""

    name: str
    collection: str
    shown: Shown
    typed: Typed
    new: type[BaseModel]
    change: type[BaseModel]
    create: Create
    update: Update
    options: Options = no_options


def state_of(request: Request) -> Any:
    """The gateway's use cases (`request.app.state.gateway`)."""
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
    problem's by the fields it names (an unknown ward), a taken code next to `code`, a
    missing predecessor next to `predecessors`, a stale version explained in the summary,
    and each unreadable day (`bad_days`) next to its box."""
    errors = problem_errors(page, error) if isinstance(error, Problem) else page.errors_of(error)
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


async def saved_doc(request: Request, kind: Kind, code: str) -> dict[str, Any]:
    """The record `code` of `kind` as saved now; a 404 page when there is none."""
    try:
        doc: dict[str, Any] = await state_of(request).reference.get(kind.collection, code)
    except NotFound:
        raise PageRefused(404, "web.error.not_found") from None
    return doc


async def ward_options(request: Request, keep: str = "") -> list[tuple[str, str]]:
    """The wards valid today as `(code, name)`, and `keep` (the record's own ward) if older,
    so editing a record in a former ward does not silently move it."""
    state = state_of(request)
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


async def form_page(
    request: Request,
    page: Web,
    kind: Kind,
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
    context = await kind.options(request, page, typed)
    plural = f"{BASE}/{kind.name}s"
    return page.render(
        "console/reference_form.html",
        status=(409 if saved else 422) if errors else 200,
        kind=kind.name,
        code=code,
        action=f"{plural}/{code}/edit" if code else f"{plural}/new",
        form=typed,
        errors=errors,
        saved=saved,
        **context,
    )


async def edit_page(request: Request, page: Web, kind: Kind, code: str) -> Response:
    """The form of `kind`'s record `code` filled with what is saved now, its version in a
    hidden field; a 404 page for an unknown code."""
    doc = await saved_doc(request, kind, code)
    return await form_page(request, page, kind, code=code, form=kind.shown(doc))


def kind_router(kind: Kind) -> APIRouter:
    """The four pages of `kind` under `BASE/<name>s`, for admins only: the empty form
    (`GET new`), adding a record (`POST new`), a saved record's form (`GET {code}/edit`)
    and saving it at the version the form was opened with (`POST {code}/edit`)."""
    router = APIRouter(include_in_schema=False, dependencies=[ANYONE])
    plural = f"{BASE}/{kind.name}s"

    @router.get(plural + "/new", name=f"new_{kind.name}")
    async def new_form(request: Request, page: Page) -> Response:
        """The empty form to add a record of this kind."""
        page.require(Role.ADMIN)
        return await form_page(request, page, kind)

    @router.post(plural + "/new", name=f"add_{kind.name}")
    async def add_record(request: Request, page: Page) -> Response:
        """Add a record (the `POST /api/v1/<kind>s` use case); refused next to the fields,
        everything typed kept."""
        page.require(Role.ADMIN)
        form = await page.form()
        fields, bad = kind.typed(form, True)
        return await add(request, page, form, kind, {**fields, "code": form.get("code")}, bad)

    @router.get(plural + "/{code}/edit", name=f"edit_{kind.name}")
    async def edit_form(request: Request, page: Page, code: CodePath) -> Response:
        """A record's form filled with what is saved now; a 404 page for an unknown code."""
        page.require(Role.ADMIN)
        return await edit_page(request, page, kind, code)

    @router.post(plural + "/{code}/edit", name=f"save_{kind.name}")
    async def save_record(request: Request, page: Page, code: CodePath) -> Response:
        """Save a record at the version the form was opened with (the `PUT
        /api/v1/<kind>s/{code}` use case). A stale version changes nothing: the page says
        so, keeps what was typed, shows what is saved now and carries the new version, so
        saving again is deliberate."""
        page.require(Role.ADMIN)
        form = await page.form()
        fields, bad = kind.typed(form, False)
        return await save(request, page, form, kind, code, fields, bad)

    return router


async def add(
    request: Request,
    page: Web,
    form: FormData,
    kind: Kind,
    fields: dict[str, Any],
    bad: tuple[str, ...] = (),
) -> Response:
    """Validate `fields` as `kind.new` and create it (the API route's own use case); back
    to the list saying what was saved, or the form again with each error next to its field
    and everything typed kept (`bad`: the day fields that could not be read)."""
    try:
        body = kind.new.model_validate(fields)
        await kind.create(body, state_of(request))
    except (ValidationError, DomainError, Problem) as error:
        errors = form_errors(page, error, bad)
        return await form_page(request, page, kind, form=form.kept(), errors=errors)
    return page.redirect(f"{BASE}?saved={getattr(body, 'code', '')}#{kind.name}s")


async def save(
    request: Request,
    page: Web,
    form: FormData,
    kind: Kind,
    code: str,
    fields: dict[str, Any],
    bad: tuple[str, ...] = (),
) -> Response:
    """Validate `fields` with the form's version as `kind.change` and update the record
    `code` (the API route's own use case); back to the list saying what was saved, or
    refused as `refused` explains."""
    try:
        body = kind.change.model_validate({**fields, "version": form.get("version")})
        await kind.update(code, body, state_of(request))
    except (ValidationError, DomainError, Problem) as error:
        errors = form_errors(page, error, bad)
        return await refused(request, page, kind, code, form, errors, error)
    return page.redirect(f"{BASE}?saved={code}#{kind.name}s")


async def refused(
    request: Request,
    page: Web,
    kind: Kind,
    code: str,
    form: FormData,
    errors: FormErrors,
    error: Exception,
) -> Response:
    """An edit refused: a 404 page for a record gone; otherwise what was typed again, and
    after a stale version (409) also what is saved now, its version in the hidden field,
    so saving again is deliberate."""
    if isinstance(error, NotFound):
        raise PageRefused(404, "web.error.not_found")
    kept = form.kept()
    saved = None
    if isinstance(error, Conflict):
        doc = await saved_doc(request, kind, code)
        saved = kind.shown(doc)
        kept["version"] = str(doc["version"])
    return await form_page(request, page, kind, code=code, form=kept, errors=errors, saved=saved)
