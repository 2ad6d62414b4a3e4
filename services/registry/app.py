"""build_app(settings): wires broker, store, handlers; clients are made at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faststream import FastStream

from services.registry.figures import Figures
from services.registry.handlers import register_handlers
from services.registry.personal_data import PersonalData
from services.registry.read_models import ReadModels
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
from services.registry.search import StartupSearch
from services.registry.service import Startups
from shared.infra.broker import make_broker
from shared.infra.idempotency import ProcessedEvents
from shared.infra.runtime import MadeAtStartup, ServiceContext, build_service_app
from shared.infra.settings import Settings


def build_app(settings: Settings) -> FastStream:
    """The registry process: its consumers, its RPCs, and its use cases made at start-up."""
    broker = make_broker(settings)
    startups: MadeAtStartup[Startups] = MadeAtStartup("startups")
    search: MadeAtStartup[StartupSearch] = MadeAtStartup("search")
    figures: MadeAtStartup[Figures] = MadeAtStartup("figures")
    models: MadeAtStartup[ReadModels] = MadeAtStartup("read models")
    personal: MadeAtStartup[PersonalData] = MadeAtStartup("personal data")
    processed: MadeAtStartup[ProcessedEvents] = MadeAtStartup("processed events")
    register_handlers(broker, settings, models, personal, figures, processed)
    register_rpc(broker, startups, search, figures)

    async def setup(context: ServiceContext) -> Mapping[str, Any]:
        """Compose the registry's use cases over the started context (one store, each use
        case its own object); no personal-data extras."""
        store = StartupStore(context.db)
        startups.set(Startups(store, context.outbox))
        search.set(StartupSearch(store))
        figures.set(Figures(store))
        models.set(ReadModels(store))
        personal.set(PersonalData(store))
        await search().index_for_search()  # startups stored before search as you type
        processed.set(context.processed)
        return {}

    return build_service_app(
        settings,
        broker,
        setup=setup,
        indexes=INDEXES,
        read_models=[WARDS, SECTORS, CONTACTS, DAILY_FIGURES],
        outbox_collections=[STARTUPS],
        personal_data=lambda: personal().export,
    )
