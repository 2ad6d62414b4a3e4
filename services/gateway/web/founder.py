"""The founder's pages: `/me` dashboard, create and edit a startup (a stale version is
explained), ask the Consultation Point for advice, book a session with the accepted mentor,
rate a held session and enter a competition. Every rule is the services' (same RPCs)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError

from services.gateway.access import ANYONE
from services.gateway.web.booking import (
    booking,
    certificates_count,
    sessions_to_complete,
    upcoming_sessions,
)
from services.gateway.web.forms import FormData, FormErrors
from services.gateway.web.kit import PageRefused, Web, WebRoute, web
from services.gateway.web.public import wards_and_sectors
from shared.contracts.base import Role
from shared.contracts.events.mentoring import Mode
from shared.contracts.events.registry import Need
from shared.contracts.rpc.competitions.contests import GetCompetition
from shared.contracts.rpc.competitions.entries import EntryFields, SubmitEntry
from shared.contracts.rpc.mentoring.consultations import (
    ConsultationDraft,
    GetConsultation,
    ListConsultations,
    OpenConsultation,
)
from shared.contracts.rpc.mentoring.mentors import GetMentor
from shared.contracts.rpc.mentoring.sessions import (
    FeedbackDraft,
    GetSession,
    RecordFeedback,
    ScheduleSession,
    SessionDraft,
)
from shared.contracts.rpc.registry import (
    GetStartup,
    GetStartupHistory,
    RegisterStartup,
    SearchStartups,
    StartupChanges,
    StartupFields,
    UpdateStartup,
)
from shared.infra.broker import RpcFailure
from shared.localtime import HCMC

router = APIRouter(include_in_schema=False, dependencies=[ANYONE], route_class=WebRoute)
Page = Annotated[Web, Depends(web)]
#: What the founder does next, by status of a startup (catalogue ids).
NEXT_STEP = {
    "submitted": "web.next.submitted",
    "verified": "web.next.verified",
    "rejected": "web.next.rejected",
    "active": "web.next.active",
    "graduated": "web.next.graduated",
    "closed": "web.next.closed",
}


async def my_startups(page: Web, actor_id: str) -> list[Any]:
    """The reader's startups, every status (the registry shows owners all of theirs)."""
    found = await page.try_call(SearchStartups(owner_id=actor_id, page=1, page_size=50))
    return list(found.items) if found else []


@router.get("/me")
async def dashboard(page: Page) -> Response:
    """Startups with status and next step, upcoming sessions (local time, linked to their
    pages), consultations and proposals, certificates held, unread notices; for a mentor
    also their own profile (`GetMentor`)."""
    actor = page.require()
    founder = actor.role == Role.FOUNDER
    mentor = actor.role == Role.MENTOR

    async def startups_of() -> list[Any]:
        return await my_startups(page, actor.id) if founder else []

    async def consultations_of() -> Any:
        if founder or mentor:
            return await page.try_call(ListConsultations(page=1, page_size=50))
        return None

    async def sessions_of() -> list[Any]:
        return await upcoming_sessions(page) if founder or mentor else []

    async def to_complete_of() -> list[Any]:
        return await sessions_to_complete(page) if mentor else []

    async def profile_of() -> Any:
        return await page.try_call(GetMentor(mentor_id=actor.id)) if mentor else None

    _, startups, consultations, sessions, to_complete, profile, certificates = await asyncio.gather(
        page.load_unread(),
        startups_of(),
        consultations_of(),
        sessions_of(),
        to_complete_of(),
        profile_of(),
        certificates_count(page, actor.id),
    )
    return page.render(
        "me.html",
        startups=startups,
        consultations=consultations,
        next_step=NEXT_STEP,
        sessions=sessions,
        to_complete=to_complete,
        profile=profile,
        certificates=certificates,
    )


def _startup_fields(form: FormData) -> dict[str, Any]:
    return {
        "name": form.get("name"),
        "summary": form.get("summary"),
        "sector": form.get("sector"),
        "stage": form.get("stage"),
        "ward": form.get("ward"),
        "founding_date": form.optional("founding_date"),
        "women_led": form.flag("women_led"),
        "youth_led": form.flag("youth_led"),
        "founder_birth_year": form.optional("founder_birth_year"),
        "needs": form.all("needs"),
        "website": form.optional("website"),
        "tax_code": form.optional("tax_code"),
        "visibility": form.get("visibility") or "public",
    }


async def _startup_form(
    request: Request,
    page: Web,
    *,
    form: dict[str, Any],
    errors: Any,
    status: int = 200,
    **more: Any,
) -> Response:
    await page.load_unread()
    refs = await wards_and_sectors(request, page.locale)
    return page.render(
        "startup_form.html",
        status=status,
        form=form,
        errors=errors,
        needs=list(Need),
        **refs,
        **more,
    )


