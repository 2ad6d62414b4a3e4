"""The kit's request–reply path, FastStream against bare nats-py, under the same contract
(issue 19; a benchmark, not a test).

A responder process answers `GetStartup` with a `StartupView` through the kit's
`rpc_responder` (validation, error mapping), after `--io-ms` of simulated store time (the
registry awaits its database for every read). It is served four ways: FastStream as the
kit wires it (`answer_rpc`, with `rpc_subscriber_options` as they are), FastStream with
`max_workers`, and nats-py with a callback that runs one request at a time or one task per
request. One nats-py client process keeps `--concurrency` requests in flight for
`--seconds` and prints req/s and p50/p99 of each.

    python bench/rpc.py [--seconds 5] [--concurrency 32] [--io-ms 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

import nats

from shared.contracts.rpc.registry import GetStartup, StartupView
from shared.infra.broker import answer_rpc, make_broker, rpc_responder
from shared.infra.settings import Settings
from shared.infra.testing import NatsServer

MODES = ("faststream", "faststream-workers", "nats-py", "nats-py-tasks")
VIEW = {
    "id": "s1",
    "name": "Rau Sạch Gò Vấp",
    "summary": "Kết nối nông trại sạch với bếp ăn trường học trong quận Gò Vấp.",
    "sector": "agriculture",
    "stage": "mvp",
    "ward": "go-vap",
    "status": "verified",
    "visibility": "public",
    "women_led": True,
    "youth_led": False,
    "needs": ["legal"],
    "registered_at": datetime(2026, 1, 1, tzinfo=UTC).isoformat(),
    "updated_at": datetime(2026, 1, 1, tzinfo=UTC).isoformat(),
    "version": 2,
}


async def serve(mode: str, url: str, io_seconds: float, workers: int) -> None:
    """Answer `GetStartup` the way `mode` names until killed."""

    async def get(request: GetStartup) -> StartupView:
        """The use case: one awaited store read, then the view."""
        await asyncio.sleep(io_seconds)
        return StartupView.model_validate({**VIEW, "id": request.startup_id})

    if mode.startswith("faststream"):
        broker = make_broker(Settings(nats_url=url, service="bench"))
        if mode == "faststream":
            answer_rpc(broker, "bench", GetStartup, get)
        else:
            responder = rpc_responder(GetStartup, get)
            broker.subscriber(GetStartup.subject, queue="bench", max_workers=workers)(responder)
        await broker.start()
    else:
        client = await nats.connect(url)
        responder = rpc_responder(GetStartup, get)

        async def answer(msg: Any) -> None:
            reply = await responder(json.loads(msg.data))
            await msg.respond(json.dumps(reply, ensure_ascii=False).encode())

        async def spawn(msg: Any) -> None:
            asyncio.create_task(answer(msg))  # noqa: RUF006 - the process ends by kill

        callback = spawn if mode == "nats-py-tasks" else answer
        await client.subscribe(GetStartup.subject, queue="bench", cb=callback)
    print("ready", flush=True)
    await asyncio.Event().wait()


async def load(url: str, seconds: float, concurrency: int) -> tuple[float, float, float]:
    """Keep `concurrency` requests in flight; (req/s, p50 ms, p99 ms)."""
    client = await nats.connect(url)
    body = GetStartup(startup_id="s1").model_dump_json(exclude_unset=True).encode()
    timings: list[float] = []
    for _ in range(100):  # until the responder's subscription has reached the server
        try:
            await client.request(GetStartup.subject, body, timeout=1)
            break
        except (nats.errors.NoRespondersError, nats.errors.TimeoutError):
            await asyncio.sleep(0.1)
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            reply = await client.request(GetStartup.subject, body, timeout=10)
            assert b'"result"' in reply.data, reply.data
            timings.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    await client.close()
    timings.sort()
    return len(timings) / elapsed, statistics.median(timings), timings[int(len(timings) * 0.99)]


def main() -> None:
    """Run each mode's responder in its own process against one nats-server."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--io-ms", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument("--serve", choices=MODES)
    parser.add_argument("--url")
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve, args.url, args.io_ms / 1000, args.workers))
        return
    server = NatsServer.start()
    try:
        print(f"{'responder':<22}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}")
        for mode in MODES:
            argv = [sys.executable, __file__, "--serve", mode, "--url", server.url]
            argv += ["--io-ms", str(args.io_ms), "--workers", str(args.workers)]
            child = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
            try:
                assert child.stdout is not None
                assert child.stdout.readline().strip() == "ready"
                rate, p50, p99 = asyncio.run(load(server.url, args.seconds, args.concurrency))
                print(f"{mode:<22}{rate:>8.0f}{p50:>9.1f}{p99:>9.1f}")
            finally:
                child.kill()
                child.wait()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
