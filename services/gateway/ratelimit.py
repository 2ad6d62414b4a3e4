"""Limits on sign-in, registration and password reset (issue 13).

`SharedLimits` counts in the gateway's database, so every gateway copy shares one count:
failed sign-ins per account and per client address, registrations and reset requests per
address. The client address is the socket peer unless that peer is a configured trusted
proxy, in which case `X-Forwarded-For` is read from the right, skipping trusted proxies
(`client_address`): an office of staff behind one proxy no longer shares one bucket.

The `limits` library was considered: its MongoDB storage needs `motor`, which is
end-of-life, so the counter is a fixed window kept by one atomic `find_one_and_update`
(`$inc`, upsert) per hit in the gateway repository, the window's document expiring by TTL.

`SlidingWindow` (process memory) is the earlier per-copy limiter, kept for callers that
need no sharing.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from services.gateway.problems import Problem


class SlidingWindow:
    def __init__(
        self, limit: int, window_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window_seconds
        self.clock = clock
        self.hits: dict[str, deque[float]] = {}

    def retry_after(self, key: str) -> float:
        """Record a hit; 0 if allowed, else the seconds until one more is allowed."""
        now = self.clock()
        hits = self.hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return hits[0] + self.window - now
        hits.append(now)
        if len(self.hits) > 100_000:  # bound memory under a spray of keys
            self.hits = {k: v for k, v in self.hits.items() if v and v[-1] > now - self.window}
        return 0.0

    def check(self, *keys: str) -> None:
        waits = [self.retry_after(key) for key in keys]
        wait = max(waits, default=0.0)
        if wait > 0:
            raise Problem(
                "rate_limited",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """Configured proxy addresses or CIDR blocks (`trusted_proxies`) as networks.
    Raises `ValueError` on an entry that is neither."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def _is_trusted(address: str, trusted: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def client_address(
    peer: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]
) -> str:
    """The address a request came from: `peer` (the socket's), unless it is a trusted
    proxy; then the right-most `X-Forwarded-For` entry that is not a trusted proxy (the
    left entries can be forged by the client). "unknown" without a peer."""
    address = peer or "unknown"
    if not forwarded_for or not _is_trusted(address, trusted):
        return address
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return address  # garbage from the client: count the proxy
    return hops[0] if hops else address


class Counters(Protocol):
    """Fixed-window counters shared by the gateway copies (`repository.LimitCounters`)."""

    async def hit(self, key: str, window_start: datetime, expires_at: datetime) -> int:
        """Add one hit to `key` in the window starting at `window_start`; the new count."""
        ...

    async def count(self, key: str, window_start: datetime) -> int:
        """The hits on `key` in the window starting at `window_start`."""
        ...


class SharedLimits:
    """Fixed windows of `window` seconds counted in the database; a key over its limit
    gets 429 `rate_limited` with `Retry-After` until its window ends."""

    def __init__(
        self,
        counters: Counters,
        window_seconds: float,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.counters = counters
        self.window = window_seconds
        self.clock = clock

    def _window(self) -> tuple[datetime, datetime, float]:
        now = self.clock()
        epoch = now.timestamp()
        start = epoch - epoch % self.window
        begins = datetime.fromtimestamp(start, UTC)
        return begins, begins + timedelta(seconds=self.window), start + self.window - epoch

    def _refuse(self, wait: float) -> Problem:
        return Problem("rate_limited", headers={"Retry-After": str(max(1, math.ceil(wait)))})

    async def check(self, limits: dict[str, int]) -> None:
        """Refuse (429) if any key already reached its limit in this window; counts
        nothing (for failures, counted afterwards with `hit`)."""
        begins, _, wait = self._window()
        for key, limit in limits.items():
            if await self.counters.count(key, begins) >= limit:
                raise self._refuse(wait)

    async def hit(self, limits: dict[str, int]) -> None:
        """Count one hit on every key; refuse (429) if that takes one past its limit."""
        begins, ends, wait = self._window()
        over = False
        for key, limit in limits.items():
            # Kept a window longer than needed, so a late copy still finds it.
            count = await self.counters.hit(key, begins, ends + timedelta(seconds=self.window))
            over = over or count > limit
        if over:
            raise self._refuse(wait)
