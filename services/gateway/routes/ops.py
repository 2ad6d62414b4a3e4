"""Liveness, readiness, each service's status, metrics and the AsyncAPI document."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.gateway.access import ANYONE
from services.gateway.deps import State
from shared.contracts.rpc.common import SERVICES, PingRequest, ping_subject
from shared.infra.asyncapi import asyncapi_document
from shared.infra.broker import RpcFailure, call

router = APIRouter(tags=["ops"])


@router.get("/healthz", dependencies=[ANYONE])
async def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/readyz", dependencies=[ANYONE])
async def readyz(request: Request, state: State) -> JSONResponse:
    """Readiness: what this gateway itself needs, NATS and its own store (DESIGN §9). A
    service being down must not take every gateway copy out of the load balancer, and
    login with it; each service's health is on `GET /api/v1/status`."""
    connected = state.broker.connection is not None and state.broker.connection.is_connected
    store = await request.app.state.store_health.ping()
    checks = {"nats": "ok" if connected else "unreachable", "store": store}
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


@router.get("/api/v1/status", dependencies=[ANYONE])
async def status(request: Request, state: State) -> dict[str, object]:
    """Each service's health: `ok`, `unavailable` (no copy answered a ping within 2 s) or
    `nats_unreachable`; `all_ok` when every one and the gateway's own needs are fine."""
    connected = state.broker.connection is not None and state.broker.connection.is_connected

    async def ping(service: str) -> str:
        if not connected:
            return "nats_unreachable"
        try:
            await call(state.broker, PingRequest(), timeout=2.0, subject=ping_subject(service))
        except RpcFailure as failure:
            return failure.code.value
        return "ok"

    results = await asyncio.gather(*(ping(service) for service in SERVICES))
    services = dict(zip(SERVICES, results, strict=True))
    store = await request.app.state.store_health.ping()
    gateway = {"nats": "ok" if connected else "unreachable", "store": store}
    healthy = all(v == "ok" for v in (*services.values(), *gateway.values()))
    return {"all_ok": healthy, "gateway": gateway, "services": services}


@router.get("/asyncapi", dependencies=[ANYONE])
async def asyncapi(request: Request) -> JSONResponse:
    """The AsyncAPI document of every service's events and requests (DESIGN §4)."""
    cached: dict[str, object] | None = getattr(request.app.state, "asyncapi", None)
    if cached is None:
        settings = request.app.state.gateway.settings
        cached = asyncapi_document(
            "InnoHub events and requests",
            servers=settings.nats_servers,
            publishers=None,
            responders=SERVICES,
        )
        request.app.state.asyncapi = cached
    return JSONResponse(cached)


@router.get(
    "/metrics",
    dependencies=[ANYONE],
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
)
async def metrics(request: Request) -> Response:
    """Prometheus text: request counts and latencies by route."""
    registry = request.app.state.metrics_registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
