"""The only events modules that talk to MongoDB (a package since it passed 400 lines,
DESIGN §10), one module per part of `ports.EventsRepository`: the events in `events`, seat
and quota counters in `seats`, registrations in `registrations`, certificates of attendance
in `certificates`, the people and organizations read models (and a person's data) in
`people`; the collections and their indexes in `schema`."""

from __future__ import annotations

from services.events.ports import EventsRepository
from services.events.repository.certificates import MongoCertificateStore
from services.events.repository.events import MongoEventStore
from services.events.repository.people import MongoOrganizationStore, MongoPeopleStore
from services.events.repository.registrations import MongoRegistrationStore
from services.events.repository.seats import MongoQuotaCounters, MongoSeatCounters
from shared.infra.mongo import Database


def events_repository(db: Database) -> EventsRepository:
    """The events service's storage over `db`, every part on the same database."""
    return EventsRepository(
        events=MongoEventStore(db),
        seats=MongoSeatCounters(db),
        quotas=MongoQuotaCounters(db),
        registrations=MongoRegistrationStore(db),
        certificates=MongoCertificateStore(db),
        people=MongoPeopleStore(db),
        organizations=MongoOrganizationStore(db),
    )
