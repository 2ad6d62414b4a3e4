"""Events the events service publishes (stream EVENTS, `events.>`): an event announced,
changed, cancelled or held, and each registration's seat, waitlist place or cancellation.

Consumed by notifications (confirmations, promotions, reminders, changes) and readable by
anyone rebuilding a read model; the district report asks the service for its figures."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.base import Event


class EventKind(StrEnum):
    """What kind of gathering the plan's event is (issue 18)."""

    TRAINING = "training"
    SEMINAR = "seminar"
    LAW_DISSEMINATION = "law_dissemination"
    WORKSHOP = "workshop"
    EXCHANGE = "exchange"
    FESTIVAL_DAY = "festival_day"
    CONTEST_DAY = "contest_day"
    OTHER = "other"


class EventStatus(StrEnum):
    """Draft → published → (cancelled | held) → archived."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    HELD = "held"
    ARCHIVED = "archived"


class RegistrationStatus(StrEnum):
    """A registration holds a seat, waits on the waitlist, or was cancelled."""

    SEAT = "seat"
    WAITLIST = "waitlist"
    CANCELLED = "cancelled"


class Sitting(BaseModel):
    """One sitting of an event: [starts_at, ends_at), instants with offset."""

    model_config = ConfigDict(frozen=True)

    starts_at: datetime
    ends_at: datetime


class EventSummary(BaseModel):
    """What a consumer needs to tell people about an event."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: str
    title: str
    kind: EventKind
    place: str | None = None
    online_link: str | None = None
    starts_at: datetime
    ends_at: datetime
    sittings: list[Sitting] = Field(default_factory=list)


class EventPublishedV1(Event):
    """An event was announced: registration is open within its window."""

    subject = "events.event.published.v1"

    event: EventSummary
    capacity: int
    organizers: list[str] = Field(default_factory=list)


class EventChangedV1(Event):
    """Time or place changed after publication; `registrant_ids` (seats and waitlist) are
    told, and reminders follow the new start."""

    subject = "events.event.changed.v1"

    event: EventSummary
    registrant_ids: list[str] = Field(default_factory=list)


class EventCancelledV1(Event):
    """The organizer cancelled the event; every registrant is told, with the reason."""

    subject = "events.event.cancelled.v1"

    event: EventSummary
    reason: str
    registrant_ids: list[str] = Field(default_factory=list)


class EventHeldV1(Event):
    """The organizer closed the event as held: attendance is final and certificates of
    attendance were issued to `certified_ids`."""

    subject = "events.event.held.v1"

    event: EventSummary
    registrations: int
    attendees: int
    certified_ids: list[str] = Field(default_factory=list)


class RegistrationConfirmedV1(Event):
    """A registration got a seat (`status` seat) or a waitlist place (`status` waitlist,
    `position` counted from 1 at the time of registration)."""

    subject = "events.registration.confirmed.v1"

    registration_id: str
    user_id: str
    event: EventSummary
    status: RegistrationStatus
    position: int | None = None


class RegistrationPromotedV1(Event):
    """A seat freed up and the first on the waitlist got it."""

    subject = "events.registration.promoted.v1"

    registration_id: str
    user_id: str
    event: EventSummary


class RegistrationCancelledV1(Event):
    """The registrant cancelled their seat or waitlist place."""

    subject = "events.registration.cancelled.v1"

    registration_id: str
    user_id: str
    event_id: str
