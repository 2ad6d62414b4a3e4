"""Seats and units' quotas in MongoDB: counters changed only by single conditional updates.

Seats are counted on the event document itself (`seats_free`, `waitlist_seq`), so
concurrent registrations on any number of copies of the service never give out more seats
than the capacity, and waitlist numbers follow the order of arrival (issue 18). A unit's
quota has a counter document of its own per (event, unit). Each counter also counts its
moves, so the audits (services/events/seats.py) can tell a counter that stood still from
one in use."""

from __future__ import annotations

import contextlib

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.events.repository.schema import EVENTS, QUOTAS
from shared.infra.mongo import Database, Document


class MongoSeatCounters:
    """The seat and waitlist counters on the `events` documents, behind the
    `ports.SeatCounters` protocol."""

    def __init__(self, db: Database) -> None:
        self.events = db[EVENTS]

    async def take_seat(self, event_id: str) -> bool:
        """Take one free seat of a published event, atomically; False when none is free."""
        taken = await self.events.find_one_and_update(
            {"_id": event_id, "status": "published", "seats_free": {"$gt": 0}},
            # `seat_moves` counts every change of the counter, so the seat audit can tell a
            # counter that stood still from one in use (services/events/seats.py).
            {"$inc": {"seats_free": -1, "seat_moves": 1}},
            projection={"_id": 1},
        )
        return taken is not None

    async def give_back_seat(self, event_id: str) -> None:
        """Return one seat to the event's free seats."""
        await self.events.update_one(
            {"_id": event_id}, {"$inc": {"seats_free": 1, "seat_moves": 1}}
        )

    async def seat_counters(self) -> list[Document]:
        """Every published event's `capacity`, `seats_free` and `seat_moves` (a district
        has hundreds of events open at most)."""
        found = self.events.find(
            {"status": "published"}, {"capacity": 1, "seats_free": 1, "seat_moves": 1}
        )
        return [doc async for doc in found]

    async def reset_seats(self, event_id: str, seat_moves: int, seats_free: int) -> bool:
        """Set the event's free seats to `seats_free` if its counter has not moved since
        it read `seat_moves` (a missing counter reads 0); False when it has."""
        unmoved: Document = {"$in": [seat_moves]} if seat_moves else {"$in": [0, None]}
        result = await self.events.update_one(
            {"_id": event_id, "status": "published", "seat_moves": unmoved},
            {"$set": {"seats_free": seats_free}, "$inc": {"seat_moves": 1}},
        )
        return result.modified_count == 1

    async def next_waitlist_number(self, event_id: str) -> int:
        """The next waitlist number of the event (1, 2, …), by one atomic increment."""
        doc = await self.events.find_one_and_update(
            {"_id": event_id},
            {"$inc": {"waitlist_seq": 1}},
            projection={"waitlist_seq": 1},
            return_document=ReturnDocument.AFTER,
        )
        return int((doc or {}).get("waitlist_seq", 0))


class MongoQuotaCounters:
    """One counter per (event, unit with a quota) in `quota_counters`, behind the
    `ports.QuotaCounters` protocol."""

    def __init__(self, db: Database) -> None:
        self.events = db[EVENTS]
        self.quotas = db[QUOTAS]

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
            async for doc in self.events.find(
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

    async def quotas_left(self, event_id: str) -> dict[str, int]:
        """Unit → places left, for the units that have used their quota at all."""
        found = self.quotas.find({"event_id": event_id})
        return {doc["organization"]: int(doc["left"]) async for doc in found}
