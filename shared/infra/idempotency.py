"""Idempotent consumers (DESIGN §4): the ids of the events each consumer has handled, so a
redelivery is skipped, and the births that tell news from history when a stream is
replayed (issues 11 and 13).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.contracts.base import Envelope
from shared.contracts.streams import stream_for
from shared.infra.logging import get_logger
from shared.infra.mongo import Database, now

log = get_logger(__name__)


META = "meta"


async def database_birth(db: Database) -> tuple[datetime, bool]:
    """When this service's database was first opened, and whether that is now.

    The first process to open an empty database (a new deployment, a new copy, a lost
    volume) writes the marker atomically and gets `True`: it rebuilds the read models from
    the streams. Events older than the birth are history being replayed (issue 11)."""
    born = now()
    try:
        await db[META].insert_one({"_id": "database", "born_at": born})
    except DuplicateKeyError:
        marker = await db[META].find_one({"_id": "database"})
        return (marker or {}).get("born_at", born), False
    return born, True


class ProcessedEvents:
    """Ids of events a consumer has handled (unique id, TTL), so a redelivery is skipped.

    It also tells news from history, per consumer (issue 13: effect consumers deliver from
    their creation time, read models from the beginning). An event older than the
    consumer's birth is history: read models apply it, effects (a welcome email) do not
    (see `shared.infra.runtime.replaying_history`). A consumer born with its database
    (`fresh`) takes the database's birth (`history_before`); one added later to a running
    database (a new or renamed consumer) is born when JetStream created it (`created_at`,
    asked of the server the first time), so it never resends a year of emails. Births are
    kept in the `meta` collection and survive a rebuild of the read models, which deletes
    the consumers and replays everything as history."""

    collection_name = "processed_events"

    def __init__(
        self,
        db: Database,
        ttl_seconds: int,
        history_before: datetime | None = None,
        *,
        fresh: bool = True,
        created_at: Callable[[str, str], Awaitable[datetime | None]] | None = None,
    ) -> None:
        self.collection = db[self.collection_name]
        self.meta = db[META]
        self.ttl_seconds = ttl_seconds
        self.history_before = history_before
        self.fresh = fresh
        # (stream, consumer) → when JetStream created that durable consumer, or None.
        self.created_at = created_at
        self._births: dict[str, datetime] = {}

    async def consumer_birth(self, consumer: str, stream: str) -> datetime | None:
        """When `consumer` (a durable consumer on `stream`) was born (UTC); None when
        history is not tracked (no database birth given). Written once, atomically, and
        cached: a later start, or a rebuild that re-creates the consumer, keeps it."""
        if self.history_before is None:
            return None
        born = self._births.get(consumer)
        if born is None:
            candidate = self.history_before
            if not self.fresh and self.created_at is not None:
                # Not known yet on a running database: a consumer added now. Its birth is
                # when the server created it, which precedes every event it will deliver
                # as news (the moment it first handles one would not).
                candidate = await self.created_at(stream, consumer) or candidate
            key = {"_id": f"consumer:{consumer}"}
            try:
                marker = await self.meta.find_one_and_update(
                    key,
                    {"$setOnInsert": {"born_at": candidate}},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
            except DuplicateKeyError:
                # Two copies upserting the same birth at once: the other one wrote it.
                marker = await self.meta.find_one(key)
            born = (marker or {}).get("born_at", candidate)
            self._births[consumer] = born
        return born

    async def is_history(self, consumer: str, envelope: Envelope) -> bool:
        """Whether the event happened before `consumer` was born (see the class)."""
        born = await self.consumer_birth(consumer, stream_for(envelope.type).name)
        return born is not None and envelope.time < born

    async def forget_all(self) -> None:
        """Forget every handled id, so a replay from the stream applies each event again."""
        await self.collection.delete_many({})

    def indexes(self) -> list[IndexModel]:
        """The TTL index expiring handled ids `ttl_seconds` after `processed_at`."""
        return [
            IndexModel(
                [("processed_at", ASCENDING)],
                expireAfterSeconds=self.ttl_seconds,
                name="processed_ttl",
            )
        ]

    @staticmethod
    def key(consumer: str, event_id: str) -> str:
        """The stored id of one handled event for one consumer: `<consumer>:<event_id>`."""
        return f"{consumer}:{event_id}"

    async def seen(self, consumer: str, event_id: str) -> bool:
        """Whether `consumer` has already handled the event `event_id`."""
        return await self.collection.find_one({"_id": self.key(consumer, event_id)}) is not None

    async def record(self, consumer: str, event_id: str) -> bool:
        """Mark as handled; False when another delivery already did."""
        try:
            await self.collection.insert_one(
                {"_id": self.key(consumer, event_id), "processed_at": now()}
            )
        except DuplicateKeyError:
            return False
        return True

    async def once(
        self, consumer: str, envelope: Envelope, effect: Callable[[], Awaitable[object]]
    ) -> bool:
        """Run `effect` unless this consumer already handled the event; True if it ran.

        The effect runs before the id is recorded, so a crash in between means a second
        run: effects keyed on the event id (as the inbox is) absorb that too.
        """
        if await self.seen(consumer, envelope.id):
            log.info("event.duplicate_skipped", consumer=consumer, event_id=envelope.id)
            return False
        await effect()
        await self.record(consumer, envelope.id)
        return True
