"""ASGI middleware at the edge: body limit, correlation id, security headers, metrics.

Starlette sets no request-body limit, so bodies over the limit are refused here,
before the application reads them (by Content-Length, or while streaming).
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.gateway.problems import Problem, problem_response
from shared.contracts.base import new_id
from shared.infra.logging import bind_correlation, clear_correlation

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
]
# Everything is same-origin only; the API docs page (vendored Swagger UI under /static) also
# runs its inline start-up script and styles. No other host is allowed.
CSP_DEFAULT = b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
CSP_DOCS = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline'; "
    b"style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; frame-ancestors 'none'"
)


class _BodyTooLarge(Exception):
    pass


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "innohub_http_requests_total",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "innohub_http_request_duration_seconds",
            "HTTP request latency by route",
            ["method", "route"],
            registry=registry,
        )


class EdgeMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, metrics: HttpMetrics) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = dict(scope.get("headers") or [])
        correlation_id = headers.get(b"x-request-id", b"").decode("latin-1")[:64] or new_id()
        scope.setdefault("state", {})["correlation_id"] = correlation_id
        bind_correlation(correlation_id)
        status = {"code": 500, "sent": False}
        path: str = scope["path"]
        csp = CSP_DOCS if path in ("/docs", "/redoc") else CSP_DEFAULT

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                status["sent"] = True
                extra = [*SECURITY_HEADERS, (b"content-security-policy", csp)]
                extra.append((b"x-request-id", correlation_id.encode("latin-1")))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            declared = headers.get(b"content-length")
            if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
                await self._too_large(scope, send_with_headers)
                return
            received = 0

            async def limited_receive() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > self.max_body_bytes:
                        raise _BodyTooLarge
                return message

            try:
                await self.app(scope, limited_receive, send_with_headers)
            except _BodyTooLarge:
                if not status["sent"]:
                    await self._too_large(scope, send_with_headers)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            self.metrics.requests.labels(method, template, str(status["code"])).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - started)
            clear_correlation()

    async def _too_large(self, scope: Scope, send: Send) -> None:
        problem = Problem(
            "payload_too_large", "detail.payload_limit", params={"limit": self.max_body_bytes}
        )
        response = problem_response(Request(scope), problem)
        response.headers["connection"] = "close"
        await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}
