"""build_app(settings): wires broker, store, handlers; clients are made at start-up."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from faststream import FastStream

from services.competitions.certificates import Certificates
from services.competitions.clubs_service import Clubs
from services.competitions.entries import Entries
from services.competitions.handlers import register_handlers
from services.competitions.initiatives_service import Initiatives
from services.competitions.judging import Judging
from services.competitions.read_models import ReadModels
from services.competitions.records import CompetitionRecords
from services.competitions.registry_client import RegistryStartups
from services.competitions.repository import (
    INDEXES,
    OUTBOXED,
    PEOPLE,
    SCHOOLS,
    STARTUPS,
    CompetitionStore,
)
from services.competitions.results_service import ResultsPublication
from services.competitions.rounds import Rounds
from services.competitions.rpc import UseCases, register_rpc
from services.competitions.scoring import Scoring
from services.competitions.service import Competitions
from shared.infra.broker import make_broker
from shared.infra.idempotency import ProcessedEvents
from shared.infra.runtime import MadeAtStartup, ServiceContext, build_service_app
from shared.infra.settings import Settings


def build_app(settings: Settings) -> FastStream:
    """The competitions process: consumers, RPCs, the judging tick, use cases made at start-up."""
    broker = make_broker(settings)
    competitions: MadeAtStartup[Competitions] = MadeAtStartup("competitions")
    entries: MadeAtStartup[Entries] = MadeAtStartup("entries")
    judging_cases: MadeAtStartup[Judging] = MadeAtStartup("judging")
    scoring_cases: MadeAtStartup[Scoring] = MadeAtStartup("scoring")
    rounds: MadeAtStartup[Rounds] = MadeAtStartup("rounds")
    results: MadeAtStartup[ResultsPublication] = MadeAtStartup("results")
    certificate_cases: MadeAtStartup[Certificates] = MadeAtStartup("certificates")
    clubs: MadeAtStartup[Clubs] = MadeAtStartup("clubs")
    initiatives: MadeAtStartup[Initiatives] = MadeAtStartup("initiatives")
    models: MadeAtStartup[ReadModels] = MadeAtStartup("read models")
    processed: MadeAtStartup[ProcessedEvents] = MadeAtStartup("processed events")
    register_handlers(broker, settings, models, processed)
    use = UseCases(
        competitions=competitions,
        entries=entries,
        judging=judging_cases,
        scoring=scoring_cases,
        rounds=rounds,
        results=results,
        certificates=certificate_cases,
        clubs=clubs,
        initiatives=initiatives,
    )
    register_rpc(broker, use)

    async def setup(context: ServiceContext) -> Mapping[str, Any]:
        """Compose the competition, club and initiative use cases over the started context
        and start the loop that begins judging at each entry deadline."""
        # One store and one outbox; each use case is its own object, composed here.
        store = CompetitionStore(context.db)
        records = CompetitionRecords(store, context.outbox)
        certificates = Certificates(store, records.clock)
        judging = Judging(records)
        scoring = Scoring(records, judging)
        publication = ResultsPublication(
            records, judging, scoring, on_results=certificates.issue_for
        )
        registry = RegistryStartups(broker, settings.rpc_timeout_seconds)
        competitions.set(Competitions(records, judging, certificates))
        entries.set(Entries(records, registry))
        judging_cases.set(judging)
        scoring_cases.set(scoring)
        rounds.set(Rounds(records, judging, scoring))
        results.set(publication)
        certificate_cases.set(certificates)
        clubs.set(Clubs(store, context.outbox))
        initiatives.set(Initiatives(store, context.outbox, scopes=settings.initiative_scopes))
        models.set(ReadModels(store))
        processed.set(context.processed)
        # Judging begins by itself at each entry deadline, found again after a restart.
        stop = asyncio.Event()
        context.tasks.append(asyncio.create_task(judging.run(settings.judging_tick_seconds, stop)))
        # Certificates of results published just before a crash are issued on the next sweep.
        context.tasks.append(
            asyncio.create_task(certificates.run(settings.judging_tick_seconds, stop))
        )
        return {}

    async def personal_data(user_id: str) -> dict[str, Any]:
        """What competitions and initiatives hold about the person, for the PDPL
        91/2025/QH15 export."""
        return {
            **await competitions().personal_data(user_id),
            "initiatives": await initiatives().personal_data(user_id),
        }

    return build_service_app(
        settings,
        broker,
        setup=setup,
        indexes=INDEXES,
        read_models=[PEOPLE, SCHOOLS, STARTUPS],
        outbox_collections=OUTBOXED,
        personal_data=lambda: personal_data,
    )
