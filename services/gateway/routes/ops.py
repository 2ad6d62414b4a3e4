"""Liveness, readiness and metrics."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.gateway.access import ANYONE
from services.gateway.deps import State
from shared.contracts.rpc.common import SERVICES, PingRequest, ping_subject
from shared.infra.broker import RpcFailure, call

router = APIRouter(tags=["ops"])


@router.get("/healthz", dependencies=[ANYONE])
async def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/readyz", dependencies=[ANYONE])
async def readyz(state: State) -> JSONResponse:
    """Ready when NATS is connected and every service answers a ping."""
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
    checks = {
        "nats": "ok" if connected else "unreachable",
        **dict(zip(SERVICES, results, strict=True)),
    }
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


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
