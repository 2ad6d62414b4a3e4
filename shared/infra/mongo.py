"""MongoDB through PyMongo's async API: client factory, indexes, outbox relay, idempotency.

Without `MONGODB_URL` the process uses the embedded in-memory store (pymongo-async-mock),
which has the same API; code never branches on which one it has.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from faststream.nats import NatsBroker
from pymongo import ASCENDING, AsyncMongoClient, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.contracts.base import Envelope
from shared.infra.broker import publish_event
from shared.infra.logging import get_logger
from shared.infra.settings import Settings

log = get_logger(__name__)

Document = dict[str, Any]
Database = AsyncDatabase[Document]
Collection = AsyncCollection[Document]

OUTBOX_FIELD = "_outbox"


def make_mongo_client(settings: Settings) -> AsyncMongoClient[Document]:
    if settings.mongodb_url:
        return AsyncMongoClient(settings.mongodb_url, tz_aware=True, uuidRepresentation="standard")
    from pymongo_async_mock import AsyncMongoMockClient

    log.warning(
        "mongodb.embedded_store",
        detail="MONGODB_URL is not set: using the embedded in-memory store; "
        "data will not survive a restart",
    )
    return cast("AsyncMongoClient[Document]", AsyncMongoMockClient(tz_aware=True))


async def close_mongo_client(client: AsyncMongoClient[Document]) -> None:
    # The embedded store's close() is synchronous; PyMongo's is a coroutine.
    closing = client.close()
    if inspect.isawaitable(closing):
        await closing


async def ensure_indexes(db: Database, indexes: Mapping[str, Sequence[IndexModel]]) -> None:
    """Indexes are declared in code next to the repository and created at start-up."""
    for collection, models in indexes.items():
        if models:
            await db[collection].create_indexes(list(models))


def now() -> datetime:
    return datetime.now(UTC)


# --- outbox -------------------------------------------------------------------------------


def outbox_entries(envelopes: Sequence[Envelope]) -> list[Document]:
    return [envelope.model_dump(mode="json") for envelope in envelopes]


def with_outbox(update: Document, envelopes: Sequence[Envelope]) -> Document:
    """Add the events to an update, so state and events are written in one document write."""
    merged = {key: dict(value) for key, value in update.items()}
    if envelopes:
        merged.setdefault("$push", {})[OUTBOX_FIELD] = {"$each": outbox_entries(envelopes)}
    return merged


class OutboxRelay:
    """Publishes the events an aggregate keeps in `_outbox`, then pulls them out.

    `flush` runs right after the write that queued events, so the happy path has no
    polling delay; `sweep` runs periodically and recovers what a crash left behind.
    A crash after publishing and before pulling republishes the same `Nats-Msg-Id`,
    which JetStream drops inside the duplicate window (consumers are idempotent beyond it).
    """

    def __init__(self, db: Database, broker: NatsBroker, collections: Sequence[str]) -> None:
        self.db = db
        self.broker = broker
        self.collections = tuple(collections)

    @staticmethod
    def indexes() -> list[IndexModel]:
        return [IndexModel([(f"{OUTBOX_FIELD}.id", ASCENDING)], sparse=True, name="outbox_pending")]

    async def flush(self, collection: str, doc_id: str) -> int:
        doc = await self.db[collection].find_one({"_id": doc_id}, {OUTBOX_FIELD: 1})
        if not doc:
            return 0
        return await self._publish_pending(self.db[collection], doc_id, doc.get(OUTBOX_FIELD) or [])

    async def _publish_pending(
        self, collection: Collection, doc_id: str, pending: list[Document]
    ) -> int:
        published = 0
        for entry in pending:
            envelope = Envelope.model_validate(entry)
            await publish_event(self.broker, envelope)
            await collection.update_one(
                {"_id": doc_id}, {"$pull": {OUTBOX_FIELD: {"id": envelope.id}}}
            )
            published += 1
            log.debug("outbox.published", event_type=envelope.type, event_id=envelope.id)
        return published

    async def sweep(self) -> int:
        published = 0
        for name in self.collections:
            collection = self.db[name]
            cursor = collection.find({f"{OUTBOX_FIELD}.id": {"$exists": True}}, {OUTBOX_FIELD: 1})
            async for doc in cursor:
                published += await self._publish_pending(
                    collection, doc["_id"], doc.get(OUTBOX_FIELD) or []
                )
        if published:
            log.info("outbox.recovered", published=published)
        return published

    async def run_sweeper(self, interval: float, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.sweep()
            except Exception:
                log.exception("outbox.sweep_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)


# --- idempotent consumers -------------------------------------------------------------------


class ProcessedEvents:
    """Ids of events a consumer has handled (unique id, TTL), so a redelivery is skipped."""

    collection_name = "processed_events"

    def __init__(self, db: Database, ttl_seconds: int) -> None:
        self.collection = db[self.collection_name]
        self.ttl_seconds = ttl_seconds

    def indexes(self) -> list[IndexModel]:
        return [
            IndexModel(
                [("processed_at", ASCENDING)],
                expireAfterSeconds=self.ttl_seconds,
                name="processed_ttl",
            )
        ]

    @staticmethod
    def key(consumer: str, event_id: str) -> str:
        return f"{consumer}:{event_id}"

    async def seen(self, consumer: str, event_id: str) -> bool:
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
