"""The events themselves in MongoDB: announce, change at a version, list, and those held in a
period (the district report). Their seat counters live on the same documents but are
changed only in `seats.py`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo import ASCENDING, ReturnDocument

from services.events.repository.schema import EVENTS, HIDDEN
from shared.contracts.base import Envelope
from shared.infra.mongo import AggregateCollection, Database, Document
from shared.infra.outbox import with_outbox


class MongoEventStore:
    """The `events` collection, behind the `ports.EventStore` protocol."""

    def __init__(self, db: Database) -> None:
        self.events = AggregateCollection(db[EVENTS], HIDDEN)

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
