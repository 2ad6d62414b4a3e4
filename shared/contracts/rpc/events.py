"""Request–reply contracts of the events service (`rpc.events.<noun>.<verb>`): events,
registrations with their tickets, check-in, attendance and the district report's figures.
Certificates of attendance use `shared.contracts.rpc.certificates` on
`certificates_subject("events", verb)`."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from shared.contracts.base import Page, Role, RpcRequest, unique
from shared.contracts.events.events import EventKind, EventStatus, RegistrationStatus
from shared.text import Line, Passage

#: Capacity bounds of an event (issue 18).
MIN_CAPACITY = 1
MAX_CAPACITY = 10_000
MAX_SITTINGS = 30

Title = Annotated[Line, StringConstraints(min_length=3, max_length=200)]
Description = Annotated[Passage, StringConstraints(max_length=5000)]
Place = Annotated[Line, StringConstraints(min_length=2, max_length=300)]
Link = Annotated[
    str, StringConstraints(min_length=10, max_length=500, pattern=r"^https://[^\s<>\"']+$")
]
#: A reference-data code (ward, organization): lower-case letters, digits, hyphens and
#: underscores (the plan's units are `youth_union`, `business_association`, ...).
Code = Annotated[
    str, StringConstraints(min_length=2, max_length=48, pattern=r"^[a-z0-9][a-z0-9_\-]*$")
]
EventId = Annotated[Line, StringConstraints(min_length=1, max_length=64)]
#: A ticket code as typed or scanned (16 base32 characters; spaces, hyphens and case are
#: forgiven by the service).
TicketCode = Annotated[Line, StringConstraints(min_length=4, max_length=40)]
Reason = Annotated[Passage, StringConstraints(min_length=3, max_length=1000)]


class Gender(StrEnum):
    """Self-declared, optional, only with consent: women among attendees (issue 18)."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


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


class RegistrationFields(BaseModel):
    """A person's registration. `ward` (where they live or work) is needed when the event
    is for given wards; `gender` and `birth_year` are optional and only kept with
    `consent` (the report counts women and youth where known, PDPL 91/2025)."""

    ward: Code | None = None
    gender: Gender | None = None
    birth_year: int | None = Field(None, ge=1900, le=2100)
    consent: bool = False

    @model_validator(mode="after")
    def _consented(self) -> RegistrationFields:
        if (self.gender is not None or self.birth_year is not None) and not self.consent:
            raise ValueError("cần đồng ý cho phép dùng giới tính và năm sinh")
        return self


class RegistrationView(BaseModel):
    """A registration with its ticket: `code` is unique to it and `qr_svg` is the same code
    as a QR image (an SVG data URI, segno) for staff to scan. `position` is the current
    place on the waitlist (from 1) while waiting. `attended` lists the sittings checked in
    (numbers from 1); `certificate_code` the certificate of attendance issued when the event
    was closed as held. The ticket is shown only to the registrant and the organizers."""

    id: str
    event_id: str
    event_title: str
    user_id: str
    full_name: str | None = None
    status: RegistrationStatus
    position: int | None = None
    code: str | None = None
    qr_svg: str | None = None
    attended: list[int] = []
    certificate_code: str | None = None
    ward: str | None = None
    organization: str | None = None
    registered_at: datetime
    starts_at: datetime | None = None


class Register(RpcRequest[RegistrationView]):
    """Register the actor: a seat while seats remain, else a waitlist place."""

    subject = "rpc.events.registration.create"

    event_id: EventId
    registration: RegistrationFields = Field(default_factory=RegistrationFields)


class CancelRegistration(RpcRequest[RegistrationView]):
    """The actor cancels their own registration; a freed seat goes to the first waiting."""

    subject = "rpc.events.registration.cancel"

    event_id: EventId


class ListMyRegistrations(RpcRequest[Page[RegistrationView]]):
    """The actor's registrations with their tickets, newest first."""

    subject = "rpc.events.registration.mine"

    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=100)


class ListRegistrations(RpcRequest[Page[RegistrationView]]):
    """An event's registrations for its organizers: seats in order of registration, then
    the waitlist in order, then cancellations (filter with `status`)."""

    subject = "rpc.events.registration.list"

    event_id: EventId
    status: RegistrationStatus | None = None
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=100)


class MemberFields(BaseModel):
    """One member a unit registers: their account, their ward if the event asks for it, and
    `consent` that the member agreed to be registered (recorded with its time and the
    unit; refused as `member_consent` without it)."""

    user_id: EventId
    ward: Code | None = None
    consent: bool = False


class MemberList(BaseModel):
    """The members a ward committee or union registers at once (at most 200)."""

    members: Annotated[list[MemberFields], Field(min_length=1, max_length=200)]


class MemberResult(BaseModel):
    """What became of one member: a seat or a waitlist place, or the refusal's `reason`
    (`member_consent`, `already_registered`, `quota_full`…) and its message id."""

    user_id: str
    status: RegistrationStatus | None = None
    position: int | None = None
    reason: str | None = None
    message: str | None = None


class GroupRegistrationView(BaseModel):
    """The unit's quota after the list, and each member's outcome in the order given."""

    organization: str
    seats: int
    used: int
    outcomes: list[MemberResult]


class RegisterMembers(RpcRequest[GroupRegistrationView]):
    """A ward committee or union (organizer or staff of a unit with a quota) registers its
    members, each with recorded consent, up to its quota."""

    subject = "rpc.events.registration.members"

    event_id: EventId
    members: MemberList


class CheckInFields(BaseModel):
    """A scanned or typed ticket code; `sitting` (from 1) defaults to the sitting of
    today (Asia/Ho_Chi_Minh), else the next one, else the last."""

    code: TicketCode
    sitting: int | None = Field(None, ge=1, le=MAX_SITTINGS)


class CheckInView(BaseModel):
    """Who was checked in to which sitting, and how many sittings they have attended."""

    registration_id: str
    user_id: str
    full_name: str | None
    sitting: int
    attended: list[int]
    checked_in_at: datetime


class CheckIn(RpcRequest[CheckInView]):
    """Check a ticket in, once per sitting (organizers and staff)."""

    subject = "rpc.events.registration.check_in"

    event_id: EventId
    check_in: CheckInFields


class EventsFigures(BaseModel):
    """The events section of the district report over a period: events held (closed as
    held with their last sitting in the period) by kind and lead organizing unit,
    registrations that kept a seat, attendees (≥ 1 sitting), check-ins, attendees by
    declared ward (code, relabelled by the gateway), by the attendee's organization, and
    women and youth (16–30 in the event's year) among attendees where known."""

    events_held: int
    by_kind: dict[str, int]
    by_organizer: dict[str, int]
    registrations: int
    attendees: int
    check_ins: int
    certificates: int
    attendees_by_ward: dict[str, int]
    attendees_by_organization: dict[str, int]
    women: int
    youth: int


class EventsFiguresRequest(RpcRequest[EventsFigures]):
    """Figures over [start, end) (UTC instants); the gateway asks it as `FiguresRequest` on
    `figures_subject("events")`, the same subject."""

    subject = "rpc.events.figures.get"

    start: datetime
    end: datetime


EventPage = Page[EventView]
RegistrationPage = Page[RegistrationView]
