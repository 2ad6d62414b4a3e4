"""Event pages (issue 18, DESIGN §9 `/events`, `/events/{id}`): upcoming events by kind and
ward, an event with its sittings (dd/mm/yyyy, Asia/Ho_Chi_Minh), seats left, registration,
cancellation and the ticket with its QR code; `/me/registrations`; the organizer's pages to
create, publish, cancel and close an event, see registrations and the waitlist, and check
people in from a phone by typing or pasting the ticket code (no JavaScript needed).

Every rule is the events service's: these views call the same RPCs as `routes/events.py`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from services.gateway.access import ANYONE
from services.gateway.deps import Services
from services.gateway.web.forms import FormData, FormErrors
from services.gateway.web.kit import Web, web
from services.gateway.web.public import names, wards_and_sectors
from shared.contracts.base import Role, RpcRequest
from shared.contracts.events.events import EventKind, EventStatus, RegistrationStatus
from shared.contracts.rpc.events.announcements import (
    CancelEvent,
    CloseEvent,
    CreateEvent,
    EventFields,
    EventView,
    GetEvent,
    ListEvents,
    PublishEvent,
)
from shared.contracts.rpc.events.attendance import CheckIn, CheckInFields
from shared.contracts.rpc.events.kinds import MAX_CAPACITY, MIN_CAPACITY
from shared.contracts.rpc.events.registrations import (
    CancelRegistration,
    ListMyRegistrations,
    ListRegistrations,
    Register,
    RegistrationFields,
    RegistrationView,
)
from shared.infra.broker import RpcFailure
from shared.localtime import HCMC

router = APIRouter(include_in_schema=False, dependencies=[ANYONE])
Page = Annotated[Web, Depends(web)]
#: Who announces and runs events (DESIGN §9), as the API's `ANNOUNCERS`.
ANNOUNCERS = (Role.ORGANIZER, Role.ASSOCIATION_STAFF, Role.ADMIN)
#: Sitting rows offered by the create form (the contract allows up to 30 through the API).
FORM_SITTINGS = 3
PAGE_SIZE = 20
ReplyT = TypeVar("ReplyT", bound=BaseModel)


def _id(value: str) -> str:
    return value[:64]


async def _ask(page: Web, rpc: RpcRequest[ReplyT]) -> ReplyT:
    """The RPC as the reader, every refusal (even `not_found`) left to the form to explain."""
    return await Services(page.request).call(rpc)


async def _my_registration(page: Web, event_id: str) -> RegistrationView | None:
    """The reader's live registration of the event (else the latest cancelled one)."""
    if page.actor is None:
        return None
    mine = await page.try_call(ListMyRegistrations(page=1, page_size=100))
    found = [r for r in (mine.items if mine else []) if r.event_id == event_id]
    live = [r for r in found if r.status != RegistrationStatus.CANCELLED]
    chosen = live or found
    return chosen[0] if chosen else None


async def _units(request: Request, active: bool | None = None) -> list[tuple[str, str]]:
    """District units and ward committees of the reference data: `(code, name)`; only the
    active ones with `active=True`."""
    reference = request.app.state.gateway.reference
    found: list[tuple[str, str]] = []
    for kind in ("district_unit", "ward_committee"):
        docs, _total = await reference.organizations(kind=kind, skip=0, limit=100, active=active)
        found += [(str(d.get("code", d["_id"])), str(d.get("name") or d["_id"])) for d in docs]
    return found


async def _organizations(request: Request) -> list[tuple[str, str]]:
    """The units a new event may name as organizers: the active district unions and
    divisions and ward committees of the reference data."""
    return await _units(request, active=True)


async def organization_names(request: Request, codes: str) -> str:
    """`ward-committee-an-nhon, youth_union` as the units' names where the reference
    data knows them (the events service stores the codes)."""
    known = dict(await _units(request))
    return ", ".join(known.get(code.strip(), code.strip()) for code in codes.split(","))