@router.get("/startups/new")
async def new_startup_form(request: Request, page: Page) -> Response:
    """The registration form of a startup or an idea."""
    page.require(Role.FOUNDER)
    return await _startup_form(request, page, form={"visibility": "public"}, errors=None)


@router.post("/startups/new")
async def new_startup(request: Request, page: Page) -> Response:
    """Register it; it waits for the Consultation Point to verify it."""
    page.require(Role.FOUNDER)
    form = await page.form()
    try:
        created = await page.call(RegisterStartup(startup=StartupFields(**_startup_fields(form))))
    except (ValidationError, RpcFailure) as error:
        return await _startup_form(
            request, page, form=form.kept(), errors=page.errors_of(error), status=422
        )
    return page.redirect(f"/startups/{created.id}")


@router.get("/startups/{startup_id}/edit")
async def edit_startup_form(request: Request, startup_id: str, page: Page) -> Response:
    """The startup's fields to change, with the version they were read at."""
    actor = page.require(Role.FOUNDER, Role.ASSOCIATION_STAFF, Role.ADMIN)
    found = await page.call(GetStartup(startup_id=startup_id[:64]))
    if actor.role == Role.FOUNDER and found.owner_id != actor.id:
        # Refused before anything is typed, not after (another founder's startup).
        raise PageRefused(403, "web.error.forbidden")
    form = found.model_dump(mode="json")
    form["needs"] = [str(n) for n in found.needs]
    return await _startup_form(request, page, form=form, errors=None, startup=found)


@router.post("/startups/{startup_id}/edit")
async def edit_startup(request: Request, startup_id: str, page: Page) -> Response:
    """Save with the version read; a stale version shows what someone else changed."""
    page.require(Role.FOUNDER, Role.ASSOCIATION_STAFF, Role.ADMIN)
    form = await page.form()
    current = await page.call(GetStartup(startup_id=startup_id[:64]))
    try:
        changes = StartupChanges(version=int(form.get("version") or 0), **_startup_fields(form))
        saved = await page.call(UpdateStartup(startup_id=current.id, changes=changes))
    except (ValidationError, RpcFailure, ValueError) as error:
        # A pydantic `ValidationError` is a `ValueError` too: only a malformed `version`
        # (from `int`) has no field errors of its own.
        if isinstance(error, ValidationError | RpcFailure):
            errors = page.errors_of(error)
        else:
            errors = FormErrors(summary=page.t("web.form.fix_errors"))
        changed: list[tuple[str, Any]] = []
        if isinstance(error, RpcFailure) and str(error.code) == "conflict":
            fresh = await page.call(GetStartup(startup_id=current.id))
            mine = _startup_fields(form)
            changed = [
                (key, getattr(fresh, key))
                for key in ("name", "summary", "sector", "stage", "ward", "website")
                if str(getattr(fresh, key) or "") != str(mine.get(key) or "")
            ]
            errors = FormErrors(summary=page.t("web.startup.conflict"))
        kept = form.kept()
        kept["version"] = str(current.version)
        return await _startup_form(
            request,
            page,
            form=kept,
            errors=errors,
            status=409 if changed else 422,
            startup=current,
            changed=changed,
        )
    return page.redirect(f"/startups/{saved.id}")


@router.get("/consultations/new")
async def consultation_form(page: Page, startup: str = "") -> Response:
    """Ask the Consultation Point for advice on one of the reader's startups (`startup`
    chosen first when given)."""
    actor = page.require(Role.FOUNDER)
    await page.load_unread()
    startups = await my_startups(page, actor.id)
    return page.render(
        "consultation_form.html",
        startups=startups,
        form={},
        errors=None,
        modes=list(Mode),
        request_startup=startup[:64],
    )


@router.post("/consultations/new")
async def open_consultation(page: Page) -> Response:
    """File the request (topics separated by commas)."""
    actor = page.require(Role.FOUNDER)
    form = await page.form()
    topics = [t.strip() for t in form.get("topics").split(",") if t.strip()]
    try:
        draft = ConsultationDraft(
            startup_id=form.get("startup_id"),
            topics=topics,
            message=form.get("message"),
            language=page.locale,
            mode=form.get("mode") or "in_person",
        )
        created = await page.call(OpenConsultation(draft=draft))
    except (ValidationError, RpcFailure) as error:
        await page.load_unread()
        startups = await my_startups(page, actor.id)
        return page.render(
            "consultation_form.html",
            status=422,
            startups=startups,
            form=form.kept(),
            errors=page.errors_of(error),
            modes=list(Mode),
        )
    return page.redirect(f"/consultations/{created.id}")


