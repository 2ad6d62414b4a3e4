"""What the events use cases need of storage (the ports), one protocol per part, composed
in `EventsRepository`: `repository.events_repository(db)` builds it over MongoDB (one module
of the `repository` package per part), `tests/unit/fakes/events.py` over the unit tests'
fake keeping dicts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from shared.contracts.base import Envelope
from shared.infra.mongo import Document


class EventStore(Protocol):
    """The events: versioned changes (DESIGN §5); `repository.events.MongoEventStore`."""

    async def insert_event(self, doc: Document, events: Sequence[Envelope]) -> None:
        """Store a new event with its outbox."""
        ...

    async def get_event(self, event_id: str) -> Document | None:
        """One event, or None."""
        ...

    async def update_event(
        self,
        event_id: str,
        version: int,
        changes: Document,
        events: Sequence[Envelope],
        *,
        seats_delta: int = 0,
    ) -> Document | None:
        """Versioned change (and seats moved); None when the race or the seats were lost."""
        ...

    async def page_events(
        self, query: Document, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        """Events matching `query`, soonest first, and how many."""
        ...

    async def held_between(self, start: datetime, end: datetime) -> list[Document]:
        """Events held whose last sitting ended in [start, end)."""
        ...


class SeatCounters(Protocol):
    """Seats and waitlist numbers, each move one conditional update;
    `repository.seats.MongoSeatCounters`."""

    async def take_seat(self, event_id: str) -> bool:
        """Take one free seat of a published event atomically; False when none is free."""
        ...

    async def give_back_seat(self, event_id: str) -> None:
        """Return one seat."""
        ...

    async def seat_counters(self) -> list[Document]:
        """Published events' `_id`, `capacity`, `seats_free` and `seat_moves`."""
        ...

    async def reset_seats(self, event_id: str, seat_moves: int, seats_free: int) -> bool:
        """Set free seats if the counter has not moved since `seat_moves`; False if it has."""
        ...

    async def next_waitlist_number(self, event_id: str) -> int:
        """The next waitlist number (1, 2, …), atomically."""
        ...


class QuotaCounters(Protocol):
    """Units' quotas, each move one conditional update;
    `repository.seats.MongoQuotaCounters`."""

    async def take_quota(self, event_id: str, organization: str, seats: int) -> bool:
        """One place of the unit's quota, atomically; False when used up."""
        ...

    async def give_back_quota(self, event_id: str, organization: str) -> None:
        """Return one place of the unit's quota."""
        ...

    async def quotas_left(self, event_id: str) -> dict[str, int]:
        """Unit → places left (units that have used theirs at all)."""
        ...

    async def quota_counters(self) -> list[Document]:
        """Published events' quota counters: `_id`, `event_id`, `organization`, `left`,
        `moves` and the unit's `seats`."""
        ...

    async def reset_quota(self, key: str, moves: int, left: int) -> bool:
        """Set places left if the counter has not moved since `moves`; False if it has."""
        ...


class RegistrationStore(Protocol):
    """Registrations, moved only if their status is still the one expected;
    `repository.registrations.MongoRegistrationStore`."""

    async def insert_registration(self, doc: Document, events: Sequence[Envelope]) -> None:
        """A new registration; `AlreadyExists` when the person already has one."""
        ...

    async def registration_of(self, event_id: str, user_id: str) -> Document | None:
        """The person's registration for the event, or None."""
        ...

    async def registration_by_code(self, code: str) -> Document | None:
        """The registration holding this ticket code, or None."""
        ...

    async def move_registration(
        self,
        registration_id: str,
        expected: str,
        changes: Document,
        events: Sequence[Envelope],
        unset: Sequence[str] = (),
    ) -> Document | None:
        """Change it if its status is still `expected`; None otherwise."""
        ...

    async def check_in(self, registration_id: str, sitting: int, at: datetime) -> Document | None:
        """Record attendance of a sitting once; None when already recorded."""
        ...

    async def first_waiting(self, event_id: str) -> Document | None:
        """The earliest waitlisted registration, or None."""
        ...

    async def waiting_before(self, event_id: str, number: int) -> int:
        """How many wait ahead of waitlist number `number`."""
        ...

    async def count_registrations(self, event_id: str, status: str) -> int:
        """How many registrations of the event are in `status`."""
        ...

    async def count_unit_registrations(self, event_id: str, organization: str) -> int:
        """Live registrations (seat or waitlist) the unit made for its members."""
        ...

    async def page_registrations(
        self, event_id: str, status: str | None, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        """The event's registrations in order of arrival, and how many."""
        ...

    async def page_mine(self, user_id: str, skip: int, limit: int) -> tuple[list[Document], int]:
        """A person's registrations, newest first, and how many."""
        ...

    async def registrants(self, event_id: str) -> list[str]:
        """Ids of everyone with a seat or a waitlist place."""
        ...

    async def attendees(self, event_id: str) -> list[Document]:
        """Seats that attended at least one sitting."""
        ...

    async def set_certificate_code(self, registration_id: str, code: str) -> None:
        """Note the certificate issued for a registration."""
        ...

    async def seats_of(self, event_ids: list[str]) -> list[Document]:
        """Registrations holding a seat in any of the events."""
        ...


class CertificateStore(Protocol):
    """Certificates of attendance; `repository.certificates.MongoCertificateStore`."""

    async def insert_certificate(self, doc: Document) -> bool:
        """Store a certificate; False when the attendee already has one for the event."""
        ...

    async def certificate(self, code: str) -> Document | None:
        """A certificate by code, or None."""
        ...

    async def certificate_for(self, event_id: str, holder_id: str) -> Document | None:
        """The attendee's certificate for the event, or None."""
        ...

    async def page_certificates(
        self, holder_id: str, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        """A holder's certificates, newest first, and how many."""
        ...

    async def revoke_certificate(self, code: str, reason: str, at: datetime) -> None:
        """Revoke, keeping the first reason."""
        ...


class PeopleStore(Protocol):
    """The people read model, a person's data and its erasure;
    `repository.people.MongoPeopleStore`."""

    async def save_person(self, user_id: str, fields: Document, version: int | None) -> None:
        """Keep a person unless a newer version or a tombstone is kept."""
        ...

    async def person(self, user_id: str) -> Document | None:
        """What is known of a person, or None."""
        ...

    async def people_named(self, user_ids: list[str]) -> dict[str, str]:
        """Id → full name of those known."""
        ...

    async def erase_person(self, user_id: str, alias: str) -> None:
        """Tombstone the person and pseudonymise their registrations and certificates."""
        ...

    async def personal_data(self, user_id: str) -> dict[str, Any]:
        """Everything kept about a person."""
        ...


class OrganizationStore(Protocol):
    """The organizations read model; `repository.people.MongoOrganizationStore`."""

    async def save_organization(self, code: str, fields: Document, version: int) -> None:
        """Keep an organization's snapshot unless a newer version is already kept."""
        ...

    async def unknown_organizations(self, codes: list[str]) -> list[str]:
        """Codes the organizations read model lacks or holds as deactivated (none while it
        is empty)."""
        ...


@dataclass(frozen=True)
class EventsRepository:
    """All the events service's storage, by part; conditional single-document writes only
    (DESIGN §5): see each part's protocol above."""

    events: EventStore
    seats: SeatCounters
    quotas: QuotaCounters
    registrations: RegistrationStore
    certificates: CertificateStore
    people: PeopleStore
    organizations: OrganizationStore
