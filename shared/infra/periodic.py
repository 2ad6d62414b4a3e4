"""A service's background duty run every so often until shutdown (judging starts at each
deadline, lost certificates are issued, lost seats are returned): one loop, so each duty is
just the work it does."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

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
