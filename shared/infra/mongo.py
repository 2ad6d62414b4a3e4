"""MongoDB through PyMongo's async API: client factory, indexes, outbox relay, idempotency.

Every process talks to a real server over the wire: a MongoDB replica set in production,
the embedded SecantusDB server that the launcher and the tests start otherwise (DESIGN §3).
Code never branches on which one it has.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from faststream.nats import NatsBroker
from pymongo import ASCENDING, AsyncMongoClient, IndexModel, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.contracts.base import Envelope
from shared.contracts.streams import stream_for
from shared.infra.broker import publish_event
from shared.infra.logging import get_logger
from shared.infra.settings import Settings

log = get_logger(__name__)

Document = dict[str, Any]
Database = AsyncDatabase[Document]
Collection = AsyncCollection[Document]

OUTBOX_FIELD = "_outbox"


def make_mongo_client(settings: Settings) -> AsyncMongoClient[Document]:
    """A client whose writes are acknowledged only once journaled (`j: true`) and, on a
    replica set, by a majority: a 201 survives a kill -9 of any process (DESIGN §3).

    Raises `RuntimeError` when `MONGODB_URL` is unset: the launcher or the test fixture
    starts a server and sets it, so a process never silently runs without storage."""
    if not settings.mongodb_url:
        raise RuntimeError(
            "MONGODB_URL is not set: start the stack with `make run` (it starts the "
            "embedded database server) or point MONGODB_URL at a MongoDB replica set"
        )
    return AsyncMongoClient(
        settings.mongodb_url,
        tz_aware=True,
        uuidRepresentation="standard",
        w="majority",
        journal=True,
        appname=settings.service,
        # A request waits at most this long for a server that is down or restarting, then
        # fails (the gateway answers 503); pymongo's 30 s default would hold every caller.
        serverSelectionTimeoutMS=10_000,
    )


async def close_mongo_client(client: AsyncMongoClient[Document]) -> None:
    """Close the client's pools; pending operations fail rather than hang."""
    await client.close()


async def ensure_indexes(db: Database, indexes: Mapping[str, Sequence[IndexModel]]) -> None:
    """Indexes are declared in code next to the repository and created at start-up."""
    for collection, models in indexes.items():
        if models:
            await db[collection].create_indexes(list(models))


def now() -> datetime:
    """The current time, timezone-aware UTC (stored UTC, shown in Asia/Ho_Chi_Minh; DESIGN §7)."""
    return datetime.now(UTC)


# --- outbox -------------------------------------------------------------------------------


