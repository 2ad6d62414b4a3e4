"""Events and trainings (issue 18), served by the events service: announce, publish,
change, cancel and close; register, cancel a registration, the ticket; registrations and
check-in for organizers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel

from services.gateway.access import ANYONE, SIGNED_IN, allow
from services.gateway.deps import Id, Paging, Rpc
from services.gateway.problems import request_locale
from shared.contracts.base import Role
from shared.contracts.events.events import EventKind, EventStatus, RegistrationStatus
from shared.contracts.rpc.events.announcements import (
    ArchiveEvent,
    CancelEvent,
    CloseEvent,
    CreateEvent,
    EventChanges,
    EventFields,
    EventPage,
    EventView,
    GetEvent,
    ListEvents,
    PublishEvent,
    UpdateEvent,
)
from shared.contracts.rpc.events.attendance import CheckIn, CheckInFields, CheckInView
from shared.contracts.rpc.events.kinds import Code, Reason
from shared.contracts.rpc.events.registrations import (
    CancelRegistration,
    GroupRegistrationView,
    ListMyRegistrations,
    ListRegistrations,
    MemberList,
    Register,
    RegisterMembers,
    RegistrationFields,
    RegistrationPage,
    RegistrationView,
)
from shared.i18n import gettext, known

#: DESIGN §9: organizers, the association's staff and admin announce and run events.
ANNOUNCERS = allow(Role.ORGANIZER, Role.ASSOCIATION_STAFF, Role.ADMIN)
router = APIRouter(tags=["events"])


class CancelFields(BaseModel):
    """Why the event is cancelled; every registrant is told."""

    reason: Reason


@router.post("/events", dependencies=[ANNOUNCERS], status_code=status.HTTP_201_CREATED)
async def create_event(body: EventFields, rpc: Rpc) -> EventView:
    """A draft: capacity 1–10,000, sittings that do not overlap and start ahead,
    organizing units from the organizations reference data."""
    return await rpc.call(CreateEvent(event=body))


@router.get("/events", dependencies=[ANYONE])
async def list_events(
    rpc: Rpc,
    paging: Paging,
    kind: EventKind | None = None,
    ward: Annotated[Code | None, Query()] = None,
    status: EventStatus | None = None,
    upcoming: bool = False,
    mine: bool = False,
) -> EventPage:
    """Soonest first; `upcoming` keeps those not yet ended, `ward` those open to that
    ward; `mine` lists the caller's own events, drafts included."""
    request = ListEvents(
        kind=kind, ward=ward, status=status, upcoming=upcoming, mine=mine, **paging.model_dump()
    )
    return await rpc.call(request)


@router.get("/events/{event_id}", dependencies=[ANYONE])
async def get_event(event_id: Id, rpc: Rpc) -> EventView:
    """One event with seats left and the waitlist's length; a draft only for its
    organizers (404 for others)."""
    return await rpc.call(GetEvent(event_id=event_id))


@router.patch("/events/{event_id}", dependencies=[ANNOUNCERS])
async def update_event(event_id: Id, body: EventChanges, rpc: Rpc) -> EventView:
    """Change text, place, sittings or capacity; registrants are told of a new time or
    place; a larger capacity moves the waitlist up."""
    return await rpc.call(UpdateEvent(event_id=event_id, changes=body))


@router.post("/events/{event_id}/publish", dependencies=[ANNOUNCERS])
async def publish_event(event_id: Id, rpc: Rpc) -> EventView:
    """Announce a draft: registration opens; 409 when it is not a draft."""
    return await rpc.call(PublishEvent(event_id=event_id))


@router.post("/events/{event_id}/cancel", dependencies=[ANNOUNCERS])
async def cancel_event(event_id: Id, body: CancelFields, rpc: Rpc) -> EventView:
    """Cancel with a reason; every registrant is notified."""
    return await rpc.call(CancelEvent(event_id=event_id, reason=body.reason))


@router.post("/events/{event_id}/close", dependencies=[ANNOUNCERS])
async def close_event(event_id: Id, rpc: Rpc) -> EventView:
    """Close as held (after the start): attendance is final and certificates of
    attendance go to those who attended at least the minimum of sittings."""
    return await rpc.call(CloseEvent(event_id=event_id))


@router.post("/events/{event_id}/archive", dependencies=[ANNOUNCERS])
async def archive_event(event_id: Id, rpc: Rpc) -> EventView:
    """Archive a held or cancelled event."""
    return await rpc.call(ArchiveEvent(event_id=event_id))


@router.post(
    "/events/{event_id}/registrations",
    dependencies=[SIGNED_IN],
    status_code=status.HTTP_201_CREATED,
)
async def register(event_id: Id, body: RegistrationFields, rpc: Rpc) -> RegistrationView:
    """A seat while seats remain, else a waitlist place with its position; 409 after the
    window, for a cancelled event or a second time, 403 outside the audience."""
    return await rpc.call(Register(event_id=event_id, registration=body))


@router.post(
    "/events/{event_id}/group-registrations",
    dependencies=[ANNOUNCERS],
    status_code=status.HTTP_201_CREATED,
)
async def register_members(
    event_id: Id, body: MemberList, rpc: Rpc, request: Request
) -> GroupRegistrationView:
    """A ward committee or union registers its members, each with recorded consent, up to
    the quota the event gives it; each member's outcome says why when refused."""
    answer = await rpc.call(RegisterMembers(event_id=event_id, members=body))
    locale = await request_locale(request)
    for outcome in answer.outcomes:
        if outcome.message and known(outcome.message):
            outcome.message = gettext(outcome.message, locale)
    return answer


@router.delete("/events/{event_id}/registrations/me", dependencies=[SIGNED_IN])
async def cancel_registration(event_id: Id, rpc: Rpc) -> RegistrationView:
    """Give up one's seat or waitlist place; a freed seat goes to the first waiting, who
    is notified."""
    return await rpc.call(CancelRegistration(event_id=event_id))


@router.get("/me/registrations", dependencies=[SIGNED_IN])
async def my_registrations(rpc: Rpc, paging: Paging) -> RegistrationPage:
    """The caller's registrations, each live one with its ticket code and QR code."""
    return await rpc.call(ListMyRegistrations(**paging.model_dump()))


@router.get("/events/{event_id}/registrations", dependencies=[ANNOUNCERS])
async def list_registrations(
    event_id: Id,
    rpc: Rpc,
    paging: Paging,
    status: RegistrationStatus | None = None,
) -> RegistrationPage:
    """Seats, then the waitlist in order, then cancellations, with attendance per
    sitting (the event's organizers)."""
    request = ListRegistrations(event_id=event_id, status=status, **paging.model_dump())
    return await rpc.call(request)


@router.post("/events/{event_id}/check-in", dependencies=[ANNOUNCERS])
async def check_in(event_id: Id, body: CheckInFields, rpc: Rpc) -> CheckInView:
    """Check a scanned or typed ticket in, once per sitting; a code of another event or
    of a cancelled registration is refused with a clear message (409)."""
    return await rpc.call(CheckIn(event_id=event_id, check_in=body))
