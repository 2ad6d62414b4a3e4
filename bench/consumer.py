"""The consumer path alone: the kit's consumer against bare nats-py (issue 19; a benchmark,
not a test).

It starts its own nats-server and database server (SecantusDB, as the tests do) on free
ports with temporary stores, publishes N events into the IDENTITY stream before any timing
(bare JetStream publishes), then times each consumer, on its own durable consumer, from its
start until it has handled all N:

- `bare nats-py`: a pull consumer fetching `--batch` at a time, explicit ack per message;
- `bare + idempotency`: the same, plus the kit's idempotency record for each event
  (`ProcessedEvents.once` on the real database, no-op effect): the store cost alone;
- `kit, no store`: a FastStream subscriber with `consumer_options` (durable pull, explicit
  ack, our middlewares) and a handler that only counts: the framework cost alone;
- `kit`: the consumer as a service wires it (`event_handler` with a no-op reaction, the
  idempotency record, redelivery and correlation middlewares, Prometheus middleware).

It prints events/s and the ratio of each to bare nats-py, and kit ÷ bare + idempotency
(the same work, so the framework's share).

    python bench/consumer.py [--events 3000] [--batch 16]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import nats
from faststream.nats.prometheus import NatsPrometheusMiddleware
from nats.js import api as js_api
from prometheus_client import CollectorRegistry

from shared.contracts.base import Envelope, Role
from shared.contracts.events.identity import UserRegisteredV1
from shared.contracts.streams import ALL_STREAMS, IDENTITY
from shared.infra.broker import consumer_options, ensure_streams, make_broker
from shared.infra.idempotency import ProcessedEvents
from shared.infra.logging import configure_logging
from shared.infra.mongo import close_mongo_client, make_mongo_client
from shared.infra.runtime import event_handler
from shared.infra.settings import Settings
from shared.infra.testing import DatabaseServer, NatsServer

STALL_SECONDS = 120.0


async def prepublish(url: str, count: int) -> None:
    """N `identity.user.registered.v1` envelopes in the IDENTITY stream, acked."""
    client = await nats.connect(url)
    js = client.jetstream()
    acks = []
    for n in range(count):
        envelope = Envelope.wrap(
            UserRegisteredV1(
                user_id=f"u{n}",
                email=f"u{n}@example.vn",
                full_name="Nguyễn Văn Bình",
                role=Role.FOUNDER,
            ),
            aggregate_id=f"u{n}",
        )
        acks.append(
            js.publish(
                envelope.type,
                envelope.model_dump_json().encode(),
                headers={"Nats-Msg-Id": envelope.id},
            )
        )
        if len(acks) == 256:
            await asyncio.gather(*acks)
            acks = []
    await asyncio.gather(*acks)
    await client.close()


async def until(counter: list[int], target: int) -> None:
    """Return once `counter[0]` reaches `target`; raise after STALL_SECONDS."""
    deadline = time.monotonic() + STALL_SECONDS
    while counter[0] < target:
        if time.monotonic() > deadline:
            raise TimeoutError(f"stalled at {counter[0]} of {target}")
        await asyncio.sleep(0.002)


async def bare(
    url: str, count: int, batch: int, durable: str, work: Callable[[bytes], Awaitable[Any]]
) -> float:
    """Events/s of a bare nats-py pull consumer that runs `work` on each, then acks."""
    client = await nats.connect(url)
    js = client.jetstream()
    subscription = await js.pull_subscribe(
        "identity.>",
        durable=durable,
        stream=IDENTITY.name,
        config=js_api.ConsumerConfig(
            ack_policy=js_api.AckPolicy.EXPLICIT, deliver_policy=js_api.DeliverPolicy.ALL
        ),
    )
    seen = 0
    started = 0.0
    while seen < count:
        try:
            messages = await subscription.fetch(batch, timeout=1)
        except nats.errors.TimeoutError:
            continue
        started = started or time.perf_counter()  # from the first event, as for the kit
        for message in messages:
            await work(message.data)
            await message.ack()
            seen += 1
    rate = count / (time.perf_counter() - started)
    await client.close()
    return rate


async def kit(
    settings: Settings, count: int, batch: int, durable: str, processed: ProcessedEvents | None
) -> float:
    """Events/s of a kit consumer as a service wires it (`processed` None: count only)."""
    broker = make_broker(settings)
    broker.add_middleware(NatsPrometheusMiddleware(registry=CollectorRegistry(), app_name="b"))
    seen = [0]
    first = [0.0]

    async def noop(_: Envelope, __: Any) -> None:
        """The no-op reaction."""

    handle = (
        event_handler(durable, {UserRegisteredV1: noop}, lambda: processed)
        if processed is not None
        else None
    )

    async def consume(envelope: Envelope) -> None:
        # Timed from the first event handled: starting the broker (connecting, creating
        # the consumer) is not the consumer path.
        first[0] = first[0] or time.perf_counter()
        if handle is not None:
            await handle(envelope)
        seen[0] += 1

    options = consumer_options(settings, stream=IDENTITY, durable=durable, batch_size=batch)
    broker.subscriber("identity.>", **options)(consume)
    await broker.start()
    await until(seen, count)
    rate = count / (time.perf_counter() - first[0])
    await broker.stop()
    return rate


async def main(count: int, batch: int) -> None:
    """Prepublish, run the four consumers one after the other, print the table."""
    configure_logging("bench", level="WARNING", json=False)
    store = Path(tempfile.mkdtemp(prefix="innohub-bench-consumer-"))
    server = NatsServer.start(store=store / "nats")
    database = DatabaseServer.start(storage=store / "mongo")
    client = None
    try:
        settings = Settings(
            service="bench",
            nats_url=server.url,
            data_dir=store,
            mongodb_url=database.url,
            database_prefix="bench",
        )
        broker = make_broker(settings)
        await broker.connect()
        await ensure_streams(broker, ALL_STREAMS)
        await broker.stop()
        await prepublish(server.url, count)
        client = make_mongo_client(settings)
        db = client[settings.database_name()]
        processed = ProcessedEvents(db, 3600)  # no birth: every event is news

        async def nothing(_: bytes) -> None:
            """Bare nats-py does nothing but ack."""

        async def idempotent(data: bytes) -> None:
            """The kit's idempotency record for the event, with a no-op effect."""
            envelope = Envelope.model_validate_json(data)

            async def effect() -> None:
                """No effect."""

            await processed.once("bench-bare-idem", envelope, effect)

        load = os.getloadavg()[0]
        rates = {
            "bare nats-py": await bare(server.url, count, batch, "bench-bare", nothing),
            "bare + idempotency": await bare(
                server.url, count, batch, "bench-bare-idem", idempotent
            ),
            "kit, no store": await kit(settings, count, batch, "bench-kit-bare", None),
            "kit": await kit(settings, count, batch, "bench-kit", processed),
        }
    finally:
        if client is not None:
            await close_mongo_client(client)
        database.stop()
        server.stop()
        shutil.rmtree(store, ignore_errors=True)
    print(
        f"consumer path: {count} events in the stream first, fetch batch {batch}, load {load:.2f}"
    )
    print(f"{'consumer':<22}{'events/s':>10}{'÷ bare':>8}")
    base = rates["bare nats-py"]
    for label, rate in rates.items():
        print(f"{label:<22}{rate:>10.0f}{rate / base:>8.2f}")
    same_work = rates["kit"] / rates["bare + idempotency"]
    print(f"{'kit ÷ bare + idempotency (same work)':<40}{same_work:>8.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=16)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.events, arguments.batch))
