"""An event as its organizer announces it (DESIGN §9): what they fill in (sittings,
audience, quotas of units, registration window, certificate), what they may change after
publication, the event as its page shows it; its lifecycle: create, update, publish, cancel,
close as held, archive, read, list."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, Field, field_validator

from shared.contracts.base import Page, Role, RpcRequest, unique
from shared.contracts.events.events import EventKind, EventStatus
from shared.contracts.rpc.events.kinds import (
    MAX_CAPACITY,
    MAX_SITTINGS,
    MIN_CAPACITY,
    Code,
    Description,
    EventId,
    Link,
    Place,
    Reason,
    Title,
)


class SittingFields(BaseModel):
    """One sitting: start and end with offset; the service refuses an end not after the
    start or a sitting longer than 24 hours (`domain.check_sittings`)."""

    starts_at: AwareDatetime
    ends_at: AwareDatetime


class Audience(BaseModel):
    """Who may register: nothing listed is everyone; otherwise a registrant must match
    every list given (their declared ward, their role, their organization)."""

    wards: Annotated[list[Code], Field(max_length=40)] = []
    roles: Annotated[list[Role], Field(max_length=7)] = []
    organizations: Annotated[list[Code], Field(max_length=40)] = []

    @field_validator("wards", "roles", "organizations")
    @classmethod
    def _once(cls, values: list[Any]) -> list[Any]:
        return unique(values)


class Quota(BaseModel):
    """Seats a ward committee or union may fill by registering its members (within the
    event's capacity: they take seats like anyone, the quota bounds how many it enrols)."""

    organization: Code
    seats: int = Field(ge=1, le=MAX_CAPACITY)


class QuotaView(Quota):
    """A quota and how much of it the unit has used."""

    used: int


class EventFields(BaseModel):
    """A new event (a draft until published). `organizers` are organization codes of the
    reference data (the first is the lead unit; co-organizers follow). Registration opens
    at `registration_opens_at` (default: on publication) and closes at
    `registration_closes_at` or when the first sitting starts, whichever is first.
    `min_sittings` is the attendance a certificate needs (default: every sitting).
    The rules across fields (a place or a link, sittings that do not overlap, the window in
    order) are the service's (`services.events.domain.new_event`), refused as `invalid`."""

    title: Title
    kind: EventKind
    organizers: Annotated[list[Code], Field(min_length=1, max_length=10)]
    description: Description = ""
    place: Place | None = None
    online_link: Link | None = None
    sittings: Annotated[list[SittingFields], Field(min_length=1, max_length=MAX_SITTINGS)]
    capacity: int = Field(ge=MIN_CAPACITY, le=MAX_CAPACITY)
    audience: Audience = Field(default_factory=Audience)
    registration_opens_at: AwareDatetime | None = None
    registration_closes_at: AwareDatetime | None = None
    certificate: bool = False
    min_sittings: int | None = Field(None, ge=1, le=MAX_SITTINGS)
    quotas: Annotated[list[Quota], Field(max_length=40)] = Field(default_factory=list)

    @field_validator("organizers")
    @classmethod
    def _organizers_once(cls, values: list[str]) -> list[str]:
        return unique(values)


class EventChanges(BaseModel):
    """What an organizer may change after publication: time, place, capacity, text.
    Registrants are told of a change of time or place."""

    title: Title | None = None
    description: Description | None = None
    place: Place | None = None
    online_link: Link | None = None
    sittings: (
        Annotated[list[SittingFields], Field(min_length=1, max_length=MAX_SITTINGS)] | None
    ) = None
    capacity: int | None = Field(None, ge=MIN_CAPACITY, le=MAX_CAPACITY)


class SittingView(BaseModel):
    """One sitting with its local date as people write it (dd/mm/yyyy, Asia/Ho_Chi_Minh)."""

    number: int
    starts_at: datetime
    ends_at: datetime
    date: str


class EventView(BaseModel):
    """An event as its page shows it: seats left, waitlist length, status."""

    id: str
    title: str
    kind: EventKind
    organizers: list[str]
    description: str
    place: str | None
    online_link: str | None
    sittings: list[SittingView]
    starts_at: datetime
    ends_at: datetime
    capacity: int
    seats_taken: int
    seats_left: int
    waitlisted: int
    audience: Audience
    registration_opens_at: datetime | None
    registration_closes_at: datetime
    certificate: bool
    min_sittings: int
    status: EventStatus
    created_by: str
    created_at: datetime
    version: int
    cancel_reason: str | None = None
    quotas: list[QuotaView] = Field(default_factory=list)


class CreateEvent(RpcRequest[EventView]):
    """Create a draft (organizer, staff, admin)."""

    subject = "rpc.events.event.create"

    event: EventFields


class UpdateEvent(RpcRequest[EventView]):
    """Change a draft or published event (its creator, or admin)."""

    subject = "rpc.events.event.update"

    event_id: EventId
    changes: EventChanges


class PublishEvent(RpcRequest[EventView]):
    """Announce a draft: registration opens (its creator, or admin)."""

    subject = "rpc.events.event.publish"

    event_id: EventId


class CancelEvent(RpcRequest[EventView]):
    """Cancel a draft or published event with a reason; every registrant is told."""

    subject = "rpc.events.event.cancel"

    event_id: EventId
    reason: Reason


class CloseEvent(RpcRequest[EventView]):
    """Close a published event as held, after its first sitting started: attendance is
    final and certificates of attendance are issued to those who qualify."""

    subject = "rpc.events.event.close"

    event_id: EventId


class ArchiveEvent(RpcRequest[EventView]):
    """Archive a held or cancelled event."""

    subject = "rpc.events.event.archive"

    event_id: EventId


class GetEvent(RpcRequest[EventView]):
    """One event; a draft only for its creator and admin (404 for others)."""

    subject = "rpc.events.event.get"

    event_id: EventId


class ListEvents(RpcRequest[Page[EventView]]):
    """Events, soonest first. `upcoming` keeps those not yet ended; `ward` those open to
    that ward (or to everyone). Drafts only with `mine` (the actor's own)."""

    subject = "rpc.events.event.list"

    kind: EventKind | None = None
    ward: Code | None = None
    status: EventStatus | None = None
    upcoming: bool = False
    mine: bool = False
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=100)


EventPage = Page[EventView]