@router.get("/consultations/{request_id}")
async def consultation(page: Page, request_id: str) -> Response:
    """One request: its status, the proposed mentor by name and, once matched, booking in
    the mentor's free slots of the coming week."""
    page.require()
    await page.load_unread()
    found = await page.call(GetConsultation(request_id=request_id[:64]))
    return page.render(
        "consultation.html",
        consultation=found,
        form={},
        errors=None,
        booked=None,
        **await booking(page, found),
    )


def _local(value: str) -> datetime:
    """A `datetime-local` field's value read in Asia/Ho_Chi_Minh."""
    return datetime.fromisoformat(value).replace(tzinfo=HCMC)


@router.post("/consultations/{request_id}/book")
async def book(page: Page, request_id: str) -> Response:
    """Book a session at the start chosen in the week view (`slot`), or else at the time
    typed (`starts_at`), inside the mentor's availability (the service checks the slot)."""
    page.require(Role.FOUNDER)
    form = await page.form()
    found = await page.call(GetConsultation(request_id=request_id[:64]))
    errors = None
    booked = None
    try:
        starts = _local(form.get("slot") or form.get("starts_at"))
        minutes = int(form.get("minutes") or "60")
        draft = SessionDraft(
            match_id=found.match_id or "",
            starts_at=starts,
            ends_at=starts + timedelta(minutes=max(5, min(minutes, 600))),
            mode=form.get("mode") or "in_person",
        )
        booked = await page.call(ScheduleSession(draft=draft))
    except (ValidationError, RpcFailure) as error:
        errors = page.errors_of(error)
    except ValueError:
        errors = FormErrors(fields={"starts_at": page.t("web.form.bad_time")})
    await page.load_unread()
    return page.render(
        "consultation.html",
        status=201 if booked else 422,
        consultation=found,
        form=form.kept(),
        errors=errors,
        booked=booked,
        **await booking(page, found),
    )


@router.get("/sessions/{session_id}/rate")
async def rate_form(page: Page, session_id: str) -> Response:
    """Rate a held session 1–5 (its founder only: another's is refused at once)."""
    page.require(Role.FOUNDER)
    await page.call(GetSession(session_id=session_id[:64]))  # 404/403 page for another's
    await page.load_unread()
    return page.render("rate.html", session_id=session_id[:64], errors=None, done=None, form={})


@router.post("/sessions/{session_id}/rate")
async def rate(page: Page, session_id: str) -> Response:
    """Record the rating, once."""
    page.require(Role.FOUNDER)
    form = await page.form()
    done = None
    errors = None
    try:
        feedback = FeedbackDraft(rating=form.get("rating") or 0, comment=form.get("comment"))
        done = await page.call(RecordFeedback(session_id=session_id[:64], feedback=feedback))
    except (ValidationError, RpcFailure) as error:
        errors = page.errors_of(error)
    await page.load_unread()
    return page.render(
        "rate.html",
        status=200 if done else 422,
        session_id=session_id[:64],
        errors=errors,
        done=done,
        form=form.kept(),
    )


@router.get("/competitions/{competition_id}/enter")
async def entry_form(page: Page, competition_id: str) -> Response:
    """Enter one of the reader's startups in a competition."""
    actor = page.require(Role.FOUNDER)
    await page.load_unread()
    found = await page.call(GetCompetition(competition_id=competition_id[:64]))
    startups = await my_startups(page, actor.id)
    return page.render(
        "entry_form.html", competition=found, startups=startups, form={}, errors=None
    )


@router.post("/competitions/{competition_id}/enter")
async def enter(page: Page, competition_id: str) -> Response:
    """Submit the entry; the competition checks deadline and eligibility."""
    actor = page.require(Role.FOUNDER)
    form = await page.form()
    found = await page.call(GetCompetition(competition_id=competition_id[:64]))
    try:
        entry = EntryFields(
            startup_id=form.get("startup_id"),
            title=form.get("title"),
            description=form.get("description"),
        )
        await page.call(SubmitEntry(competition_id=found.id, entry=entry))
    except (ValidationError, RpcFailure) as error:
        await page.load_unread()
        startups = await my_startups(page, actor.id)
        return page.render(
            "entry_form.html",
            status=422,
            competition=found,
            startups=startups,
            form=form.kept(),
            errors=page.errors_of(error),
        )
    return page.redirect(f"/competitions/{found.id}?entered=1")


@router.get("/startups/{startup_id}/history")
async def history(page: Page, startup_id: str) -> Response:
    """Every change of the startup, oldest first, with when and what."""
    page.require(Role.FOUNDER, Role.ASSOCIATION_STAFF, Role.ADMIN)
    await page.load_unread()
    found = await page.call(GetStartup(startup_id=startup_id[:64]))
    events = await page.call(GetStartupHistory(startup_id=found.id))
    return page.render("history.html", startup=found, history=events)
