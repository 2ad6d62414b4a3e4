"""The stack on a three-node JetStream cluster with two copies of every service; one NATS
node is killed with kill -9 mid-burst and comes back (issue 20)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest

from tests.chaos.conftest import launch, poll, report
from tests.chaos.test_kill_and_restart import consumers_caught_up, register_many

pytestmark = pytest.mark.chaos


async def probe_publishing(login: dict[str, Any], stop: asyncio.Event) -> list[float]:
    """Publish to JetStream every 50 ms until `stop`; the times of the acknowledged ones.
    The longest gap between two acknowledgements is how long publishing stalled."""
    client = await nats.connect(**login)
    js = client.jetstream(timeout=5)
    acked: list[float] = []
    try:
        n = 0
        while not stop.is_set():
            with contextlib.suppress(nats.errors.Error, TimeoutError):
                await js.publish("dlq.chaos.probe", f"{n}".encode(), stream="DLQ")
                acked.append(time.monotonic())
            n += 1
            await asyncio.sleep(0.05)  # the probe's own pace, not a wait for a condition
    finally:
        await client.close()
    return acked


async def stream_leader(login: dict[str, Any], stream: str) -> str:
    """The server name (the launcher's child name) leading `stream`."""
    client = await nats.connect(**login)
    try:
        info = await client.jetstream().stream_info(stream)
        assert info.cluster is not None and info.cluster.leader
        return str(info.cluster.leader)
    finally:
        await client.close()


async def replicas_current(login: dict[str, Any]) -> list[str]:
    """Streams with a replica that is not current (the returning node still catching up)."""
    client = await nats.connect(**login)
    try:
        js = client.jetstream()
        behind = []
        for stream in await js.streams_info():
            cluster = stream.cluster
            replicas = (cluster.replicas or []) if cluster else []
            if len(replicas) < 2 or not all(r.current for r in replicas):
                behind.append(str(stream.config.name))
        return behind
    finally:
        await client.close()


async def test_a_nats_node_lost_and_back_under_load(tmp_path: Path) -> None:
    stack = launch(tmp_path, nats_cluster="3", replicas="2")
    try:
        login = stack.nats_login()
        assert len(login["servers"]) == 3
        stop = asyncio.Event()
        probe = asyncio.create_task(probe_publishing(login, stop))
        # Kill the leader of the stream the probe writes to, so its leader must change.
        leader = await stream_leader(login, "DLQ")
        killed: list[int] = []
        async with httpx.AsyncClient(base_url=stack.base_url, timeout=60) as http:
            registered = await register_many(
                http,
                60,
                "cum",
                kill_after=20,
                kill=lambda: killed.append(stack.kill(leader)),
            )
        stack.wait_restarted(leader, killed[0])
        stop.set()
        acked = await probe
        stall = max(later - earlier for earlier, later in itertools.pairwise(acked))
        inbox = stack.database("notifications").notifications

        def welcomes() -> Counter[str]:
            found = inbox.find({"kind": "welcome"}, {"recipient_id": 1})
            return Counter(doc["recipient_id"] for doc in found)

        counted = poll(welcomes, until=lambda c: set(registered.values()) <= set(c), timeout=120)
        doubled = [uid for uid, n in counted.items() if n > 1]

        deadline = time.monotonic() + 90
        lagging = await consumers_caught_up(login)
        while any(lagging.values()) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            lagging = await consumers_caught_up(login)
        behind = await replicas_current(login)
        while behind and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            behind = await replicas_current(login)
        report(
            "3-node NATS cluster, 2 copies of every service, one node kill -9",
            registered=len(registered),
            duplicated=len(doubled),
            publish_stall_s=round(stall, 2),
            probes_acked=len(acked),
            streams_behind=len(behind),
            killed=leader,
        )
        assert doubled == []
        assert not any(lagging.values()), lagging
        assert behind == []
    finally:
        assert stack.stop() == 0
