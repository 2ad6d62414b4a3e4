"""A background duty keeps running after a bad run and ends as soon as shutdown asks."""

from __future__ import annotations

import asyncio
import time

from shared.infra.periodic import run_every


async def test_a_failing_run_is_followed_by_the_next_and_stop_ends_the_wait_at_once() -> None:
    stop = asyncio.Event()
    runs: list[int] = []

    async def work() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("the database blinked")
        if len(runs) == 3:
            stop.set()

    started = time.monotonic()
    await asyncio.wait_for(run_every(0.01, stop, work, "test.duty"), timeout=5)
    assert runs == [0, 1, 2]  # the failure did not end the duty; the stop did
    # A long interval does not hold shutdown: setting `stop` ends the wait.
    stop.clear()
    ran = asyncio.Event()

    async def once_more() -> None:
        ran.set()

    task = asyncio.create_task(run_every(3600, stop, once_more, "test.duty"))
    await asyncio.wait_for(ran.wait(), timeout=5)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert time.monotonic() - started < 5
