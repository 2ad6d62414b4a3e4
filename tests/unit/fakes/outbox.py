"""A recording outbox: what a write queued, and what a flush would have published."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from shared.contracts.base import Envelope, Event


class RecordingOutbox:
    """Fake repositories `queue` a document's events as the real ones write `_outbox`;
    `flush` moves them to `published`, as the relay publishes them to JetStream."""

    def __init__(self) -> None:
        self.pending: defaultdict[tuple[str, str], list[Envelope]] = defaultdict(list)
        self.published: list[Envelope] = []

    def queue(self, collection: str, doc_id: str, events: Sequence[Envelope]) -> None:
        self.pending[(collection, doc_id)].extend(events)

    async def flush(self, collection: str, doc_id: str) -> int:
        events = self.pending.pop((collection, doc_id), [])
        self.published.extend(events)
        return len(events)

    def events(self) -> list[Event]:
        """The published events, decoded, in order."""
        return [envelope.event() for envelope in self.published]

    def of_type(self, kind: type[Event]) -> list[Event]:
        return [event for event in self.events() if isinstance(event, kind)]
