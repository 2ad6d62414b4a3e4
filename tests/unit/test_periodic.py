"""A background duty keeps running after a bad run and ends as soon as shutdown asks."""

from __future__ import annotations

import asyncio
import time

from shared.infra.periodic import cancel_and_wait, run_every


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


async def test_a_task_that_swallows_its_cancellation_is_cancelled_until_it_ends() -> None:
    # What Python 3.11's wait_for does inside nats-py's fetch when the cancellation and a
    # message arrive together: the task goes on as if never cancelled.
    cancellations = 0

    async def watch() -> None:
        nonlocal cancellations
        while True:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                cancellations += 1
                if cancellations == 3:
                    raise

    task: asyncio.Task[None] = asyncio.create_task(watch())
    await asyncio.sleep(0)
    await asyncio.wait_for(cancel_and_wait(task, retry_seconds=0.01), timeout=5)
    assert task.cancelled()
    assert cancellations == 3
    # One cancel, as before, leaves such a task running.
    stubborn = asyncio.create_task(watch())
    cancellations = 0
    await asyncio.sleep(0)
    stubborn.cancel()
    _done, pending = await asyncio.wait({stubborn}, timeout=0.1)
    assert pending == {stubborn}
    await cancel_and_wait(stubborn, retry_seconds=0.01)
    assert stubborn.done()
