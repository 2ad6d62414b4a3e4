"""Registrations in MongoDB: one per person and event (a unique index), moved between seat,
waitlist and cancelled only by status-matched single updates, and checked in once per
sitting."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo import ASCENDING, DESCENDING, ReturnDocument

from services.events.repository.schema import HIDDEN, REGISTRATIONS
from shared.contracts.base import Envelope
from shared.infra.mongo import AggregateCollection, Database, Document
from shared.infra.outbox import with_outbox


class MongoRegistrationStore:
    """The `registrations` collection, behind the `ports.RegistrationStore` protocol."""

    def __init__(self, db: Database) -> None:
        self.registrations = AggregateCollection(db[REGISTRATIONS], HIDDEN)

    async def insert_registration(self, doc: Document, events: Sequence[Envelope]) -> None:
        """A new registration with its events. Raises `AlreadyExists` when the person is
        already registered for the event (or, once in 2^80, the ticket code is taken)."""
        await self.registrations.insert(doc, events)

    async def registration_of(self, event_id: str, user_id: str) -> Document | None:
        """The person's registration for the event, or None."""
        found = await self.registrations.find({"event_id": event_id, "user_id": user_id}, limit=1)
        return found[0] if found else None

    async def registration_by_code(self, code: str) -> Document | None:
        """The registration holding this ticket code, or None."""
        found = await self.registrations.find({"code": code}, limit=1)
        return found[0] if found else None

    async def move_registration(
        self,
        registration_id: str,
        expected: str,
        changes: Document,
        events: Sequence[Envelope],
        unset: Sequence[str] = (),
    ) -> Document | None:
        """Set `changes` and queue `events` if the registration's status is still
        `expected`, in one update; None when it is not (someone moved it first)."""
        update: Document = {"$set": changes}
        if unset:
            update["$unset"] = dict.fromkeys(unset, "")
        return await self.registrations.collection.find_one_and_update(
            {"_id": registration_id, "status": expected},
            with_outbox(update, events),
            projection=HIDDEN,
            return_document=ReturnDocument.AFTER,
        )

    async def check_in(self, registration_id: str, sitting: int, at: datetime) -> Document | None:
        """Record attendance of `sitting` once: one update matching a seat not yet checked
        in to that sitting. None when it already was (or the seat is gone)."""
        return await self.registrations.collection.find_one_and_update(
            {"_id": registration_id, "status": "seat", "attended": {"$ne": sitting}},
            {"$push": {"attended": sitting, "check_ins": {"sitting": sitting, "at": at}}},
            projection=HIDDEN,
            return_document=ReturnDocument.AFTER,
        )

    async def first_waiting(self, event_id: str) -> Document | None:
        """The earliest waitlisted registration of the event, or None."""
        found = await self.registrations.find(
            {"event_id": event_id, "status": "waitlist"},
            sort=[("waitlist_number", ASCENDING)],
            limit=1,
        )
        return found[0] if found else None

    async def waiting_before(self, event_id: str, number: int) -> int:
        """How many are still waiting ahead of waitlist number `number`."""
        return await self.registrations.count(
            {"event_id": event_id, "status": "waitlist", "waitlist_number": {"$lt": number}}
        )

    async def count_registrations(self, event_id: str, status: str) -> int:
        """How many registrations of the event are in `status`."""
        return await self.registrations.count({"event_id": event_id, "status": status})

    async def count_unit_registrations(self, event_id: str, organization: str) -> int:
        """How many live registrations (seat or waitlist) the unit made for its members."""
        return await self.registrations.count(
            {
                "event_id": event_id,
                "registered_by.organization": organization,
                "status": {"$in": ["seat", "waitlist"]},
            }
        )

    async def page_registrations(
        self, event_id: str, status: str | None, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        """The event's registrations (in `status`, if given) in order of arrival: seats by
        registration time, the waitlist by number."""
        query: Document = {"event_id": event_id}
        if status:
            query["status"] = status
        return await self.registrations.page(
            query,
            sort=[
                ("status_order", ASCENDING),
                ("waitlist_number", ASCENDING),
                ("registered_at", ASCENDING),
            ],
            skip=skip,
            limit=limit,
        )

    async def page_mine(self, user_id: str, skip: int, limit: int) -> tuple[list[Document], int]:
        """A person's registrations, newest first, and how many."""
        return await self.registrations.page(
            {"user_id": user_id}, sort=[("registered_at", DESCENDING)], skip=skip, limit=limit
        )

    async def registrants(self, event_id: str) -> list[str]:
        """Ids of everyone holding a seat or a waitlist place for the event."""
        found = await self.registrations.find(
            {"event_id": event_id, "status": {"$in": ["seat", "waitlist"]}},
            projection={"user_id": 1},
        )
        return [doc["user_id"] for doc in found]

    async def attendees(self, event_id: str) -> list[Document]:
        """Seats of the event that attended at least one sitting."""
        return await self.registrations.find(
            {"event_id": event_id, "status": "seat", "attended.0": {"$exists": True}}
        )

    async def set_certificate_code(self, registration_id: str, code: str) -> None:
        """Note the certificate issued for this registration."""
        await self.registrations.collection.update_one(
            {"_id": registration_id}, {"$set": {"certificate_code": code}}
        )

    async def seats_of(self, event_ids: list[str]) -> list[Document]:
        """Registrations holding a seat in any of the events (figures)."""
        if not event_ids:
            return []
        return await self.registrations.find(
            {"event_id": {"$in": event_ids}, "status": "seat"},
            projection={
                "event_id": 1,
                "status": 1,
                "attended": 1,
                "ward": 1,
                "organization": 1,
                "gender": 1,
                "birth_year": 1,
                "certificate_code": 1,
            },
        )
