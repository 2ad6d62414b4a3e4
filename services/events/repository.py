"""The only events module that talks to MongoDB: events and registrations (each with its
`_outbox`), certificates of attendance, and the people read model kept from identity events.

Seats are counted on the event document itself (`seats_free`, `waitlist_seq`) and changed
only by single conditional updates, so concurrent registrations on any number of copies of
the service never give out more seats than the capacity, and waitlist numbers follow the
order of arrival (issue 18)."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.contracts.base import Envelope
from shared.infra.mongo import (
    OUTBOX_FIELD,
    AggregateCollection,
    AlreadyExists,
    Database,
    Document,
    with_outbox,
)

EVENTS = "events"
REGISTRATIONS = "registrations"
CERTIFICATES = "certificates"
PEOPLE = "people"
#: Organizations of the reference data, by code (`_id`): kept from the reference events once
#: they exist (another issue adds `GET/POST /organizations`); empty until then.
ORGANIZATIONS = "organizations"
#: One counter per (event, unit with a quota): how many members it may still enrol.
QUOTAS = "quota_counters"
AGGREGATES = (EVENTS, REGISTRATIONS)
HIDDEN = {OUTBOX_FIELD: 0}

INDEXES: dict[str, list[IndexModel]] = {
    EVENTS: [
        IndexModel([("status", ASCENDING), ("starts_at", ASCENDING)], name="status_start"),
        IndexModel([("created_by", ASCENDING)], name="creator"),
        IndexModel([("held", ASCENDING), ("ends_at", ASCENDING)], name="held_in_period"),
    ],
    REGISTRATIONS: [
        IndexModel(
            [("event_id", ASCENDING), ("user_id", ASCENDING)],
            unique=True,
            name="one_registration_per_person",
        ),
        IndexModel([("code", ASCENDING)], unique=True, name="ticket_code"),
        IndexModel(
            [("event_id", ASCENDING), ("status", ASCENDING), ("waitlist_number", ASCENDING)],
            name="waitlist_order",
        ),
        IndexModel([("user_id", ASCENDING), ("registered_at", DESCENDING)], name="mine"),
    ],
    CERTIFICATES: [
        IndexModel(
            [("subject_id", ASCENDING), ("holder_id", ASCENDING)],
            unique=True,
            name="one_certificate_per_attendee",
        ),
        IndexModel([("holder_id", ASCENDING), ("issued_at", DESCENDING)], name="holder"),
    ],
    PEOPLE: [],
    ORGANIZATIONS: [],
    QUOTAS: [IndexModel([("event_id", ASCENDING)], name="event")],
}


class EventsStore:
    """Events, registrations, certificates and people, behind the `ports.EventsRepository`
    protocol."""

    def __init__(self, db: Database) -> None:
        self.events = AggregateCollection(db[EVENTS], HIDDEN)
        self.registrations = AggregateCollection(db[REGISTRATIONS], HIDDEN)
        self.certificates = AggregateCollection(db[CERTIFICATES], HIDDEN)
        self.people = AggregateCollection(db[PEOPLE], HIDDEN)
        self.organizations = AggregateCollection(db[ORGANIZATIONS], HIDDEN)
        self.quotas = db[QUOTAS]

    # --- events ---------------------------------------------------------------------------

    async def insert_event(self, doc: Document, events: Sequence[Envelope]) -> None:
        """Store a new event with its outbox."""
        await self.events.insert(doc, events)

    async def get_event(self, event_id: str) -> Document | None:
        """One event, or None."""
        return await self.events.get(event_id)

    async def update_event(
        self,
        event_id: str,
        version: int,
        changes: Document,
        events: Sequence[Envelope],
        *,
        seats_delta: int = 0,
    ) -> Document | None:
        """Apply `changes` and queue `events` if the version is still `version`; with a
        negative `seats_delta` (a smaller capacity) only if that many seats are still free,
        in the same single update. None when the race or the seats were lost."""
        query: Document = {"_id": event_id, "version": version}
        if seats_delta < 0:
            query["seats_free"] = {"$gte": -seats_delta}
        moved = {"seat_moves": 1} if seats_delta else {}
        update: Document = {
            "$inc": {"version": 1, "seats_free": seats_delta, **moved},
            "$set": changes,
        }
        return await self.events.collection.find_one_and_update(
            query,
            with_outbox(update, events),
            projection=HIDDEN,
            return_document=ReturnDocument.AFTER,
        )

    async def take_seat(self, event_id: str) -> bool:
        """Take one free seat of a published event, atomically; False when none is free."""
        taken = await self.events.collection.find_one_and_update(
            {"_id": event_id, "status": "published", "seats_free": {"$gt": 0}},
            # `seat_moves` counts every change of the counter, so the seat audit can tell a
            # counter that stood still from one in use (services/events/seats.py).
            {"$inc": {"seats_free": -1, "seat_moves": 1}},
            projection={"_id": 1},
        )
        return taken is not None

    async def give_back_seat(self, event_id: str) -> None:
        """Return one seat to the event's free seats."""
        await self.events.collection.update_one(
            {"_id": event_id}, {"$inc": {"seats_free": 1, "seat_moves": 1}}
        )

    async def seat_counters(self) -> list[Document]:
        """Every published event's `capacity`, `seats_free` and `seat_moves` (a district
        has hundreds of events open at most)."""
        found = self.events.collection.find(
            {"status": "published"}, {"capacity": 1, "seats_free": 1, "seat_moves": 1}
        )
        return [doc async for doc in found]

    async def reset_seats(self, event_id: str, seat_moves: int, seats_free: int) -> bool:
        """Set the event's free seats to `seats_free` if its counter has not moved since
        it read `seat_moves` (a missing counter reads 0); False when it has."""
        unmoved: Document = {"$in": [seat_moves]} if seat_moves else {"$in": [0, None]}
        result = await self.events.collection.update_one(
            {"_id": event_id, "status": "published", "seat_moves": unmoved},
            {"$set": {"seats_free": seats_free}, "$inc": {"seat_moves": 1}},
        )
        return result.modified_count == 1

    async def next_waitlist_number(self, event_id: str) -> int:
        """The next waitlist number of the event (1, 2, …), by one atomic increment."""
        doc = await self.events.collection.find_one_and_update(
            {"_id": event_id},
            {"$inc": {"waitlist_seq": 1}},
            projection={"waitlist_seq": 1},
            return_document=ReturnDocument.AFTER,
        )
        return int((doc or {}).get("waitlist_seq", 0))

    async def take_quota(self, event_id: str, organization: str, seats: int) -> bool:
        """One place of the unit's quota (`seats` in all), by one conditional update of its
        counter (made on first use); False when the quota is used up."""
        key = f"{event_id}:{organization}"
        with contextlib.suppress(DuplicateKeyError):  # a concurrent first use made it
            await self.quotas.update_one(
                {"_id": key},
                {
                    "$setOnInsert": {
                        "event_id": event_id,
                        "organization": organization,
                        "left": seats,
                    }
                },
                upsert=True,
            )
        # `moves` counts every change, so the quota audit can tell a counter that stood
        # still from one in use (services/events/seats.py), as `seat_moves` does for seats.
        taken = await self.quotas.find_one_and_update(
            {"_id": key, "left": {"$gt": 0}},
            {"$inc": {"left": -1, "moves": 1}},
            projection={"_id": 1},
        )
        return taken is not None

    async def give_back_quota(self, event_id: str, organization: str) -> None:
        """Return one place of the unit's quota."""
        await self.quotas.update_one(
            {"_id": f"{event_id}:{organization}"}, {"$inc": {"left": 1, "moves": 1}}
        )

    async def quota_counters(self) -> list[Document]:
        """The quota counters of published events, each with its unit's `seats` from the
        event (quotas cannot change after creation): `_id`, `event_id`, `organization`,
        `left`, `moves`, `seats`."""
        events = {
            doc["_id"]: {q["organization"]: int(q["seats"]) for q in doc.get("quotas") or []}
            async for doc in self.events.collection.find(
                {"status": "published", "quotas.0": {"$exists": True}}, {"quotas": 1}
            )
        }
        if not events:
            return []
        found = []
        async for counter in self.quotas.find({"event_id": {"$in": list(events)}}):
            seats = events[counter["event_id"]].get(counter["organization"])
            if seats is not None:
                found.append({**counter, "seats": seats})
        return found

    async def reset_quota(self, key: str, moves: int, left: int) -> bool:
        """Set the unit's places left to `left` if its counter has not moved since it read
        `moves` (a missing count reads 0); False when it has."""
        unmoved: Document = {"$in": [moves]} if moves else {"$in": [0, None]}
        result = await self.quotas.update_one(
            {"_id": key, "moves": unmoved}, {"$set": {"left": left}, "$inc": {"moves": 1}}
        )
        return result.modified_count == 1

    async def count_unit_registrations(self, event_id: str, organization: str) -> int:
        """How many live registrations (seat or waitlist) the unit made for its members."""
        return await self.registrations.count(
            {
                "event_id": event_id,
                "registered_by.organization": organization,
                "status": {"$in": ["seat", "waitlist"]},
            }
        )

    async def quotas_left(self, event_id: str) -> dict[str, int]:
        """Unit → places left, for the units that have used their quota at all."""
        found = self.quotas.find({"event_id": event_id})
        return {doc["organization"]: int(doc["left"]) async for doc in found}

    async def page_events(
        self, query: Document, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        """Events matching `query` (built by the service from validated values), soonest
        first, and how many."""
        return await self.events.page(
            query, sort=[("starts_at", ASCENDING), ("_id", ASCENDING)], skip=skip, limit=limit
        )

    async def held_between(self, start: datetime, end: datetime) -> list[Document]:
        """Events closed as held whose last sitting ended in [start, end)."""
        return await self.events.find({"held": True, "ends_at": {"$gte": start, "$lt": end}})

    # --- registrations ----------------------------------------------------------------------

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

    # --- certificates -----------------------------------------------------------------------

    async def insert_certificate(self, doc: Document) -> bool:
        """Store a certificate; False when the attendee already has one for the event."""
        try:
            await self.certificates.insert(doc, None)
        except AlreadyExists:
            return False
        return True

    async def certificate(self, code: str) -> Document | None:
        """A certificate by its code, or None."""
        return await self.certificates.get(code)

    async def certificate_for(self, event_id: str, holder_id: str) -> Document | None:
        """The attendee's certificate for the event, or None."""
        found = await self.certificates.find(
            {"subject_id": event_id, "holder_id": holder_id}, limit=1
        )
        return found[0] if found else None

    async def page_certificates(
        self, holder_id: str, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        """A holder's certificates, newest first, and how many."""
        return await self.certificates.page(
            {"holder_id": holder_id}, sort=[("issued_at", DESCENDING)], skip=skip, limit=limit
        )

    async def revoke_certificate(self, code: str, reason: str, at: datetime) -> None:
        """Mark a certificate revoked, keeping the first reason."""
        await self.certificates.collection.update_one(
            {"_id": code, "revoked": False},
            {"$set": {"revoked": True, "revoked_reason": reason, "revoked_at": at}},
        )

    async def save_organization(self, code: str, fields: Document, version: int) -> None:
        """Keep an organization's snapshot unless a newer version is already kept."""
        await self.organizations.upsert_if_newer(code, fields, version)

    async def unknown_organizations(self, codes: list[str]) -> list[str]:
        """The codes the organizations read model does not hold, once it holds any (until
        then every well-formed code is accepted: the registry is not there yet)."""
        if await self.organizations.count() == 0:
            return []
        known = await self.organizations.find({"_id": {"$in": codes}}, projection={"_id": 1})
        found = {doc["_id"] for doc in known}
        return [code for code in codes if code not in found]

    # --- people (read model) and erasure -------------------------------------------------

    async def save_person(self, user_id: str, fields: Document, version: int | None) -> None:
        """Keep a person's name and organization, unless a newer version or a tombstone
        is kept (an erased person is never recreated)."""
        current = await self.people.get(user_id)
        if current and current.get("erased"):
            return
        if version is None:
            if current is None or current.get("version") is None:
                await self.people.upsert(user_id, fields)
            return
        await self.people.upsert_if_newer(user_id, fields, version)

    async def person(self, user_id: str) -> Document | None:
        """What is known of a person, or None (a tombstone has `erased`)."""
        return await self.people.get(user_id)

    async def people_named(self, user_ids: list[str]) -> dict[str, str]:
        """Id → full name of those known."""
        found = await self.people.find({"_id": {"$in": user_ids}})
        return {doc["_id"]: doc["full_name"] for doc in found if doc.get("full_name")}

    async def erase_person(self, user_id: str, alias: str) -> None:
        """Keep only a tombstone of the person; their registrations and certificates keep
        the figures under `alias` with nothing that points back to them."""
        await self.people.collection.replace_one(
            {"_id": user_id}, {"_id": user_id, "erased": True, "version": 1 << 62}, upsert=True
        )
        await self.registrations.collection.update_many(
            {"user_id": user_id},
            {"$set": {"user_id": alias}, "$unset": {"full_name": "", "check_ins": ""}},
        )
        await self.certificates.collection.update_many(
            {"holder_id": user_id},
            {"$set": {"holder_id": alias, "holder_name": "—"}},
        )

    async def personal_data(self, user_id: str) -> dict[str, Any]:
        """Everything kept about a person: registrations and certificates."""
        registrations = await self.registrations.find({"user_id": user_id})
        certificates = await self.certificates.find({"holder_id": user_id})
        return {"registrations": registrations, "certificates": certificates}
