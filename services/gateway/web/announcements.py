"""The organizer's event pages (issue 18, DESIGN §9): the form that announces an event
(a draft), its manage page with the seats, the waitlist and cancellations, publishing,
cancelling and closing it, and checking people in from a phone by typing or pasting the
ticket code (no JavaScript needed). The public pages are in `events`.

Every rule is the events service's: these views call the same RPCs as `routes/events.py`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from services.gateway.access import ANYONE
from services.gateway.web.events import ANNOUNCERS, ask, path_id
from services.gateway.web.forms import FormData, FormErrors
from services.gateway.web.kit import Web, web
from services.gateway.web.public import wards_and_sectors
from services.gateway.web.units import units
from shared.contracts.base import Role
from shared.contracts.events.events import EventKind, RegistrationStatus
from shared.contracts.rpc.events.announcements import (
    CancelEvent,
    CloseEvent,
    CreateEvent,
    EventFields,
    EventView,
    GetEvent,
    PublishEvent,
)
from shared.contracts.rpc.events.attendance import CheckIn, CheckInFields
from shared.contracts.rpc.events.kinds import MAX_CAPACITY, MIN_CAPACITY
from shared.contracts.rpc.events.registrations import ListRegistrations, RegistrationView
from shared.infra.broker import RpcFailure
from shared.localtime import HCMC

router = APIRouter(include_in_schema=False, dependencies=[ANYONE])
Page = Annotated[Web, Depends(web)]
#: Sitting rows offered by the create form (the contract allows up to 30 through the API).
FORM_SITTINGS = 3


async def _organizations(request: Request) -> list[tuple[str, str]]:
    """The units a new event may name as organizers: the active district unions and
    divisions and ward committees of the reference data."""
    return await units(request, active=True)


# --- organizer: create --------------------------------------------------------------


def _local(value: str) -> datetime | None:
    """A `datetime-local` value (`2026-12-01T08:30`) as that moment in Asia/Ho_Chi_Minh."""
    if not value:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=HCMC)


def _event_fields(form: FormData) -> tuple[dict[str, Any], FormErrors]:
    """The form's fields as `EventFields` input, and the errors of unreadable times."""
    errors = FormErrors()
    sittings = []
    for n in range(1, FORM_SITTINGS + 1):
        start, end = form.get(f"s{n}_start"), form.get(f"s{n}_end")
        if not start and not end:
            continue
        try:
            starts, ends = _local(start), _local(end)
            if starts is None or ends is None:
                raise ValueError(start or end)
            sittings.append({"starts_at": starts, "ends_at": ends})
        except ValueError:
            errors.fields[f"s{n}_start"] = errors.fields[f"s{n}_end"] = ""
    for name in ("registration_closes_at",):
        try:
            _local(form.get(name))
        except ValueError:
            errors.fields[name] = ""
    fields: dict[str, Any] = {
        "title": form.get("title"),
        "kind": form.get("kind"),
        "organizers": form.all("organizers"),
        "description": form.get("description"),
        "place": form.optional("place"),
        "online_link": form.optional("online_link"),
        "sittings": sittings,
        "capacity": form.get("capacity"),
        "audience": {"wards": form.all("wards"), "roles": form.all("roles")},
        "certificate": form.flag("certificate"),
        "min_sittings": form.optional("min_sittings"),
    }
    if not errors.fields:
        fields["registration_closes_at"] = _local(form.get("registration_closes_at"))
    return fields, errors


async def _create_form(
    request: Request, page: Web, *, form: dict[str, Any], errors: Any, status: int = 200
) -> Response:
    await page.load_unread()
    refs = await wards_and_sectors(request, page.locale)
    return page.render(
        "events/form.html",
        status=status,
        form=form,
        errors=errors,
        kinds=[(k.value, page.label("EventKind", k)) for k in EventKind],
        wards=refs["wards"],
        organizations=await _organizations(request),
        audience_roles=[(r.value, page.label("Role", r)) for r in (Role.FOUNDER, Role.MENTOR)],
        sitting_rows=range(1, FORM_SITTINGS + 1),
        min_capacity=MIN_CAPACITY,
        max_capacity=MAX_CAPACITY,
    )


@router.get("/events/new")
async def new_event_form(request: Request, page: Page) -> Response:
    """The announcement form: every field with its bounds, up to three sittings."""
    actor = page.require(*ANNOUNCERS)
    form: dict[str, Any] = {"capacity": "50", "kind": EventKind.TRAINING.value}
    if actor.organization:
        form["organizers"] = [actor.organization]
    return await _create_form(request, page, form=form, errors=None)


