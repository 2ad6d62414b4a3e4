"""The kit's request–reply path against FastStream's and bare nats-py, under the same
contract (issue 19; a benchmark, not a test).

A responder process answers `GetStartup` with a `StartupView` after `--io-ms` of simulated
store time (the registry awaits its database for every read), served three ways:
`faststream-workers` (a FastStream core subscriber with `max_workers`, the kit before issue
19, through `rpc_responder`), `kit` (`answer_rpc` as services wire it: nats-py, one task
per request, at most 32) and `nats-py-tasks` (bare nats-py, a task per request, no
validation). One client process keeps `--concurrency` requests in flight for `--seconds`,
with FastStream's `broker.request` (the kit's caller before issue 19), the kit's `call`
(typed reply) or bare nats-py `request`, and prints req/s, p50, p99 and the ratio to bare.

    python bench/rpc.py [--seconds 5] [--concurrency 32] [--io-ms 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import nats
import uvloop

from shared.contracts.base import RpcReply
from shared.contracts.rpc.registry import GetStartup, StartupView
from shared.infra.broker import answer_rpc, call, make_broker, rpc_responder
from shared.infra.logging import configure_logging
from shared.infra.rpc import start_rpc
from shared.infra.settings import Settings
from shared.infra.testing import NatsServer

MODES = ("faststream-workers", "kit", "nats-py-tasks")
#: (label, responder, caller), in the order printed; the last is the bare baseline.
RUNS = (
    ("FastStream (kit before)", "faststream-workers", "faststream"),
    ("kit, nats-py", "kit", "kit"),
    ("kit responder, bare caller", "kit", "bare"),
    ("bare nats-py", "nats-py-tasks", "bare"),
)
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

    if mode == "faststream-workers":
        broker = make_broker(Settings(nats_url=url, service="bench"))
        responder = rpc_responder(GetStartup, get)
        broker.subscriber(GetStartup.subject, queue="bench", max_workers=workers)(responder)
        await broker.start()
    elif mode == "kit":
        broker = make_broker(Settings(nats_url=url, service="bench"))
        answer_rpc(broker, "bench", GetStartup, get)
        await broker.start()
        await start_rpc(broker)
    else:
        client = await nats.connect(url)
        responder = rpc_responder(GetStartup, get)

        async def answer(msg: Any) -> None:
            reply = await responder(json.loads(msg.data))
            await msg.respond(json.dumps(reply, ensure_ascii=False).encode())

        async def spawn(msg: Any) -> None:
            asyncio.create_task(answer(msg))  # noqa: RUF006 - the process ends by kill

        await client.subscribe(GetStartup.subject, queue="bench", cb=spawn)
    print("ready", flush=True)
    await asyncio.Event().wait()


async def caller(kind: str, url: str) -> tuple[Callable[[], Awaitable[None]], Any]:
    """One request as the `kind` of caller sends it, and the connection to close."""
    request = GetStartup(startup_id="s1")
    if kind == "bare":
        client = await nats.connect(url)
        body = request.model_dump_json(exclude_unset=True).encode()

        async def bare() -> None:
            reply = await client.request(GetStartup.subject, body, timeout=10)
            assert b'"result"' in reply.data, reply.data

        return bare, client
    broker = make_broker(Settings(nats_url=url, service="bench-caller"))
    await broker.connect()
    if kind == "kit":

        async def kit() -> None:
            await call(broker, request, timeout=10)

        return kit, broker

    async def faststream() -> None:  # the kit's `call` before issue 19
        response = await broker.request(
            request.model_dump(mode="json", exclude_unset=True),
            subject=GetStartup.subject,
            timeout=10,
        )
        reply = RpcReply[StartupView].model_validate_json(response.body)
        assert reply.result is not None

    return faststream, broker


async def load(kind: str, url: str, seconds: float, concurrency: int) -> tuple[float, float, float]:
    """Keep `concurrency` requests in flight; (req/s, p50 ms, p99 ms)."""
    send, connection = await caller(kind, url)
    timings: list[float] = []
    for _ in range(100):  # until the responder's subscription has reached the server
        try:
            await send()
            break
        except Exception:
            await asyncio.sleep(0.1)
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            await send()
            timings.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    await (connection.stop() if kind != "bare" else connection.close())
    timings.sort()
    return len(timings) / elapsed, statistics.median(timings), timings[int(len(timings) * 0.99)]


def main() -> None:
    """Run each responder in its own process against one nats-server, loaded in turn."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--io-ms", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument("--serve", choices=MODES)
    parser.add_argument("--url")
    parser.add_argument(
        "--uvloop", action="store_true", help="run responders and callers on uvloop"
    )
    args = parser.parse_args()
    run: Callable[[Any], Any] = uvloop.run if args.uvloop else asyncio.run
    configure_logging("bench", level="WARNING", json=False)
    if args.serve:
        run(serve(args.serve, args.url, args.io_ms / 1000, args.workers))
        return
    server = NatsServer.start()
    results: list[tuple[str, float, float, float]] = []
    try:
        print(
            f"request–reply, {args.concurrency} in flight, {args.io_ms:g} ms store time, "
            f"{'uvloop' if args.uvloop else 'asyncio'} event loop, "
            f"load average {os.getloadavg()[0]:.2f}"
        )
        print(f"{'responder / caller':<28}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>8}")
        for label, mode, kind in RUNS:
            argv = [sys.executable, __file__, "--serve", mode, "--url", server.url]
            argv += ["--io-ms", str(args.io_ms), "--workers", str(args.workers)]
            argv += ["--uvloop"] if args.uvloop else []
            child = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
            try:
                assert child.stdout is not None
                assert child.stdout.readline().strip() == "ready"
                rate, p50, p99 = asyncio.run(load(kind, server.url, args.seconds, args.concurrency))
                results.append((label, rate, p50, p99))
            finally:
                child.kill()
                child.wait()
    finally:
        server.stop()
    bare = results[-1][1]
    for label, rate, p50, p99 in results:
        print(f"{label:<28}{rate:>8.0f}{p50:>9.1f}{p99:>9.1f}{rate / bare:>8.2f}")


if __name__ == "__main__":
    main()
