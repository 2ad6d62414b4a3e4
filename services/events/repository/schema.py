"""The events database's collections: their names, which keep an `_outbox`, which are read
models built only from other services' events, and their indexes (made at start-up)."""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING, IndexModel

from shared.infra.outbox import OUTBOX_FIELD

EVENTS = "events"
REGISTRATIONS = "registrations"
CERTIFICATES = "certificates"
PEOPLE = "people"
#: Organizations of the reference data, by code (`_id`): kept from the reference events once
#: they exist (another issue adds `GET/POST /organizations`); empty until then.
ORGANIZATIONS = "organizations"
#: One counter per (event, unit with a quota): how many members it may still enrol.
QUOTAS = "quota_counters"
#: The aggregates, each written with its `_outbox` in the same update.
AGGREGATES = (EVENTS, REGISTRATIONS)
#: Built only from identity and reference events: rebuilt by replaying them.
READ_MODELS = (PEOPLE, ORGANIZATIONS)
#: The projection that leaves the outbox out of every document read.
HIDDEN = {OUTBOX_FIELD: 0}

INDEXES: dict[str, list[IndexModel]] = {
    EVENTS: [
        IndexModel([("status", ASCENDING), ("starts_at", ASCENDING)], name="status_start"),
        IndexModel([("created_by", ASCENDING)], name="creator"),
        IndexModel([("held", ASCENDING), ("ends_at", ASCENDING)], name="held_in_period"),
    ],
    REGISTRATIONS: [
        IndexModel(
            [("event_id", ASCENDING), ("user_id", ASCENDING)],
            unique=True,
            name="one_registration_per_person",
        ),
        IndexModel([("code", ASCENDING)], unique=True, name="ticket_code"),
        IndexModel(
            [("event_id", ASCENDING), ("status", ASCENDING), ("waitlist_number", ASCENDING)],
            name="waitlist_order",
        ),
        IndexModel([("user_id", ASCENDING), ("registered_at", DESCENDING)], name="mine"),
    ],
    CERTIFICATES: [
        IndexModel(
            [("subject_id", ASCENDING), ("holder_id", ASCENDING)],
            unique=True,
            name="one_certificate_per_attendee",
        ),
        IndexModel([("holder_id", ASCENDING), ("issued_at", DESCENDING)], name="holder"),
    ],
    PEOPLE: [],
    ORGANIZATIONS: [],
    QUOTAS: [IndexModel([("event_id", ASCENDING)], name="event")],
}
