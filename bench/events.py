"""Throughput of the event kit against bare nats-py on the same nats-server.

A benchmark, not a test: it starts its own nats-server on a free port with a temporary
store, publishes N events through the kit (envelope, `Nats-Msg-Id`, pub ack) and consumes
them with a kit consumer (durable pull, explicit ack, redelivery middleware), then does the
same with bare nats-py (JetStream publish with a message id, pull consumer, ack).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from pathlib import Path

import nats
from nats.js import api as js_api

from shared.contracts.base import Envelope, Role
from shared.contracts.events.identity import UserRegisteredV1
from shared.contracts.streams import ALL_STREAMS, IDENTITY
from shared.infra.broker import consumer_options, ensure_streams, make_broker, publish_event
from shared.infra.logging import configure_logging
from shared.infra.settings import Settings
from shared.infra.testing import NatsServer

STALL_SECONDS = 120.0


def envelopes(count: int, tag: str) -> list[Envelope]:
    return [
        Envelope.wrap(
            UserRegisteredV1(
                user_id=f"{tag}-{n}",
                email=f"{tag}-{n}@example.vn",
                full_name="Nguyễn Văn Bình",
                role=Role.FOUNDER,
            ),
            aggregate_id=f"{tag}-{n}",
        )
        for n in range(count)
    ]


async def wait_for(counter: list[int], target: int) -> None:
    deadline = time.monotonic() + STALL_SECONDS
    while counter[0] < target:
        if time.monotonic() > deadline:
            raise TimeoutError(f"stalled at {counter[0]} of {target}")
        await asyncio.sleep(0.005)


async def kit_run(settings: Settings, count: int) -> tuple[float, float]:
    broker = make_broker(settings)
    await broker.connect()
    await ensure_streams(broker, ALL_STREAMS)
    seen = [0]

    @broker.subscriber(  # type: ignore[untyped-decorator]
        "identity.>",
        **consumer_options(settings, stream=IDENTITY, durable="bench-kit", batch_size=256),
    )
    async def consume(envelope: Envelope) -> None:
        seen[0] += 1

    await broker.start()
    batch = envelopes(count, "kit")
    started = time.perf_counter()
    for envelope in batch:
        await publish_event(broker, envelope)
    published = time.perf_counter() - started
    await wait_for(seen, count)
    total = time.perf_counter() - started
    await broker.stop()
    return count / published, count / total


async def bare_run(url: str, count: int) -> tuple[float, float]:
    client = await nats.connect(url)
    js = client.jetstream()
    await js.purge_stream(IDENTITY.name)
    payloads = [(e.id, e.model_dump_json().encode()) for e in envelopes(count, "bare")]
    seen = [0]
    subscription = await js.pull_subscribe(
        "identity.>",
        durable="bench-bare",
        stream=IDENTITY.name,
        config=js_api.ConsumerConfig(ack_policy=js_api.AckPolicy.EXPLICIT),
    )

    async def consume() -> None:
        while seen[0] < count:
            try:
                messages = await subscription.fetch(256, timeout=1)
            except TimeoutError:
                continue
            for message in messages:
                await message.ack()
                seen[0] += 1

    started = time.perf_counter()
    consumer = asyncio.create_task(consume())
    for message_id, data in payloads:
        await js.publish("identity.user.registered.v1", data, headers={"Nats-Msg-Id": message_id})
    published = time.perf_counter() - started
    await wait_for(seen, count)
    total = time.perf_counter() - started
    await consumer
    await client.close()
    return count / published, count / total


async def main(count: int) -> None:
    configure_logging("bench", level="WARNING", json=False)
    store = Path(tempfile.mkdtemp(prefix="innohub-bench-"))
    server = NatsServer.start(store=store)
    try:
        settings = Settings(service="bench", nats_url=server.url, data_dir=store)
        kit_publish, kit_total = await kit_run(settings, count)
        bare_publish, bare_total = await bare_run(server.url, count)
    finally:
        server.stop()
        shutil.rmtree(store, ignore_errors=True)
    print(f"events: {count} (one process each side, pub ack awaited per event)")
    print(f"{'':12}{'publish/s':>12}{'publish+consume/s':>20}")
    print(f"{'kit':12}{kit_publish:12.0f}{kit_total:20.0f}")
    print(f"{'bare nats-py':12}{bare_publish:12.0f}{bare_total:20.0f}")
    print(f"{'kit / bare':12}{kit_publish / bare_publish:12.2f}{kit_total / bare_total:20.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=5000)
    asyncio.run(main(parser.parse_args().events))
