"""build_app(settings): wires broker, store, handlers; clients are made at start-up."""

from __future__ import annotations

import asyncio

from faststream import FastStream

from services.events.handlers import register_handlers
from services.events.records import Records
from services.events.repository import events_repository
from services.events.repository.schema import AGGREGATES, INDEXES, READ_MODELS
from services.events.rpc import register_rpc
from services.events.seats import AUDIT_SECONDS, QuotaAudit, SeatAudit
from services.events.service import EventsService
from shared.infra.broker import make_broker
from shared.infra.idempotency import ProcessedEvents
from shared.infra.mongo import now
from shared.infra.runtime import MadeAtStartup, ServiceContext, build_service_app
from shared.infra.settings import Settings


def build_app(settings: Settings) -> FastStream:
    """The events process: its identity consumer, its RPCs, and its use cases."""
    broker = make_broker(settings)
    events: MadeAtStartup[EventsService] = MadeAtStartup("events")
    records: MadeAtStartup[Records] = MadeAtStartup("records")
    processed: MadeAtStartup[ProcessedEvents] = MadeAtStartup("processed events")
    register_handlers(broker, settings, records, processed)
    register_rpc(broker, events, records)

    async def setup(context: ServiceContext) -> None:
        """Compose the use cases over the started context and start the seat and quota
        audits."""
        store = events_repository(context.db)
        service = EventsService(store, context.outbox, now)
        events.set(service)
        records.set(Records(store, context.outbox, now))
        processed.set(context.processed)
        # A seat or a unit's place whose registration was lost to a crash is returned
        # (services/events/seats.py).
        audit = SeatAudit(store, service.fill_free_seats, now)
        context.tasks.append(asyncio.create_task(audit.run(AUDIT_SECONDS, asyncio.Event())))
        quotas = QuotaAudit(store, now)
        context.tasks.append(asyncio.create_task(quotas.run(AUDIT_SECONDS, asyncio.Event())))

    return build_service_app(
        settings,
        broker,
        setup=setup,
        indexes=INDEXES,
        read_models=READ_MODELS,
        outbox_collections=AGGREGATES,
        personal_data=lambda: records().personal_data,
    )
