"""The one start-up helper every service uses, so each entry point stays tiny.

`build_service_app` wires a FastStream app: connect, provision streams, open the store,
create indexes, answer the readiness ping, run the outbox sweeper; the service's own
`setup` builds its use cases and hands them to its handlers through `MadeAtStartup` values.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import socket
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from faststream import FastStream
from faststream.nats import NatsBroker
from faststream.nats.prometheus import NatsPrometheusMiddleware
from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient, IndexModel

from shared.contracts.base import Envelope, Event, Forbidden, Role, UnknownEventType
from shared.contracts.rpc.common import (
    ExportPersonalData,
    PersonalData,
    PingRequest,
    Pong,
    personal_data_subject,
    ping_subject,
)
from shared.contracts.streams import ALL_STREAMS
from shared.infra.asyncapi import asyncapi_document, serve_metrics_and_asyncapi
from shared.infra.broker import (
    consumer_created,
    ensure_streams,
    reset_consumers,
)
from shared.infra.idempotency import ProcessedEvents, database_birth
from shared.infra.logging import configure_logging, get_logger
from shared.infra.mongo import (
    Database,
    Document,
    close_mongo_client,
    ensure_indexes,
    make_mongo_client,
)
from shared.infra.outbox import OutboxRelay
from shared.infra.periodic import cancel_and_wait
from shared.infra.rpc import answer_rpc, drain_rpc, start_rpc
from shared.infra.settings import Settings

log = get_logger(__name__)


@dataclass
class ServiceContext:
    """What a service's `setup` receives once the process is connected."""

    settings: Settings
    broker: NatsBroker
    db: Database
    outbox: OutboxRelay
    processed: ProcessedEvents
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


Setup = Callable[[ServiceContext], Awaitable[object]]
T = TypeVar("T")


class MadeAtStartup(Generic[T]):
    """A value made at start-up (clients are never made at import or build time, DESIGN
    §10) that handlers registered earlier reach by calling it. Calling it before `set`
    raises `RuntimeError`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.value: T | None = None

    def set(self, value: T) -> T:
        """Keep the value made at start-up and return it."""
        self.value = value
        return value

    def __call__(self) -> T:
        if self.value is None:
            raise RuntimeError(f"{self.name} used before the service started")
        return self.value


PersonalDataExport = Callable[[str], Awaitable[dict[str, Any]]]


Reaction = Callable[[Envelope, Any], Awaitable[object]]


# True while a handler runs for an event older than the service's database: history being
# replayed into a new (or lost and recreated) database to rebuild its read models.
_REPLAYING = contextvars.ContextVar("replaying_history", default=False)


def replaying_history() -> bool:
    """Whether the event being handled is history replayed into a rebuilt database.

    Read models apply it like any event; effects aimed at people (an inbox item, an email)
    are skipped, because those people were told when it happened (issue 11)."""
    return _REPLAYING.get()


def event_handler(
    durable: str,
    reactions: Mapping[type[Event], Reaction],
    processed: Callable[[], ProcessedEvents],
) -> Callable[[Envelope], Awaitable[None]]:
    """The body of a consumer: decode the envelope, skip the kinds this consumer does not
    react to (and unknown ones), run the reaction once per event id."""

    async def on_event(envelope: Envelope) -> None:
        """Handle one delivered envelope: ignore unknown or unreacted kinds, else react once."""
        try:
            event = envelope.event()
        except UnknownEventType:
            return
        react = reactions.get(type(event))
        if react is None:
            return

        async def effect() -> None:
            """The reaction to this event, run at most once per event id."""
            await react(envelope, event)

        store = processed()
        token = _REPLAYING.set(await store.is_history(durable, envelope))
        try:
            await store.once(durable, envelope, effect)
        finally:
            _REPLAYING.reset(token)

    on_event.__name__ = f"on_{durable.replace('-', '_')}"
    return on_event


def instance_name() -> str:
    """This process's name in claims and logs: `<host>-<pid>`."""
    return f"{socket.gethostname()}-{os.getpid()}"


