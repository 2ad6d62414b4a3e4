"""The transactional outbox (DESIGN §5): events are kept in the `_outbox` array of the
document whose change they announce, written in the same document write, then published
by `OutboxRelay` and pulled out. A crash between the write and the publish loses nothing:
the relay's sweep publishes what was left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from faststream.nats import NatsBroker
from pymongo import ASCENDING, IndexModel

from shared.contracts.base import Envelope
from shared.infra.broker import publish_event
from shared.infra.logging import get_logger

if TYPE_CHECKING:
    # Types only: `shared.infra.mongo` imports this module for its aggregate writes.
    from shared.infra.mongo import Collection, Database, Document

log = get_logger(__name__)

OUTBOX_FIELD = "_outbox"


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


class Outbox(Protocol):
    """What use cases need of the outbox relay: publish now what a write just queued in a
    document's `_outbox` (`OutboxRelay` does; unit tests pass a recording fake)."""

    async def flush(self, collection: str, doc_id: str) -> int:
        """Publish and pull out the pending events of one document; how many went out."""
        ...
