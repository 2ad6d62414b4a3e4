"""Sliding-window limits for sign-in and registration, per client IP and per email.

Kept in process memory: each gateway copy limits on its own, which bounds guessing
to N × copies per window; a shared store is the step up when that matters.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

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
