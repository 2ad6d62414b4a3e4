"""The events use cases of one copy of the service, each its own object, composed over one
store, one outbox and one clock: by `app.build_app` at start-up, by the tests over the
fakes or the real database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from services.events.attendance import Attendance
from services.events.certificates import Certificates
from services.events.figures import Figures
from services.events.people import People
from services.events.ports import EventsRepository
from services.events.records import EventRecords
from services.events.registrations import Registrations
from services.events.service import Events
from services.events.waitlist import Waitlist
from shared.infra.outbox import Outbox


@dataclass(frozen=True)
class UseCases:
    """What `rpc.py` and `handlers.py` call: the event's lifecycle, registrations,
    check-in, the waitlist (also the seat audit's), certificates, the report's figures,
    people and their data."""

    events: Events
    registrations: Registrations
    attendance: Attendance
    waitlist: Waitlist
    certificates: Certificates
    figures: Figures
    people: People


def compose(store: EventsRepository, outbox: Outbox, clock: Callable[[], datetime]) -> UseCases:
    """The use cases over `store` (every part), `outbox` (publishes what a write queued)
    and `clock` (the current instant, aware UTC)."""
    records = EventRecords(store, outbox, clock)
    waitlist = Waitlist(records)
    certificates = Certificates(
        store.certificates, store.registrations, store.people, store.events, clock
    )
    return UseCases(
        events=Events(records, waitlist, certificates),
        registrations=Registrations(records, waitlist),
        attendance=Attendance(records),
        waitlist=waitlist,
        certificates=certificates,
        figures=Figures(store.events, store.registrations),
        people=People(store.people, store.organizations),
    )