def outbox_entries(envelopes: Sequence[Envelope]) -> list[Document]:
    """The envelopes as JSON-able documents to store in a document's outbox field."""
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
        """The sparse index on pending outbox ids that the sweeper's query uses."""
        return [IndexModel([(f"{OUTBOX_FIELD}.id", ASCENDING)], sparse=True, name="outbox_pending")]

    async def flush(self, collection: str, doc_id: str) -> int:
        """Publish what `doc_id` has pending; the number published.

        Never raises for a broker or database fault: the write that queued the events has
        committed, so its caller must answer success (a 500 would lie); the events stay in
        `_outbox` and the sweep publishes them once NATS is back (issue 11)."""
        try:
            doc = await self.db[collection].find_one({"_id": doc_id}, {OUTBOX_FIELD: 1})
            if not doc:
                return 0
            return await self._publish_pending(
                self.db[collection], doc_id, doc.get(OUTBOX_FIELD) or []
            )
        except Exception as error:
            log.warning(
                "outbox.publish_deferred",
                collection=collection,
                doc_id=doc_id,
                error=f"{type(error).__name__}: {error}",
            )
            return 0

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
        """Publish every pending outbox entry in the relay's collections, removing each
        once published; return how many were published."""
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
        """Sweep every `interval` seconds until `stop` is set; a failed sweep is logged,
        not raised."""
        while not stop.is_set():
            try:
                await self.sweep()
            except Exception:
                log.exception("outbox.sweep_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)


# --- idempotent consumers -------------------------------------------------------------------


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


# --- aggregate collections: the one base every repository uses ------------------------------
#
# DESIGN §5: a state change and its events go out in one document write (the `_outbox`
# array), aggregates carry `version` and an update matches on it, read models keep the
# newest snapshot they were sent. These are the only copies of those three writes.


class AlreadyExists(Exception):
    """An insert or update hit a unique index (same `_id`, or a unique business key)."""


class Outbox(Protocol):
    """What use cases need of the outbox relay: publish now what a write just queued in a
    document's `_outbox` (`OutboxRelay` does; unit tests pass a recording fake)."""

    async def flush(self, collection: str, doc_id: str) -> int:
        """Publish and pull out the pending events of one document; how many went out."""
        ...


class AggregateCollection:
    """One MongoDB collection of aggregates (or of a read model), with the writes DESIGN §5
    asks for.

    `hidden` is the projection applied to what is read back: the outbox never leaves the
    repository. Documents are plain dicts whose `_id` is a string id chosen by the service.
    """

    def __init__(self, collection: Collection, hidden: Mapping[str, int] | None = None) -> None:
        self.collection = collection
        # None, not {}: PyMongo reads an empty projection as "only _id".
        chosen = {OUTBOX_FIELD: 0} if hidden is None else dict(hidden)
        self.hidden: Document | None = chosen or None

    @property
    def name(self) -> str:
        """The collection's name, as the outbox relay knows it."""
        return self.collection.name

    async def insert(self, doc: Document, events: Sequence[Envelope] | None = ()) -> None:
        """Insert `doc` with `events` queued in its outbox, in one write; `events` None for
        a collection that publishes nothing (it gets no `_outbox` field).

        Raises `AlreadyExists` when the `_id` or a unique index is already taken.
        """
        stored = doc if events is None else {**doc, OUTBOX_FIELD: outbox_entries(events)}
        try:
            await self.collection.insert_one(stored)
        except DuplicateKeyError:
            raise AlreadyExists(doc.get("_id")) from None

    async def update(
        self,
        doc_id: str,
        version: int,
        events: Sequence[Envelope] = (),
        *,
        set_: Document | None = None,
        unset: Sequence[str] = (),
        inc: Mapping[str, int | float] | None = None,
        push: Document | None = None,
        add_to_set: Document | None = None,
    ) -> Document | None:
        """Apply the change and queue `events` if the stored `version` is still `version`,
        raising it by one; returns the document after the write (outbox hidden).

        Returns None when the version moved on (optimistic concurrency, DESIGN §5: the
        caller answers `conflict`) or the document does not exist. Raises `AlreadyExists`
        when the change collides with a unique index.
        """
        update: Document = {"$inc": {"version": 1, **(inc or {})}}
        if set_:
            update["$set"] = dict(set_)
        if unset:
            update["$unset"] = dict.fromkeys(unset, "")
        if push:
            update["$push"] = dict(push)
        if add_to_set:
            update["$addToSet"] = dict(add_to_set)
        try:
            return await self.collection.find_one_and_update(
                {"_id": doc_id, "version": version},
                with_outbox(update, events),
                projection=self.hidden,
                return_document=True,  # ReturnDocument.AFTER
            )
        except DuplicateKeyError:
            raise AlreadyExists(doc_id) from None

    async def get(self, doc_id: str) -> Document | None:
        """The document with this `_id` (outbox hidden), or None."""
        return await self.collection.find_one({"_id": doc_id}, self.hidden)

    async def find(
        self,
        query: Document,
        *,
        sort: Sequence[tuple[str, int]] = (),
        skip: int = 0,
        limit: int = 0,
        projection: Mapping[str, int] | None = None,
    ) -> list[Document]:
        """Matching documents in `sort` order; `limit` 0 means all of them."""
        cursor = self.collection.find(
            query, dict(projection) if projection is not None else self.hidden
        )
        if sort:
            cursor = cursor.sort(list(sort))
        if skip:
            cursor = cursor.skip(skip)
        if limit:
            cursor = cursor.limit(limit)
        return [doc async for doc in cursor]

    async def page(
        self,
        query: Document,
        *,
        sort: Sequence[tuple[str, int]] = (),
        skip: int = 0,
        limit: int = 0,
        projection: Mapping[str, int] | None = None,
    ) -> tuple[list[Document], int]:
        """One page of matches (`skip` and `limit` in documents, `limit` 0 = all) and the
        total number of matches."""
        items = await self.find(query, sort=sort, skip=skip, limit=limit, projection=projection)
        return items, await self.collection.count_documents(query)

    async def count(self, query: Document | None = None) -> int:
        """How many documents match `query` (all of them without one)."""
        return await self.collection.count_documents(query or {})

    async def upsert_if_newer(
        self, doc_id: str, fields: Document, version: int, *, or_equal: bool = False
    ) -> bool:
        """Keep the snapshot `fields` at `version` unless a newer one is already kept; True
        when it was written.

        Events reach a read model out of order and from several consumers at once, so this
        is one conditional update, never find-then-update: the filter only matches an
        older (or unversioned) document, and when a newer one exists the upsert's insert
        collides on `_id`, which is the answer "already newer" (after one plain retry, in
        case the collision was with a concurrent first insert of an older snapshot). With `or_equal` the same
        version is written again (idempotent re-delivery of the same snapshot).
        """
        older: Document = {"$lte" if or_equal else "$lt": version}
        match: Document = {
            "_id": doc_id,
            "$or": [{"version": older}, {"version": {"$exists": False}}],
        }
        change: Document = {"$set": {**fields, "version": version}}
        try:
            await self.collection.update_one(match, change, upsert=True)
        except DuplicateKeyError:
            # Either a newer snapshot is kept, or a concurrent writer created the document
            # between our match and our insert: once more as a plain conditional update.
            result = await self.collection.update_one(match, change)
            return result.matched_count == 1
        return True

    async def upsert(self, doc_id: str, fields: Document) -> None:
        """Set `fields` on the document, creating it if needed (last write wins: for read
        models whose events carry no version)."""
        await self.collection.update_one({"_id": doc_id}, {"$set": fields}, upsert=True)
