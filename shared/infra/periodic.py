"""A service's background duty run every so often until shutdown (judging starts at each
deadline, lost certificates are issued, lost seats are returned): one loop, so each duty is
just the work it does."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from shared.infra.logging import get_logger

log = get_logger(__name__)


async def run_every(
    interval: float, stop: asyncio.Event, work: Callable[[], Awaitable[object]], name: str
) -> None:
    """Await `work()` every `interval` seconds until `stop` is set (checked between runs;
    a set `stop` ends the wait at once). A run that raises is logged as `<name>.failed`
    with its traceback and the next run tries again: a duty never dies of one bad run."""
    while not stop.is_set():
        try:
            await work()
        except Exception:
            log.exception(f"{name}.failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


async def cancel_and_wait(task: asyncio.Task[Any], retry_seconds: float = 5.0) -> None:
    """Cancel `task` and return once it has ended, whatever it raised.

    A single `cancel()` is not enough on Python 3.11: `asyncio.wait_for`, which nats-py
    uses under `fetch`, `next_msg` and `request`, returns its inner result instead of
    raising when the cancellation arrives as that result does (CPython gh-86296, fixed in
    3.12), so the task carries on as if never cancelled. A CI run saw the gateway's
    registry watch live on that way and its shutdown wait for ever. The task is cancelled
    again every `retry_seconds` (s) until it ends: long enough for a cancelled task's own
    clean-up (dropping a digest hold, say) to finish before a second cancellation."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=retry_seconds)
    with contextlib.suppress(asyncio.CancelledError, Exception):
        task.result()
