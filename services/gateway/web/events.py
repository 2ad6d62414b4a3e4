"""Event pages (issue 18, DESIGN §9 `/events`, `/events/{id}`): upcoming events by kind and
ward, an event with its sittings (dd/mm/yyyy, Asia/Ho_Chi_Minh), seats left, registration,
cancellation and the ticket with its QR code; `/me/registrations`. The organizer's pages are
in `announcements`.

Every rule is the events service's: these views call the same RPCs as `routes/events.py`.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from services.gateway.access import ANYONE
from services.gateway.deps import Services
from services.gateway.web.forms import FormErrors
from services.gateway.web.kit import Web, web
from services.gateway.web.public import names, wards_and_sectors
from services.gateway.web.units import organization_names
from shared.contracts.base import Role, RpcRequest
from shared.contracts.events.events import EventKind, EventStatus, RegistrationStatus
from shared.contracts.rpc.events.announcements import EventView, GetEvent, ListEvents
from shared.contracts.rpc.events.registrations import (
    CancelRegistration,
    ListMyRegistrations,
    Register,
    RegistrationFields,
    RegistrationView,
)
from shared.infra.broker import RpcFailure

router = APIRouter(include_in_schema=False, dependencies=[ANYONE])
Page = Annotated[Web, Depends(web)]
#: Who announces and runs events (DESIGN §9), as the API's `ANNOUNCERS`.
ANNOUNCERS = (Role.ORGANIZER, Role.ASSOCIATION_STAFF, Role.ADMIN)
PAGE_SIZE = 20
ReplyT = TypeVar("ReplyT", bound=BaseModel)


def path_id(value: str) -> str:
    """An id from a path, cut to the 64 characters the contracts allow."""
    return value[:64]


async def ask(page: Web, rpc: RpcRequest[ReplyT]) -> ReplyT:
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
    event = await page.call(GetEvent(event_id=path_id(event_id)))
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
    event = await page.call(GetEvent(event_id=path_id(event_id)))
    try:
        fields = RegistrationFields(
            ward=form.optional("ward"),
            gender=form.optional("gender"),
            birth_year=form.optional("birth_year"),
            consent=form.flag("consent"),
        )
        await ask(page, Register(event_id=event.id, registration=fields))
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
    event = await page.call(GetEvent(event_id=path_id(event_id)))
    try:
        await ask(page, CancelRegistration(event_id=event.id))
    except RpcFailure as error:
        await page.load_unread()
        return await _event_page(request, page, event, errors=page.errors_of(error), status=409)
    return page.redirect(f"/events/{event.id}")
