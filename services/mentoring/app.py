"""build_app(settings): wires broker, store, handlers; clients are made at start-up."""

from __future__ import annotations

from faststream import FastStream

from services.mentoring.handlers import register_handlers
from services.mentoring.repository import (
    AGGREGATES,
    DAILY_FIGURES,
    INDEXES,
    SECTORS,
    STARTUPS,
    USERS,
    MentoringStore,
)
from services.mentoring.rpc import register_rpc
from services.mentoring.service import Mentoring
from shared.infra.broker import make_broker
from shared.infra.mongo import ProcessedEvents
from shared.infra.runtime import Late, ServiceContext, build_service_app
from shared.infra.settings import Settings


def build_app(settings: Settings) -> FastStream:
    broker = make_broker(settings)
    mentoring: Late[Mentoring] = Late("mentoring")
    processed: Late[ProcessedEvents] = Late("processed events")
    register_handlers(broker, settings, mentoring, processed)
    register_rpc(broker, mentoring)

    async def setup(context: ServiceContext) -> None:
        mentoring.set(Mentoring(MentoringStore(context.db), context.outbox))
        processed.set(context.processed)

    return build_service_app(
        settings,
        broker,
        setup=setup,
        indexes=INDEXES,
        read_models=[STARTUPS, USERS, SECTORS, DAILY_FIGURES],
        outbox_collections=AGGREGATES,
        personal_data=lambda: mentoring().personal_data,
    )
