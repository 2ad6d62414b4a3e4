"""build_app(settings): wires broker, store, handlers; clients are made at start-up."""

from __future__ import annotations

from faststream import FastStream

from services.mentoring.follow_ups import FollowUps
from services.mentoring.handlers import register_handlers
from services.mentoring.matches import Matches
from services.mentoring.read_models import ReadModels
from services.mentoring.records import Records
from services.mentoring.registry_client import registry_lookup
from services.mentoring.repository import (
    AGGREGATES,
    FIGURE_DAYS,
    INDEXES,
    SECTORS,
    STARTUPS,
    TOMBSTONES,
    USERS,
    MentoringStore,
)
from services.mentoring.rpc import UseCases, register_rpc
from services.mentoring.service import Mentoring
from services.mentoring.sessions import Sessions
from shared.infra.broker import make_broker
from shared.infra.idempotency import ProcessedEvents
from shared.infra.runtime import MadeAtStartup, ServiceContext, build_service_app
from shared.infra.settings import Settings


def build_app(settings: Settings) -> FastStream:
    """The mentoring process: its consumers, its RPCs, and its use cases made at start-up."""
    broker = make_broker(settings)
    mentoring: MadeAtStartup[Mentoring] = MadeAtStartup("mentoring")
    matches: MadeAtStartup[Matches] = MadeAtStartup("matches")
    sessions: MadeAtStartup[Sessions] = MadeAtStartup("sessions")
    follow_ups: MadeAtStartup[FollowUps] = MadeAtStartup("follow-ups")
    read_models: MadeAtStartup[ReadModels] = MadeAtStartup("read models")
    processed: MadeAtStartup[ProcessedEvents] = MadeAtStartup("processed events")
    register_handlers(broker, settings, read_models, follow_ups, processed)
    register_rpc(broker, UseCases(mentoring, matches, sessions, follow_ups))

    async def setup(context: ServiceContext) -> None:
        """Compose the mentoring use cases and read models over the started context."""
        # One store and one outbox; each use case is its own object, composed here.
        store = MentoringStore(context.db)
        records = Records(store, context.outbox)
        mentoring.set(Mentoring(records, registry_lookup(context.broker)))
        matches.set(Matches(records))
        sessions.set(Sessions(records))
        follow_ups.set(FollowUps(store))
        read_models.set(ReadModels(store))
        processed.set(context.processed)

    return build_service_app(
        settings,
        broker,
        setup=setup,
        indexes=INDEXES,
        read_models=[STARTUPS, USERS, SECTORS, FIGURE_DAYS, TOMBSTONES],
        outbox_collections=AGGREGATES,
        personal_data=lambda: read_models().personal_data,
    )
