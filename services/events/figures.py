"""The events section of the district report (issue 18): events held, registrations,
attendance, certificates, by kind, organizer, ward and organization, women and youth."""

from __future__ import annotations

from datetime import datetime

from services.events import domain
from services.events.ports import EventStore, RegistrationStore
from shared.contracts.rpc.events.figures import EventsFigures
from shared.localtime import utc


class Figures:
    """The report's figures over the events and their registrations (`domain.figures`)."""

    def __init__(self, events: EventStore, registrations: RegistrationStore) -> None:
        self.events = events
        self.registrations = registrations

    async def period(self, start: datetime, end: datetime) -> EventsFigures:
        """The events section of the district report over [start, end) (aware instants):
        the events held whose last sitting ended then, and their seats."""
        events = await self.events.held_between(utc(start), utc(end))
        seats = await self.registrations.seats_of([e["_id"] for e in events])
        return EventsFigures.model_validate(domain.figures(events, seats))
