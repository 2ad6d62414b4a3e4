"""build_app(settings): wires broker, store, handlers; clients are made at start-up."""

from __future__ import annotations

import asyncio

from faststream import FastStream

from services.events.handlers import register_handlers
from services.events.repository import events_repository
from services.events.repository.schema import AGGREGATES, INDEXES, READ_MODELS
from services.events.rpc import register_rpc
from services.events.seats import AUDIT_SECONDS, QuotaAudit, SeatAudit
from services.events.use_cases import UseCases, compose
from shared.infra.broker import make_broker
from shared.infra.idempotency import ProcessedEvents
from shared.infra.mongo import now
from shared.infra.runtime import MadeAtStartup, ServiceContext, build_service_app
from shared.infra.settings import Settings


def build_app(settings: Settings) -> FastStream:
    """The events process: its identity consumer, its RPCs, and its use cases."""
    broker = make_broker(settings)
    use: MadeAtStartup[UseCases] = MadeAtStartup("events use cases")
    processed: MadeAtStartup[ProcessedEvents] = MadeAtStartup("processed events")
    register_handlers(broker, settings, lambda: use().people, processed)
    register_rpc(broker, use)

    async def setup(context: ServiceContext) -> None:
        """Compose the use cases over the started context (one store, one outbox, one
        clock; each use case its own object, `use_cases.compose`) and start the seat and
        quota audits."""
        store = events_repository(context.db)
        use.set(compose(store, context.outbox, now))
        processed.set(context.processed)
        # A seat or a unit's place whose registration was lost to a crash is returned
        # (services/events/seats.py).
        audit = SeatAudit(store, use().waitlist.fill_free_seats, now)
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
        personal_data=lambda: use().people.personal_data,
    )
