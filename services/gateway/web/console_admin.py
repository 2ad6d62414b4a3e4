"""The Economic Division's (admin) console (issue 16): accounts (find, create staff with an
organization from the registry, disable, change role), dead letters with replay, and
the district report (pick a month, half or year; due date and completeness; CSV/XLSX;
lock; a new version with a reason; drift and versions).

The views call the JSON API's own use cases (`routes/admin.py`, `routes/reports.py`) with
the signed-in admin, so every rule and check is theirs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError

from services.gateway import reports
from services.gateway.access import ANYONE
from services.gateway.deps import Services
from services.gateway.domain import STAFF_ROLES
from services.gateway.problems import Problem
from services.gateway.routes import admin as admin_api
from services.gateway.routes import reports as report_api
from services.gateway.service import AuthFailure
from services.gateway.web.forms import FormErrors, problem_errors
from services.gateway.web.kit import PageRefused, Web, web
from shared.contracts.base import DomainError, PageQuery, Role
from shared.localtime import HCMC

router = APIRouter(include_in_schema=False, dependencies=[ANYONE])
Page = Annotated[Web, Depends(web)]


def _state(request: Request) -> Any:
    return request.app.state.gateway


def _errors(page: Web, error: Exception) -> FormErrors:
    if isinstance(error, Problem):
        return problem_errors(page, error)
    return page.errors_of(error)


async def _organizations(request: Request) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """The active units an account may be put in, `(code, name)`, and the names of every
    unit, deactivated ones included (accounts may still belong to one)."""
    docs, _ = await _state(request).reference.organizations(kind=None, skip=0, limit=500)
    names = {str(d["_id"]): str(d.get("name") or d.get("name_vi") or d["_id"]) for d in docs}
    active = [(str(d["_id"]), names[str(d["_id"])]) for d in docs if d.get("active") is not False]
    return active, names


async def _users_page(
    request: Request, page: Web, *, status: int = 200, errors: Any = None, form: Any = None
) -> Response:
    await page.load_unread()
    q = (request.query_params.get("q") or "").strip()[:100] or None
    role_raw = request.query_params.get("role") or ""
    role = Role(role_raw) if role_raw in {r.value for r in Role} else None
    found = await admin_api.list_users(_state(request), PageQuery(page=1, page_size=50), q, role)
    units, unit_names = await _organizations(request)
    return page.render(
        "console/admin_users.html",
        status=status,
        users=found.items,
        total=found.total,
        q=q or "",
        role=role.value if role else "",
        role_options=[(r.value, page.label("Role", r)) for r in Role],
        staff_roles=[(r.value, page.label("Role", r)) for r in Role if r in STAFF_ROLES],
        organizations=units,
        unit_names=unit_names,
        active_units={code for code, _name in units},
        errors=errors,
        form=form or {},
    )


@router.get("/console/admin")
async def users(request: Request, page: Page) -> Response:
    """Accounts: find by name or email (tones folded) and role; create a staff account."""
    page.require(Role.ADMIN)
    return await _users_page(request, page)


@router.post("/console/admin/users")
async def create_user(request: Request, page: Page) -> Response:
    """Create a staff account in an organization of the registry."""
    page.require(Role.ADMIN)
    form = await page.form()
    try:
        body = admin_api.StaffAccount.model_validate(
            {
                "email": form.get("email"),
                "password": form.get("password"),
                "full_name": form.get("full_name"),
                "role": form.get("role"),
                "organization": form.get("organization"),
            }
        )
        await admin_api.create_user(body, _state(request), request)
    except (ValidationError, Problem, DomainError, AuthFailure) as error:
        return await _users_page(
            request, page, status=422, errors=_errors(page, error), form=form.kept()
        )
    return page.redirect(f"/console/admin?q={form.get('email')}")


@router.post("/console/admin/users/{user_id}")
async def change_user(request: Request, page: Page, user_id: str) -> Response:
    """Change a role or an organization, disable or enable an account."""
    actor = page.require(Role.ADMIN)
    form = await page.form()
    change: dict[str, Any] = {}
    if form.get("role"):
        change["role"] = form.get("role")
    if form.get("organization"):
        change["organization"] = form.get("organization")
    if form.get("disabled") in ("true", "false"):
        change["disabled"] = form.get("disabled") == "true"
    try:
        body = admin_api.AccountChange.model_validate(change)
        await admin_api.administer_user(user_id[:64], body, actor, _state(request), request)
    except (ValidationError, Problem, DomainError, AuthFailure) as error:
        return await _users_page(request, page, status=422, errors=_errors(page, error))
    return page.redirect(f"/console/admin?q={form.get('back_q')}")


@router.get("/console/admin/dead-letters")
async def dead_letters(request: Request, page: Page) -> Response:
    """Events a consumer failed on after every retry, with the error, oldest first."""
    page.require(Role.ADMIN)
    await page.load_unread()
    found = await admin_api.list_dead_letters(_state(request), PageQuery(page=1, page_size=50))
    return page.render("console/admin_dead_letters.html", letters=found.items, total=found.total)


@router.post("/console/admin/dead-letters/{letter_id}/replay")
async def replay(request: Request, page: Page, letter_id: int) -> Response:
    """Publish the event again to its subject; it leaves the dead letters."""
    page.require(Role.ADMIN)
    await page.form()
    try:
        await admin_api.replay(letter_id, _state(request))
    except Problem:
        raise PageRefused(404, "web.error.not_found") from None
    return page.redirect("/console/admin/dead-letters?replayed=1")


def default_period() -> str:
    """The month before the current one (the one due to the district), `YYYY-MM`."""
    now = datetime.now(HCMC)
    year, month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def chosen_period(request: Request, default: str | None = None) -> str:
    """The period asked for (`?period=`, else `default`, else the month before this one),
    canonical; a malformed one is refused with a 422 page."""
    period, bad = typed_period(request, default)
    if bad:
        raise PageRefused(422, "console.report.bad_period")
    return period


def typed_period(request: Request, default: str | None = None) -> tuple[str, bool]:
    """The period asked for (`?period=`, else `default`, else the month before this one):
    `(canonical, False)`, or `(what was typed, True)` when it is malformed."""
    raw = (request.query_params.get("period") or default or default_period()).strip()[:32]
    try:
        return reports.parse_period(raw).label, False
    except (Problem, DomainError, ValueError):
        return raw, True


def period_refused(
    page: Web, action: str, title_id: str, typed: str, *, name: str = "period", **params: Any
) -> Response:
    """A malformed period (or year) asked for: the page's title and its period form again,
    with what was typed and the error beside it (422), so it can be corrected."""
    return page.render(
        "console/period_refused.html",
        status=422,
        action=action,
        title=page.t(title_id, **params),
        period=typed,
        error=page.t("console.report.bad_period"),
        name=name,
    )


async def district(request: Request, period: str, locale: str | None = None) -> dict[str, Any]:
    """The district report's JSON for `period`, exactly as `GET /reports/district` answers
    it for the signed-in reader; with `locale`, its period title and labels in that locale
    (the page's language, which the reader may have switched from their saved one)."""
    found = await report_api.district_report(
        period, Services(request), _state(request), request, format="json"
    )
    report = dict(found.model_dump(mode="json"))
    if locale is not None:
        names = await report_api.report_names(_state(request), locale)
        report["period_title"] = reports.period_title(reports.parse_period(period), locale)
        report["labels"] = reports.labels(report, locale, names)
    return report


async def _report_page(
    request: Request, page: Web, period: str, *, status: int = 200, errors: Any = None
) -> Response:
    await page.load_unread()
    report = await district(request, period, page.locale)
    names = await report_api.report_names(_state(request), page.locale)
    versions = await report_api.report_versions(period, _state(request))
    return page.render(
        "console/admin_report.html",
        status=status,
        period=period,
        report=report,
        sections=reports.SECTIONS,
        titles={s: reports.heading(s, page.locale) for s in reports.SECTIONS},
        rows={s: reports.rows(report.get(s) or {}, page.locale, names) for s in reports.SECTIONS},
        versions=versions.items,
        errors=errors,
    )


@router.get("/console/admin/report")
async def report(request: Request, page: Page) -> Response:
    """The district report of a period with its due date, completeness, lock and drift."""
    page.require(Role.ADMIN)
    period, bad = typed_period(request)
    if bad:
        await page.load_unread()
        return period_refused(page, "/console/admin/report", "console.admin.report", period)
    return await _report_page(request, page, period)


@router.get("/console/admin/report/download")
async def download(request: Request, page: Page) -> Response:
    """The period's report as CSV or XLSX (`?format=`), as the JSON API renders it."""
    page.require(Role.ADMIN, Role.ORGANIZER)
    period = chosen_period(request)
    format: Literal["csv", "xlsx"] = (
        "csv" if request.query_params.get("format") == "csv" else "xlsx"
    )
    # In the page's language (the switch may differ from the browser's), as the page shows.
    answer: Response = await report_api.district_report_in(
        period, Services(request), _state(request), page.locale, format=format
    )
    answer.headers["Cache-Control"] = "no-store"
    return answer


@router.post("/console/admin/report/lock")
async def lock(request: Request, page: Page) -> Response:
    """Lock the period's figures as a new version (a reason from the second version on)."""
    actor = page.require(Role.ADMIN)
    form = await page.form()
    period = chosen_period(request)
    try:
        body = report_api.LockRequest(reason=form.optional("reason"))
        await report_api.lock_report(period, actor, Services(request), _state(request), body)
    except (ValidationError, Problem) as error:
        errors = _errors(page, error)
        errors.fields.setdefault("reason", errors.summary)
        return await _report_page(request, page, period, status=422, errors=errors)
    return page.redirect(f"/console/admin/report?period={period}&locked=1")
