"""The Consultation Point staff's console (issue 16): the verification queue (oldest first,
with what each startup left empty; verify or reject with a reason in one step), the
consultation queue with each request's ranked mentors, scores and reasons, proposing a
match, batch matching of every open request, and mentors' load this month.

Every rule is the services' (the same RPCs as `routes/startups.py` and
`routes/mentoring.py`); the pages only show and send."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import ValidationError

from services.gateway.access import ANYONE
from services.gateway.web.forms import FormErrors
from services.gateway.web.kit import Web, web
from shared.contracts.base import Role
from shared.contracts.events.registry import StartupStatus
from shared.contracts.rpc.mentoring.consultations import ListConsultations
from shared.contracts.rpc.mentoring.matches import BatchMatch, ProposeMatch, SuggestMentors
from shared.contracts.rpc.mentoring.mentors import ListMentors
from shared.contracts.rpc.mentoring.sessions import ListSessions
from shared.contracts.rpc.registry import (
    RejectStartup,
    SearchStartups,
    StatusChange,
    VerifyStartup,
)
from shared.infra.broker import RpcFailure
from shared.localtime import HCMC

router = APIRouter(include_in_schema=False, dependencies=[ANYONE])
Page = Annotated[Web, Depends(web)]
#: Who uses this console: the API's STAFF (routes/startups.py, routes/mentoring.py).
STAFF_ROLES = (Role.ASSOCIATION_STAFF, Role.ADMIN)
#: Fields a founder may leave empty at registration, shown as "missing" in the queue.
OPTIONAL_FIELDS = ("founding_date", "website", "tax_code", "founder_birth_year")
#: How many ranked mentors a request shows.
SUGGESTED = 5


async def _queue(page: Web) -> list[Any]:
    found = await page.try_call(
        SearchStartups(status=StartupStatus.SUBMITTED, page=1, page_size=100)
    )
    items = list(found.items) if found else []
    return sorted(items, key=lambda s: s.registered_at)


async def _render_queue(page: Web, *, status: int = 200, **more: Any) -> Response:
    await page.load_unread()
    queue = await _queue(page)
    missing = {s.id: [f for f in OPTIONAL_FIELDS if getattr(s, f) in (None, "")] for s in queue}
    return page.render(
        "console/staff.html",
        status=status,
        queue=queue,
        missing=missing,
        ward_names=await ward_names(page),
        **more,
    )


async def ward_names(page: Web) -> dict[str, str]:
    """Ward code → name, of every ward set (a startup keeps the ward it registered in)."""
    wards = await page.request.app.state.gateway.reference.wards(on=None, ward_set=None)
    return {str(d.get("code", d["_id"])): str(d["name"]) for d in wards}


@router.get("/console/staff")
async def staff_home(page: Page) -> Response:
    """The verification queue, oldest first."""
    page.require(*STAFF_ROLES)
    return await _render_queue(page, errors=None, done=None)


@router.post("/console/staff/startups/{startup_id}/decide")
async def decide(page: Page, startup_id: str) -> Response:
    """Verify or reject (`decision` = verify | reject) with the version seen; a rejection
    needs its reason (the registry says so next to the field)."""
    page.require(*STAFF_ROLES)
    form = await page.form()
    reason = form.optional("reason")
    try:
        version = int(form.get("version") or 0) or None
        if form.get("decision") == "reject":
            await page.call(
                RejectStartup(startup_id=startup_id[:64], reason=reason or "", version=version)
            )
        else:
            change = StatusChange(reason=reason, version=version)
            await page.call(VerifyStartup(startup_id=startup_id[:64], change=change))
    except (ValidationError, RpcFailure) as error:
        errors = page.errors_of(error)
        if isinstance(error, ValidationError) and not errors.fields.get("reason"):
            errors.fields["reason"] = errors.summary
        return await _render_queue(
            page, status=422, errors=errors, failed=startup_id, done=None, form=form.kept()
        )
    except ValueError:
        return await _render_queue(page, status=422, errors=FormErrors(), done=None)
    return page.redirect(f"/console/staff?done={form.get('decision') or 'verify'}")


async def _mentor_names(page: Web) -> dict[str, Any]:
    mentors = await page.try_call(ListMentors(page=1, page_size=100))
    return {m.id: m for m in mentors.items} if mentors else {}


@router.get("/console/staff/consultations")
async def consultations(page: Page) -> Response:
    """Open requests with their ranked mentors (score and reasons), oldest first."""
    page.require(*STAFF_ROLES)
    await page.load_unread()
    found = await page.try_call(ListConsultations(status="open", page=1, page_size=50))
    requests = sorted(found.items, key=lambda r: r.opened_at) if found else []
    suggestions: dict[str, list[Any]] = {}
    for item in requests[:20]:
        ranked = await page.try_call(SuggestMentors(request_id=item.id, limit=SUGGESTED))
        suggestions[item.id] = list(ranked.items) if ranked else []
    referrals: dict[str, int] = {}
    for item in requests:
        key = str(getattr(item.referred_by, "value", item.referred_by))
        referrals[key] = referrals.get(key, 0) + 1
    return page.render(
        "console/consultations.html",
        requests=requests,
        referrals=referrals,
        suggestions=suggestions,
        mentors=await _mentor_names(page),
        errors=None,
    )


@router.post("/console/staff/consultations/{request_id}/match")
async def propose(page: Page, request_id: str) -> Response:
    """Propose the chosen mentor; the mentor is told and answers in their pages."""
    page.require(*STAFF_ROLES)
    form = await page.form()
    try:
        await page.call(
            ProposeMatch(request_id=request_id[:64], mentor_id=form.get("mentor_id")[:64])
        )
    except (ValidationError, RpcFailure) as error:
        await page.load_unread()
        summary = page.errors_of(error).summary
        return page.render("error.html", status=409, message=summary)
    return page.redirect("/console/staff/consultations?proposed=1")


@router.get("/console/staff/batch")
async def batch_form(page: Page) -> Response:
    """What batch matching will do: every open request, before anything is sent."""
    page.require(*STAFF_ROLES)
    await page.load_unread()
    found = await page.try_call(ListConsultations(status="open", page=1, page_size=100))
    return page.render(
        "console/batch.html",
        requests=list(found.items) if found else [],
        result=None,
        mentors=await _mentor_names(page),
    )


@router.post("/console/staff/batch")
async def batch(page: Page) -> Response:
    """Propose mentors for the ticked open requests at once (the service maximises the
    total score within each mentor's capacity); shows what was proposed."""
    page.require(*STAFF_ROLES)
    form = await page.form()
    chosen = [value[:64] for value in form.all("request_ids")][:2000]
    result = await page.call(BatchMatch(request_ids=chosen or None))
    await page.load_unread()
    return page.render(
        "console/batch.html", requests=[], result=result, mentors=await _mentor_names(page)
    )


@router.get("/console/staff/mentors")
async def mentor_load(page: Page) -> Response:
    """Each mentor's sessions this month against their monthly capacity."""
    page.require(*STAFF_ROLES)
    await page.load_unread()
    now = datetime.now(HCMC)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    mentors = await _mentor_names(page)
    sessions = await page.try_call(ListSessions(starts_from=start, page=1, page_size=100))
    load: dict[str, int] = {}
    for session in sessions.items if sessions else []:
        load[session.mentor_id] = load.get(session.mentor_id, 0) + 1
    return page.render(
        "console/mentors.html", mentors=list(mentors.values()), load=load, month=start
    )