@router.post("/events/new")
async def new_event(request: Request, page: Page) -> Response:
    """Create the draft; its organizer page follows, to publish it."""
    page.require(*ANNOUNCERS)
    form = await page.form()
    fields, errors = _event_fields(form)
    if errors:
        for name in errors.fields:
            errors.fields[name] = page.t("web.events.bad_time")
        errors.summary = page.t("web.form.fix_errors")
        return await _create_form(request, page, form=form.kept(), errors=errors, status=422)
    try:
        created = await page.call(CreateEvent(event=EventFields.model_validate(fields)))
    except (ValidationError, RpcFailure) as error:
        found = page.errors_of(error)
        return await _create_form(request, page, form=form.kept(), errors=found, status=422)
    return page.redirect(f"/events/{created.id}/manage")


# --- organizer: manage, check in, close -----------------------------------------------


async def _manage_page(
    page: Web, event: EventView, *, errors: FormErrors | None = None, status: int = 200
) -> Response:
    registrations: list[RegistrationView] = []
    for state in RegistrationStatus:
        found = await page.call(
            ListRegistrations(event_id=event.id, status=state, page=1, page_size=100)
        )
        registrations.extend(found.items)
    await page.load_unread()
    return page.render(
        "events/manage.html",
        status=status,
        event=event,
        registrations=registrations,
        errors=errors,
        form={},
    )


@router.get("/events/{event_id}/manage")
async def manage(event_id: str, page: Page) -> Response:
    """Publish, cancel or close; the seats, the waitlist in order and cancellations."""
    page.require(*ANNOUNCERS)
    event = await page.call(GetEvent(event_id=path_id(event_id)))
    return await _manage_page(page, event)


async def _organizer_action(page: Web, event_id: str, action: str) -> Response:
    page.require(*ANNOUNCERS)
    form = await page.form()
    event = await page.call(GetEvent(event_id=path_id(event_id)))
    try:
        if action == "publish":
            await ask(page, PublishEvent(event_id=event.id))
        elif action == "close":
            await ask(page, CloseEvent(event_id=event.id))
        else:
            await ask(page, CancelEvent(event_id=event.id, reason=form.get("reason")))
    except (ValidationError, RpcFailure) as error:
        errors = page.errors_of(error)
        if isinstance(error, ValidationError):
            errors.fields.setdefault("reason", errors.summary)
        return await _manage_page(page, event, errors=errors, status=422)
    return page.redirect(f"/events/{event.id}/manage")


@router.post("/events/{event_id}/publish")
async def publish(event_id: str, page: Page) -> Response:
    """Announce the draft: registration opens."""
    return await _organizer_action(page, event_id, "publish")


@router.post("/events/{event_id}/close")
async def close(event_id: str, page: Page) -> Response:
    """Close as held (after the start): certificates of attendance are issued."""
    return await _organizer_action(page, event_id, "close")


@router.post("/events/{event_id}/cancel")
async def cancel(event_id: str, page: Page) -> Response:
    """Cancel with a reason; every registrant is told."""
    return await _organizer_action(page, event_id, "cancel")


@router.get("/events/{event_id}/check-in")
async def check_in_form(
    event_id: str, page: Page, code: Annotated[str, Query(max_length=40)] = ""
) -> Response:
    """The phone form: type or paste a ticket code (`?code=` fills it)."""
    page.require(*ANNOUNCERS)
    await page.load_unread()
    event = await page.call(GetEvent(event_id=path_id(event_id)))
    return page.render(
        "events/check_in.html", event=event, form={"code": code}, errors=None, done=None
    )


@router.post("/events/{event_id}/check-in")
async def check_in(event_id: str, page: Page) -> Response:
    """Check the ticket in to today's sitting (or the one chosen), once."""
    page.require(*ANNOUNCERS)
    form = await page.form()
    event = await page.call(GetEvent(event_id=path_id(event_id)))
    done = None
    errors = None
    try:
        fields = CheckInFields(code=form.get("code"), sitting=form.optional("sitting"))
        done = await ask(page, CheckIn(event_id=event.id, check_in=fields))
    except (ValidationError, RpcFailure) as error:
        errors = page.errors_of(error)
        errors.fields.setdefault("code", errors.summary)
    await page.load_unread()
    return page.render(
        "events/check_in.html",
        status=200 if done else 422,
        event=event,
        form={} if done else form.kept(),
        errors=errors,
        done=done,
    )
