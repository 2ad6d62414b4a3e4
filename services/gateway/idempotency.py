"""`Idempotency-Key` on every POST (DESIGN §6; IETF draft "The Idempotency-Key HTTP Header
Field", Stripe's model).

The same key from the same caller within 24 h replays the first response (status and body,
with `Idempotent-Replayed: true`) without acting again; the same key with another request
is 422 `idempotency_key_reused`; a key whose first request is still running is 409
`idempotency_key_in_progress`. A response of 500 or more is not kept, so a retry after a
timeout acts again: the scoped key is also forwarded with every RPC of the request
(`RpcRequest.request_key`), so a service that had in fact acted returns what it made
instead of making it twice.

Callers are scoped by their signed-in user; anonymous requests (sign-up) by the request's
own fingerprint, so no one can read another person's replay by guessing a key.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.gateway.problems import Problem, problem_response
from services.gateway.repository import STORE_UNAVAILABLE, IdempotencyStore
from shared.infra.logging import get_logger

log = get_logger(__name__)

HEADER = b"idempotency-key"
KEEP_FOR = timedelta(hours=24)
# A claim older than this belongs to a request that died with its gateway or lost its
# store: RPCs time out after seconds and a store call gives up after 10 s.
STALE_CLAIM = timedelta(seconds=30)
MAX_KEY_LENGTH = 255


def valid_key(key: str) -> bool:
    """1–255 visible ASCII characters (the draft's key is an sf-string)."""
    return 0 < len(key) <= MAX_KEY_LENGTH and all(33 <= ord(c) <= 126 for c in key)


def fingerprint(scope: Scope, body: bytes) -> str:
    """What makes two requests "the same": method, path, query and body."""
    digest = hashlib.sha256()
    for part in (scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1")):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(body)
    return digest.hexdigest()


def caller(scope: Scope, headers: dict[bytes, bytes]) -> str | None:
    """The signed-in user's id, or None for an anonymous (or badly signed) request."""
    authorization = headers.get(b"authorization", b"").decode("latin-1")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        actor = scope["app"].state.access_tokens.verify(token.strip())
    except Exception:
        return None
    return str(actor.id)


class IdempotencyMiddleware:
    """ASGI middleware; sits inside the edge middleware, so the body limit applies first."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        raw_key = headers.get(HEADER)
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1").strip()
        if not valid_key(key):
            await self._problem(
                scope, receive, send, Problem("idempotency_key_invalid", field="Idempotency-Key")
            )
            return
        body = await self._read_body(receive)
        request_print = fingerprint(scope, body)
        user = caller(scope, headers)
        scoped = hashlib.sha256(
            f"{user or 'anonymous:' + request_print}\0{key}".encode("latin-1")
        ).hexdigest()
        store: IdempotencyStore = scope["app"].state.idempotency
        now = datetime.now(UTC)
        try:
            existing = await store.claim(scoped, request_print, now, now + KEEP_FOR)
        except STORE_UNAVAILABLE:
            await self._problem(scope, receive, send, Problem("unavailable"))
            return
        if existing is not None:
            if existing["fingerprint"] != request_print:
                await self._problem(scope, receive, send, Problem("idempotency_key_reused"))
                return
            if existing["state"] == "done":
                await self._replay(existing, send)
                return
            claimed_at = existing["claimed_at"]
            if now - claimed_at < STALE_CLAIM or not await store.take_over(scoped, claimed_at, now):
                problem = Problem("idempotency_key_in_progress", headers={"Retry-After": "1"})
                await self._problem(scope, receive, send, problem)
                return
        scope.setdefault("state", {})["request_key"] = scoped
        await self._run_and_keep(scope, body, send, store, scoped)

    @staticmethod
    async def _read_body(receive: Receive) -> bytes:
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _run_and_keep(
        self, scope: Scope, body: bytes, send: Send, store: IdempotencyStore, key: str
    ) -> None:
        sent = False

        async def replay_body() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        response: dict[str, Any] = {"status": 500, "headers": [], "body": []}

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                response["headers"] = message.get("headers", [])
            elif message["type"] == "http.response.body":
                response["body"].append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_body, keep)
        except BaseException:
            await self._forget(store, key)
            raise
        if response["status"] >= 500:
            await self._forget(store, key)
            return
        found = dict(response["headers"])
        content_type = found.get(b"content-type")
        location = found.get(b"location")
        try:
            await store.complete(
                key,
                response["status"],
                content_type.decode("latin-1") if content_type else None,
                b"".join(response["body"]),
                location.decode("latin-1") if location else None,
            )
        except STORE_UNAVAILABLE as error:
            # The answer is sent; a retry finds the claim stale and acts again, which the
            # services absorb through the forwarded request key.
            log.warning("idempotency.not_kept", error=f"{type(error).__name__}: {error}")

    @staticmethod
    async def _forget(store: IdempotencyStore, key: str) -> None:
        try:
            await store.release(key)
        except STORE_UNAVAILABLE as error:
            log.warning("idempotency.not_released", error=f"{type(error).__name__}: {error}")

    @staticmethod
    async def _replay(record: dict[str, Any], send: Send) -> None:
        headers = [(b"idempotent-replayed", b"true")]
        if record.get("content_type"):
            headers.append((b"content-type", record["content_type"].encode("latin-1")))
        if record.get("location"):
            headers.append((b"location", record["location"].encode("latin-1")))
        body: bytes = record.get("body") or b""
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": record["status"], "headers": headers})
        await send({"type": "http.response.body", "body": body})
        log.info("idempotency.replayed", status=record["status"])

    @staticmethod
    async def _problem(scope: Scope, receive: Receive, send: Send, problem: Problem) -> None:
        response = problem_response(Request(scope, receive), problem)
        await response(scope, receive, send)