@router.get("/events")
async def list_events(
    request: Request,
    page: Page,
    kind: Annotated[str, Query(max_length=40)] = "",
    ward: Annotated[str, Query(max_length=48)] = "",
    number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> Response:
    """Upcoming published events, soonest first, filtered by kind and ward."""
    await page.load_unread()
    refs = await wards_and_sectors(request, page.locale)
    chosen = {"kind": kind, "ward": ward}
    errors = None
    result = None
    try:
        query = ListEvents(
            kind=EventKind(kind) if kind else None,
            ward=ward or None,
            status=EventStatus.PUBLISHED,
            upcoming=True,
            page=number,
            page_size=PAGE_SIZE,
        )
        result = await page.call(query)
    except (ValidationError, ValueError):
        errors = FormErrors(summary=page.t("web.form.fix_errors"))
    pages = max(1, -(-(result.total if result else 0) // PAGE_SIZE))

    def page_url(n: int) -> str:
        return "/events?" + urlencode({**{k: v for k, v in chosen.items() if v}, "page": n})

    return page.render(
        "events/list.html",
        result=result,
        chosen=chosen,
        errors=errors,
        kinds=[(k.value, page.label("EventKind", k)) for k in EventKind],
        wards=refs["wards"],
        ward_names=names(refs["wards"]),
        number=number,
        pages=pages,
        page_url=page_url,
        announcer=page.actor is not None and page.actor.role in ANNOUNCERS,
    )


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


# --- the reader's tickets -------------------------------------------------------------


@router.get("/me/registrations")
async def my_registrations(page: Page) -> Response:
    """The reader's tickets: seat or waitlist place, the code and its QR code."""
    page.require()
    await page.load_unread()
    mine = await page.call(ListMyRegistrations(page=1, page_size=100))
    return page.render("events/mine.html", registrations=mine.items)


# --- one event ------------------------------------------------------------------------


@router.get("/events/{event_id}")
async def event_page(request: Request, event_id: str, page: Page) -> Response:
    """The event: sittings, seats left, and for the reader their ticket or the form."""
    await page.load_unread()
    event = await page.call(GetEvent(event_id=_id(event_id)))
    return await _event_page(request, page, event)


async def _event_page(
    request: Request,
    page: Web,
    event: EventView,
    *,
    form: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    refs = await wards_and_sectors(request, page.locale)
    ward_names = names(refs["wards"])
    audience_wards = [(w, ward_names.get(w, w)) for w in event.audience.wards]
    return page.render(
        "events/event.html",
        status=status,
        event=event,
        mine=await _my_registration(page, event.id),
        form=form or {},
        errors=errors,
        wards=audience_wards or refs["wards"],
        ward_names=ward_names,
        organizers=await organization_names(request, ", ".join(event.organizers)),
        genders=[
            ("female", page.t("web.events.gender.female")),
            ("male", page.t("web.events.gender.male")),
            ("other", page.t("web.events.gender.other")),
        ],
        announcer=page.actor is not None and page.actor.role in ANNOUNCERS,
    )


@router.post("/events/{event_id}/register")
async def register(request: Request, event_id: str, page: Page) -> Response:
    """Take a seat, else a waitlist place; a refusal is explained on the event page."""
    page.require()
    form = await page.form()
    event = await page.call(GetEvent(event_id=_id(event_id)))
    try:
        fields = RegistrationFields(
            ward=form.optional("ward"),
            gender=form.optional("gender"),
            birth_year=form.optional("birth_year"),
            consent=form.flag("consent"),
        )
        await _ask(page, Register(event_id=event.id, registration=fields))
    except (ValidationError, RpcFailure) as error:
        await page.load_unread()
        return await _event_page(
            request, page, event, form=form.kept(), errors=page.errors_of(error), status=422
        )
    return page.redirect(f"/events/{event.id}#ticket")


@router.post("/events/{event_id}/unregister")
async def unregister(request: Request, event_id: str, page: Page) -> Response:
    """Give up one's seat or waitlist place."""
    page.require()
    await page.form()
    event = await page.call(GetEvent(event_id=_id(event_id)))
    try:
        await _ask(page, CancelRegistration(event_id=event.id))
    except RpcFailure as error:
        await page.load_unread()
        return await _event_page(request, page, event, errors=page.errors_of(error), status=409)
    return page.redirect(f"/events/{event.id}")


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
    event = await page.call(GetEvent(event_id=_id(event_id)))
    return await _manage_page(page, event)


async def _organizer_action(page: Web, event_id: str, action: str) -> Response:
    page.require(*ANNOUNCERS)
    form = await page.form()
    event = await page.call(GetEvent(event_id=_id(event_id)))
    try:
        if action == "publish":
            await _ask(page, PublishEvent(event_id=event.id))
        elif action == "close":
            await _ask(page, CloseEvent(event_id=event.id))
        else:
            await _ask(page, CancelEvent(event_id=event.id, reason=form.get("reason")))
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
    event = await page.call(GetEvent(event_id=_id(event_id)))
    return page.render(
        "events/check_in.html", event=event, form={"code": code}, errors=None, done=None
    )


@router.post("/events/{event_id}/check-in")
async def check_in(event_id: str, page: Page) -> Response:
    """Check the ticket in to today's sitting (or the one chosen), once."""
    page.require(*ANNOUNCERS)
    form = await page.form()
    event = await page.call(GetEvent(event_id=_id(event_id)))
    done = None
    errors = None
    try:
        fields = CheckInFields(code=form.get("code"), sitting=form.optional("sitting"))
        done = await _ask(page, CheckIn(event_id=event.id, check_in=fields))
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
