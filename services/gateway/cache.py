"""Public reads of startups served from the gateway's memory (issue 19), never stale once
the registry's event about a change has reached the gateway.

What is cached: the replies to anonymous `GetStartup` and `SearchStartups` requests (what
anyone sees); a signed-in caller may see more (their own startups, owner fields), so they
always ask the registry. At most `size` replies are kept, least recently used dropped.

What invalidates: every message on `registry.>` empties the cache (any registry event may
change a startup page or any search's results). The gateway's NATS user may subscribe only
to `_INBOX.>` (DESIGN §6), so the events come through an ephemeral JetStream pull consumer
on the REGISTRY stream (new messages only, no acks, not durable; its fetches are answered on
an inbox). The cache is used only while that watch is known to be healthy: a disconnect, a
lost consumer or any fetch error empties it and bypasses it until the watch is back, and a
reply read while an event arrived is not stored (a generation counter), so an edit is
visible as soon as its event has been delivered. The gateway's own startup writes also
empty it when they answer, so a writer never reads their edit stale.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import nats
from nats.aio.client import Client
from nats.js import api as js_api
from pydantic import BaseModel
from starlette.responses import Response

from services.gateway.deps import Services
from shared.contracts.base import RpcRequest
from shared.contracts.streams import REGISTRY
from shared.infra.logging import get_logger
from shared.infra.periodic import cancel_and_wait
from shared.infra.settings import Settings

log = get_logger(__name__)
ReplyT = TypeVar("ReplyT", bound=BaseModel)
#: Where the lifespan keeps the cache: `GatewayState.extras[CACHE]`.
CACHE = "public_reads"


class PublicReads:
    """A bounded LRU of anonymous registry read replies, keyed by the request's subject and
    JSON. `trusted` is False until the invalidation watch runs; while False nothing is read
    from or written to the cache."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self.generation = 0
        self.trusted = False
        self.hits = 0
        self.misses = 0

    def clear(self) -> None:
        """Forget every reply, and any reply being fetched now (it is not stored)."""
        self.entries.clear()
        self.generation += 1

    def distrust(self) -> None:
        """Stop using the cache (the watch is down): empty it, bypass it until `trust`."""
        self.trusted = False
        self.clear()

    def trust(self) -> None:
        """The watch runs again: start from an empty cache."""
        self.clear()
        self.trusted = True

    async def read(
        self, request: RpcRequest[ReplyT], fetch: Callable[[], Awaitable[ReplyT]]
    ) -> bytes:
        """The reply to `request` (an anonymous read) as JSON: cached, or `fetch()`'s, then
        stored unless an event arrived meanwhile or the cache is not trusted. Errors of
        `fetch` propagate and nothing is stored."""
        if not self.trusted:
            return json_body(await fetch())
        key = (request.subject, request.model_dump_json(exclude_unset=True))
        found = self.entries.get(key)
        if found is not None:
            self.entries.move_to_end(key)
            self.hits += 1
            return found
        self.misses += 1
        generation = self.generation
        body = json_body(await fetch())
        if self.trusted and generation == self.generation and self.size > 0:
            self.entries[key] = body
            if len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return body


def json_body(reply: BaseModel) -> bytes:
    """The reply as FastAPI would send it as its route's `response_model` (already
    validated by `call`, so not validated again)."""
    return reply.model_dump_json(by_alias=True).encode()


async def public_read(rpc: Services, request: RpcRequest[Any]) -> Response:
    """Answer a read route: anonymous callers from the cache when there is one, everyone
    else from the service; the reply's JSON is sent as it came, not re-validated."""
    cache = rpc.state.extras.get(CACHE)
    if isinstance(cache, PublicReads) and rpc.actor is None:
        body = await cache.read(request, lambda: rpc.call(request))
    else:
        body = json_body(await rpc.call(request))
    return Response(body, media_type="application/json")


def forget_public_reads(rpc: Services) -> None:
    """After a write through the gateway: the writer's next read is never the old one."""
    cache = rpc.state.extras.get(CACHE)
    if isinstance(cache, PublicReads):
        cache.clear()


async def start_public_reads(settings: Settings, extras: dict[str, object]) -> RegistryWatch:
    """Make the cache (`settings.public_cache_size` replies; 0 keeps it off), keep it in
    `extras[CACHE]` and start its watch; the lifespan stops the returned watch."""
    cache = PublicReads(settings.public_cache_size)
    watch = RegistryWatch(settings, cache)
    if settings.public_cache_size > 0:
        extras[CACHE] = cache
        await watch.start()
    return watch


class RegistryWatch:
    """Empties `cache` on every registry event, through its own NATS connection and an
    ephemeral pull consumer (see the module's docstring). `start` returns once the first
    consumer exists or failed; `stop` ends the loop and closes the connection."""

    def __init__(self, settings: Settings, cache: PublicReads, *, wait_seconds: float = 1.0):
        self.settings = settings
        self.cache = cache
        self.wait_seconds = wait_seconds
        self.client: Client | None = None
        self.task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()

    async def start(self) -> None:
        """Connect and start watching; the cache is trusted once the consumer exists."""
        secret = self.settings.nats_secret()
        login: dict[str, Any] = (
            {"user": self.settings.nats_user, "password": secret}
            if self.settings.nats_user and secret is not None
            else {}
        )

        async def disconnected() -> None:
            self.cache.distrust()

        async def reconnected() -> None:
            # events of the outage wait in the consumer; the next fetch empties it again
            self.cache.trust()

        self.client = await nats.connect(
            self.settings.nats_servers,
            name="gateway-cache",
            max_reconnect_attempts=-1,
            reconnect_time_wait=1,
            disconnected_cb=disconnected,
            reconnected_cb=reconnected,
            **login,
        )
        self.task = asyncio.create_task(self._run(), name="registry-watch")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.ready.wait(), timeout=10)

    async def _run(self) -> None:
        assert self.client is not None
        js = self.client.jetstream()
        config = js_api.ConsumerConfig(
            deliver_policy=js_api.DeliverPolicy.NEW,
            ack_policy=js_api.AckPolicy.NONE,
            inactive_threshold=60.0,
            mem_storage=True,
        )
        while True:
            try:
                subscription = await js.pull_subscribe(
                    REGISTRY.subjects[0], stream=REGISTRY.name, config=config
                )
                self.cache.trust()
                self.ready.set()
                while True:
                    try:
                        messages = await subscription.fetch(100, timeout=self.wait_seconds)
                    except (TimeoutError, nats.errors.TimeoutError):
                        await subscription.consumer_info()  # raises once the consumer is gone
                        continue
                    if messages:
                        self.cache.clear()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the watch is down: stop trusting, then retry
                self.cache.distrust()
                self.ready.set()
                log.warning("cache.watch_failed", error=f"{type(error).__name__}: {error}")
                await asyncio.sleep(1.0)

    async def stop(self) -> None:
        """End the watch and close its connection; the cache is no longer used."""
        self.cache.distrust()
        self.cache.size = 0
        if self.task is not None:
            await cancel_and_wait(self.task)
        if self.client is not None:
            # After a NATS outage the socket may already be gone: closing then raises, and
            # a gateway shutting down has nothing left to flush on this connection.
            with contextlib.suppress(ConnectionError, nats.errors.Error):
                await self.client.close()