def build_service_app(
    settings: Settings,
    broker: NatsBroker,
    *,
    setup: Setup,
    indexes: Mapping[str, Sequence[IndexModel]] | None = None,
    outbox_collections: Sequence[str] = (),
    read_models: Sequence[str] = (),
    personal_data: Callable[[], PersonalDataExport] | None = None,
) -> FastStream:
    """`personal_data` returns (once started) the export of what this service holds about
    a user; a service that keeps nothing about people leaves it out and answers `{}`.

    `read_models` names the collections built only from events. A service whose database
    is new (a new copy, a lost volume) replays every stream it follows from the beginning,
    so those rebuild by themselves; `settings.rebuild_read_models` (the command
    `python -m services.<name> rebuild-read-models`) drops them first and replays too."""
    app = FastStream(broker, logger=None)
    # Handler counts, errors and latencies, per subject, from FastStream's own middleware.
    registry = CollectorRegistry()
    broker.add_middleware(NatsPrometheusMiddleware(registry=registry, app_name=settings.service))
    instance = settings.instance or instance_name()
    state: dict[str, Any] = {}

    async def ping(_: PingRequest) -> Pong:
        """`rpc.<service>.health.ping`: answer this service's name and instance."""
        return Pong(service=settings.service, instance=instance)

    answer_rpc(broker, settings.service, PingRequest, ping, subject=ping_subject(settings.service))

    async def export(request: ExportPersonalData) -> PersonalData:
        """`rpc.<service>.personal_data.export`: what this service holds about a person
        (PDPL 91/2025/QH15). Raises `Forbidden` unless the actor is that person or an admin."""
        actor = request.actor
        if actor is None or (actor.id != request.user_id and actor.role != Role.ADMIN):
            raise Forbidden("only the person or an admin may export personal data")
        data = await personal_data()(request.user_id) if personal_data else {}
        return PersonalData(service=settings.service, data=data)

    answer_rpc(
        broker,
        settings.service,
        ExportPersonalData,
        export,
        subject=personal_data_subject(settings.service),
    )

    @app.on_startup
    async def connect() -> None:
        """Startup: connect the broker, provision the streams, open the database and build
        the service context."""
        await broker.connect()
        # Every process provisions the streams idempotently, so start order never matters.
        await ensure_streams(broker, ALL_STREAMS, replicas=settings.stream_replicas)
        client: AsyncMongoClient[Document] = make_mongo_client(settings)
        db = client[settings.database_name()]
        outbox = OutboxRelay(db, broker, outbox_collections)
        born, fresh = await database_birth(db)
        processed = ProcessedEvents(
            db,
            settings.processed_events_ttl_seconds,
            history_before=born,
            fresh=fresh,
            created_at=lambda stream, durable: consumer_created(broker, stream, durable),
        )
        if fresh or settings.rebuild_read_models:
            await rebuild_read_models(db, broker, settings.service, read_models, processed)
        all_indexes: dict[str, Sequence[IndexModel]] = dict(indexes or {})
        all_indexes[processed.collection_name] = processed.indexes()
        for name in outbox_collections:
            all_indexes[name] = [*all_indexes.get(name, ()), *OutboxRelay.indexes()]
        await ensure_indexes(db, all_indexes)
        context = ServiceContext(settings, broker, db, outbox, processed)
        await setup(context)
        state.update(client=client, context=context, stop=asyncio.Event())

    @app.after_startup
    async def started() -> None:
        """After startup: answer requests (once the event consumers exist, so a caller who
        saw the service answer never publishes before they do), serve metrics and
        AsyncAPI if configured, start background tasks."""
        context: ServiceContext = state["context"]
        await start_rpc(broker, registry)
        if settings.metrics_port:
            server, thread = serve_metrics_and_asyncapi(
                settings.metrics_host,
                settings.metrics_port,
                registry,
                lambda: asyncapi_document(
                    f"InnoHub {settings.service}",
                    servers=settings.nats_servers,
                    publishers={settings.service},
                    responders={settings.service},
                ),
            )
            state["metrics"] = (server, thread)
            log.info("metrics.serving", port=settings.metrics_port)
        if outbox_collections:
            context.tasks.append(
                asyncio.create_task(
                    context.outbox.run_sweeper(settings.outbox_sweep_seconds, state["stop"])
                )
            )
        log.info("service.started", instance=instance)

    @app.on_shutdown
    async def stop() -> None:
        """Shutdown, first step: stop answering requests and let those in flight finish
        (before the store closes, after this hook and the broker's drain), then signal the
        background tasks and wait for them to end."""
        # Callers wait `rpc_timeout_seconds`: a longer drain would answer nobody.
        await drain_rpc(broker, timeout=settings.rpc_timeout_seconds)
        if "stop" in state:
            state["stop"].set()
            context = state["context"]
            await asyncio.gather(*(cancel_and_wait(task) for task in context.tasks))

    @app.after_shutdown
    async def close() -> None:
        """Shutdown, last step: close the database client and the metrics server."""
        # After the broker has drained its handlers: closing the store before would fail
        # the messages still being handled.
        if "client" in state:
            await close_mongo_client(state["client"])
        if "metrics" in state:
            server, thread = state["metrics"]
            server.shutdown()
            thread.join(timeout=2)
        log.info("service.stopped", instance=instance)

    return app


async def rebuild_read_models(
    db: Database,
    broker: NatsBroker,
    service: str,
    read_models: Sequence[str],
    processed: ProcessedEvents,
) -> None:
    """Drop the read-model collections and what the consumers remember having handled, and
    delete this service's durable consumers, so they are created anew from the start of
    their streams (which keep a year, DESIGN §4) and every read model is rebuilt."""
    for name in read_models:
        await db.drop_collection(name)
    await processed.forget_all()
    removed = await reset_consumers(broker, service)
    # A first start is routine; consumers removed mean a database was lost or rebuilt.
    (log.warning if removed else log.info)(
        "read_models.rebuilding", collections=list(read_models), consumers=removed
    )


def run_service(service: str, build_app: Callable[[Settings], FastStream]) -> None:
    """Entry point body of `python -m services.<name> [rebuild-read-models]`."""
    command = sys.argv[1:]
    if command not in ([], ["rebuild-read-models"]):
        sys.stderr.write(f"usage: python -m services.{service} [rebuild-read-models]\n")
        sys.exit(2)
    settings = Settings(service=service, rebuild_read_models=bool(command))
    configure_logging(service, level=settings.log_level, json=settings.log_json)
    asyncio.run(build_app(settings).run())
