"""What the events use cases that read or change an event are given (composed, not
inherited): loading an event, saving a change with its events in one versioned write (the
outbox, DESIGN §5), the event as its page shows it, the clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.events import views
from services.events.ports import EventsRepository, EventStore
from services.events.repository.schema import EVENTS
from shared.contracts.base import Conflict, Envelope, Event, NotFound
from shared.contracts.rpc.events.announcements import EventView
from shared.infra.mongo import Document
from shared.infra.outbox import Outbox


def envelope_of(event: Event, aggregate_id: str) -> Envelope:
    """The envelope of one of this service's events about `aggregate_id`."""
    return Envelope.wrap(event, aggregate_id=aggregate_id)


async def existing_event(events: EventStore, event_id: str) -> Document:
    """The stored event `event_id`. Raises `NotFound` (`not_found`) when there is none."""
    doc = await events.get_event(event_id)
    if doc is None:
        raise NotFound("detail.event_not_found", reason="not_found")
    return doc


class EventRecords:
    """Loads and saves events for the use cases. `store` is the repository (every part,
    see `ports.EventsRepository`), `outbox` publishes what a write queued, `clock` gives
    the current instant (aware UTC; tests pass their own)."""

    def __init__(
        self, store: EventsRepository, outbox: Outbox, clock: Callable[[], datetime]
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.clock = clock

    async def event(self, event_id: str) -> Document:
        """The stored event `event_id`. Raises `NotFound` when there is none."""
        return await existing_event(self.store.events, event_id)

    async def view(self, doc: Document) -> EventView:
        """The event as its page shows it, with how many wait now and each unit's places
        left."""
        event_id = doc["_id"]
        waiting = await self.store.registrations.count_registrations(event_id, "waitlist")
        return views.event_view(doc, waiting, await self.store.quotas.quotas_left(event_id))

    async def change(
        self, doc: Document, changes: Document, events: list[Event], *, seats_delta: int = 0
    ) -> Document:
        """Set `changes` on the event read as `doc` (its `version` must still be current)
        with `events` in its outbox, free seats moved by `seats_delta`, then publish them.
        Returns the stored event. Raises `Conflict` (`version`) when the race or the seats
        were lost."""
        envelopes = [envelope_of(event, doc["_id"]) for event in events]
        after = await self.store.events.update_event(
            doc["_id"], doc["version"], changes, envelopes, seats_delta=seats_delta
        )
        if after is None:
            raise Conflict("detail.event_changed_meanwhile", reason="version")
        if envelopes:
            await self.outbox.flush(EVENTS, doc["_id"])
        return after
