"""MongoDB through PyMongo's async API: client factory, indexes, the aggregate writes.

Every process talks to a real server over the wire: a MongoDB replica set in production,
the embedded SecantusDB server that the launcher and the tests start otherwise (DESIGN §3).
Code never branches on which one it has.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import AsyncMongoClient, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.contracts.base import Envelope
from shared.infra.outbox import OUTBOX_FIELD, outbox_entries, with_outbox
from shared.infra.settings import Settings

Document = dict[str, Any]
Database = AsyncDatabase[Document]
Collection = AsyncCollection[Document]


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


# --- aggregate collections: the one base every repository uses ------------------------------
#
# DESIGN §5: a state change and its events go out in one document write (the `_outbox`
# array), aggregates carry `version` and an update matches on it, read models keep the
# newest snapshot they were sent. These are the only copies of those three writes.


class AlreadyExists(Exception):
    """An insert or update hit a unique index (same `_id`, or a unique business key)."""


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
