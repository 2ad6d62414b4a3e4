"""build_app(settings): wires broker, store, handlers; clients are made at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faststream import FastStream

from services.registry.handlers import register_handlers
from services.registry.repository import (
    CONTACTS,
    DAILY_FIGURES,
    INDEXES,
    SECTORS,
    STARTUPS,
    WARDS,
    StartupStore,
)
from services.registry.rpc import register_rpc
from services.registry.service import Registry
from shared.infra.broker import make_broker
from shared.infra.mongo import ProcessedEvents
from shared.infra.runtime import MadeAtStartup, ServiceContext, build_service_app
from shared.infra.settings import Settings


def build_app(settings: Settings) -> FastStream:
    """The registry process: its consumers, its RPCs, and its use cases made at start-up."""
    broker = make_broker(settings)
    registry: MadeAtStartup[Registry] = MadeAtStartup("registry")
    processed: MadeAtStartup[ProcessedEvents] = MadeAtStartup("processed events")
    register_handlers(broker, settings, registry, processed)
    register_rpc(broker, registry)

    async def setup(context: ServiceContext) -> Mapping[str, Any]:
        """Build the registry use cases over the started context; no personal-data extras."""
        registry.set(Registry(StartupStore(context.db), context.outbox))
        await registry().index_for_search()  # startups stored before search as you type
        processed.set(context.processed)
        return {}

    return build_service_app(
        settings,
        broker,
        setup=setup,
        indexes=INDEXES,
        read_models=[WARDS, SECTORS, CONTACTS, DAILY_FIGURES],
        outbox_collections=[STARTUPS],
        personal_data=lambda: registry().personal_data,
    )
