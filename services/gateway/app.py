"""build_app(settings): the FastAPI gateway. The broker and store are opened in the lifespan."""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from types import ModuleType

from fastapi import Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from prometheus_client import CollectorRegistry

from services.gateway import auth, problems, routes, web
from services.gateway.access import check_every_route_has_one_rule
from services.gateway.cache import start_public_reads
from services.gateway.deps import GatewayState
from services.gateway.edge import EdgeMiddleware, HttpMetrics
from services.gateway.erasure import ClearContactCleanup
from services.gateway.idempotency import IdempotencyMiddleware
from services.gateway.problems import Problem
from services.gateway.ratelimit import SharedLimits, SlidingWindow
from services.gateway.reference import ReferenceData
from services.gateway.repository import (
    INDEXES,
    REFERENCE_COLLECTIONS,
    USERS,
    IdempotencyStore,
    LimitCounters,
    ReferenceStore,
    ReportStore,
    StoreHealth,
    UserStore,
)
from services.gateway.revocation import TokenRevocations
from services.gateway.routes import ops
from services.gateway.routing import guard_routers
from services.gateway.service import Identity, person_keys
from shared.contracts.rpc.identity import GetPersonKey
from shared.contracts.streams import ALL_STREAMS
from shared.infra.broker import answer_rpc, ensure_streams, make_broker
from shared.infra.logging import get_logger
from shared.infra.mongo import close_mongo_client, ensure_indexes, make_mongo_client
from shared.infra.outbox import OutboxRelay
from shared.infra.periodic import cancel_and_wait
from shared.infra.rpc import drain_rpc, start_rpc
from shared.infra.settings import Settings

log = get_logger(__name__)

API = "/api/v1"


def api_route_modules() -> list[ModuleType]:
    """Every module of `routes/` but ops: each carries a `router` whose routes declare
    their access rules (`services.gateway.access`)."""
    names = sorted(m.name for m in pkgutil.iter_modules(routes.__path__) if m.name != "ops")
    return [importlib.import_module(f"{routes.__name__}.{name}") for name in names]


def build_app(settings: Settings) -> FastAPI:
    """The gateway as an ASGI app: the API under `/api/v1`, ops routes, problem
    handlers and the edge middleware. The broker and the store open in its lifespan.

    Raises `RuntimeError` when a route declares no access rule, or more than one.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        broker = make_broker(settings)
        await broker.connect()
        await ensure_streams(broker, ALL_STREAMS, replicas=settings.stream_replicas)
        client = make_mongo_client(settings)
        db = client[settings.database_name("gateway")]
        users = UserStore(db)
        # Services open the sealed contacts of identity events with the person's key
        # (issue 13); subscribed before the broker starts, in the queue group `gateway`.
        answer_rpc(broker, "gateway", GetPersonKey, person_keys(users))
        await broker.start()
        await start_rpc(broker)
        outboxed = (USERS, *REFERENCE_COLLECTIONS)
        await ensure_indexes(
            db, {**INDEXES, **{name: [*INDEXES[name], *OutboxRelay.indexes()] for name in outboxed}}
        )
        outbox = OutboxRelay(db, broker, outboxed)
        access = auth.AccessTokens(
            auth.signing_key(settings),
            settings.jwt_issuer,
            timedelta(minutes=settings.access_token_minutes),
        )
        revocations = TokenRevocations(access.versions, broker, access.key)
        await revocations.start(users)
        identity = Identity(
            users, outbox, access, timedelta(days=settings.refresh_token_days), revocations
        )
        await identity.backfill_search()
        app.state.auth_limits = SharedLimits(LimitCounters(db), 60.0)
        admin = (settings.admin_email, settings.admin_password)
        if admin[0] and admin[1] and await identity.ensure_admin(admin[0], admin[1]):
            log.info("admin.created", email=admin[0])
        await identity.warn_if_no_admin()
        reference = ReferenceData(ReferenceStore(db), outbox, broker)
        await reference.seed_if_empty()
        await reference.republish_all()
        app.state.gateway = GatewayState(
            settings=settings,
            broker=broker,
            identity=identity,
            reference=reference,
            reports=ReportStore(db),
        )
        app.state.access_tokens = access
        app.state.idempotency = IdempotencyStore(db)
        app.state.store_health = StoreHealth(db)
        watch = await start_public_reads(settings, app.state.gateway.extras)
        stop = asyncio.Event()
        sweeper = asyncio.create_task(outbox.run_sweeper(settings.outbox_sweep_seconds, stop))
        syncer = asyncio.create_task(revocations.run(users, settings.token_sync_seconds, stop))
        cleanup = ClearContactCleanup(users, broker.connection.jetstream())
        cleaner = asyncio.create_task(cleanup.run(settings.log_cleanup_seconds, stop))
        log.info("gateway.started", port=settings.gateway_port)
        try:
            yield
        finally:
            stop.set()
            await sweeper
            await syncer
            # A walk of a long stream may be under way: stop it rather than wait for it.
            await cancel_and_wait(cleaner)
            await watch.stop()
            # Key requests in flight are answered before the store closes.
            await drain_rpc(broker, timeout=settings.rpc_timeout_seconds)
            await broker.stop()
            await close_mongo_client(client)
            log.info("gateway.stopped")

    async def resolve_actor(request: Request) -> None:
        """Reads the bearer token, if any; a bad one is a 401 even on public routes."""
        request.state.actor = None
        header = request.headers.get("authorization")
        if not header:
            return
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Problem("invalid_token", headers={"WWW-Authenticate": "Bearer"})
        try:
            request.state.actor = request.app.state.access_tokens.verify(token.strip())
        except auth.TokenError as error:
            raise Problem(error.code, headers={"WWW-Authenticate": "Bearer"}) from None

    app = FastAPI(
        title="Gò Vấp InnoHub API",
        version="1.0.0",
        description=(
            "Nền tảng hệ sinh thái khởi nghiệp đổi mới sáng tạo quận Gò Vấp. "
            "The platform for Gò Vấp's innovation and startup ecosystem."
        ),
        lifespan=lifespan,
        dependencies=[Depends(resolve_actor)],
        # No OpenTelemetry here (metrics are Prometheus, from the edge middleware): FastAPI's
        # native telemetry asked os.environ for a tracer provider on every request, ~10 %
        # of a read's time in the gateway (issue 19's profile).
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
        # /docs is the web app's, from vendored Swagger UI assets (no CDN).
        docs_url=None,
        redoc_url=None,
    )
    registry = CollectorRegistry()
    app.state.metrics_registry = registry
    app.state.auth_limiter = SlidingWindow(settings.auth_rate_limit_per_minute, 60.0)
    problems.install(app)
    problems.document_problems(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Accept-Language", "X-Request-ID"],
        )
    # Inside the edge middleware, so a body over the limit is refused before it is read here.
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(
        EdgeMiddleware, max_body_bytes=settings.max_body_bytes, metrics=HttpMetrics(registry)
    )

    app.include_router(ops.router)
    for module in api_route_modules():
        app.include_router(module.router, prefix=API)

    # --- web app (issue 15): pages, /static and /docs; everything lives in web/ -------------
    web.install(app)
    # --- end web app -----------------------------------------------------------------------

    # Fail closed: a route without exactly one access rule stops the gateway from starting.
    check_every_route_has_one_rule(app.routes)
    # Last, once every route is in: routers skip the paths they cannot match (issue 19).
    guard_routers(app)
    return app
