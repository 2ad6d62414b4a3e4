"""The event kit against a real nats-server: ids, streams, consumers, outbox, idempotency, DLQ."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from faststream.nats import NatsBroker
from nats.js import JetStreamContext
from nats.js import api as js_api
from pymongo import AsyncMongoClient

from shared.contracts.base import Envelope, Role
from shared.contracts.events.identity import UserRegisteredV1
from shared.contracts.streams import ALL_STREAMS, DLQ, IDENTITY
from shared.infra.broker import consumer_options, ensure_streams, make_broker, publish_event
from shared.infra.idempotency import ProcessedEvents
from shared.infra.mongo import Document
from shared.infra.outbox import OutboxRelay, with_outbox
from shared.infra.settings import Settings
from shared.infra.testing import eventually

Handler = Callable[[Envelope], Awaitable[None]]


def registered(user_id: str = "u1") -> Envelope:
    event = UserRegisteredV1(
        user_id=user_id, email=f"{user_id}@example.vn", full_name="Trần Văn Bình", role=Role.FOUNDER
    )
    return Envelope.wrap(event, aggregate_id=user_id, correlation_id="corr-1")


@pytest.fixture
async def broker(settings: Settings, js: JetStreamContext) -> AsyncIterator[NatsBroker]:
    broker = make_broker(settings)
    await broker.connect()
    await ensure_streams(broker, ALL_STREAMS)
    yield broker
    await broker.stop()


async def start_consumer(
    broker: NatsBroker, settings: Settings, durable: str, handle: Handler
) -> None:
    async def consume(envelope: Envelope) -> None:
        await handle(envelope)

    options = consumer_options(settings, stream=IDENTITY, durable=durable)
    broker.subscriber("identity.>", **options)(consume)
    await broker.start()


async def stream_count(js: JetStreamContext, name: str) -> int:
    return int((await js.stream_info(name)).state.messages)


async def test_streams_are_provisioned_with_duplicate_window_and_retention(
    broker: NatsBroker, js: JetStreamContext
) -> None:
    for spec in ALL_STREAMS:
        config = (await js.stream_info(spec.name)).config
        assert config.duplicate_window == pytest.approx(spec.duplicate_window_seconds)
        assert config.max_age == pytest.approx(spec.max_age_seconds)
        assert config.storage == js_api.StorageType.FILE
        assert config.subjects == list(spec.subjects)


async def test_republished_event_is_dropped_by_its_message_id(
    broker: NatsBroker, js: JetStreamContext
) -> None:
    envelope = registered()
    first = await publish_event(broker, envelope)
    second = await publish_event(broker, envelope)
    assert not first.duplicate
    assert second.duplicate
    assert await stream_count(js, "IDENTITY") == 1
    stored = await js.get_last_msg("IDENTITY", envelope.type)
    assert stored.headers is not None and stored.headers["Nats-Msg-Id"] == envelope.id
    assert stored.data is not None
    assert Envelope.model_validate_json(stored.data) == envelope


async def test_consumer_config_on_the_server_is_what_the_kit_asked_for(
    broker: NatsBroker, settings: Settings, js: JetStreamContext
) -> None:
    async def ignore(_: Envelope) -> None:
        return None

    await start_consumer(broker, settings, "tests-config", ignore)
    info = await js.consumer_info("IDENTITY", "tests-config")
    assert info.config.durable_name == "tests-config"
    assert info.config.ack_policy == js_api.AckPolicy.EXPLICIT
    assert info.config.max_deliver == settings.event_max_deliver
    assert info.config.ack_wait == pytest.approx(settings.event_ack_wait_seconds)
    assert info.config.filter_subject == "identity.>"


async def test_failing_handler_is_retried_then_dead_lettered_with_its_error(
    broker: NatsBroker, settings: Settings, js: JetStreamContext
) -> None:
    attempts: list[str] = []

    async def always_fails(envelope: Envelope) -> None:
        attempts.append(envelope.id)
        raise RuntimeError("hộp thư đầy: mailbox full")

    await start_consumer(broker, settings, "tests-dlq", always_fails)
    envelope = registered("dlq-user")
    await publish_event(broker, envelope)

    await eventually(lambda: stream_count(js, DLQ.name), until=lambda n: n == 1)
    letter_msg = await js.get_last_msg(DLQ.name, "dlq.identity.tests-dlq")
    assert letter_msg.data is not None
    letter: dict[str, Any] = json.loads(letter_msg.data)
    assert letter["error"] == "RuntimeError: hộp thư đầy: mailbox full"
    assert letter["original_subject"] == envelope.type
    assert letter["consumer"] == "tests-dlq"
    assert letter["delivered"] == settings.event_max_deliver
    assert Envelope.model_validate_json(letter["message"]) == envelope
    assert len(attempts) == settings.event_max_deliver  # redelivered, not terminated at once

    async def settled() -> tuple[int, int]:
        info = await js.consumer_info("IDENTITY", "tests-dlq")
        return info.num_ack_pending, info.num_pending

    assert await eventually(settled, until=lambda s: s == (0, 0)) == (0, 0)


async def test_handler_that_fails_once_succeeds_on_redelivery(
    broker: NatsBroker, settings: Settings, js: JetStreamContext
) -> None:
    attempts: list[str] = []

    async def flaky(envelope: Envelope) -> None:
        attempts.append(envelope.id)
        if len(attempts) == 1:
            raise ConnectionError("database blinked")

    await start_consumer(broker, settings, "tests-flaky", flaky)
    await publish_event(broker, registered("flaky"))

    async def count() -> int:
        return len(attempts)

    await eventually(count, until=lambda n: n == 2)
    assert await stream_count(js, DLQ.name) == 0


async def test_same_event_delivered_twice_has_one_effect(
    mongo: AsyncMongoClient[Document], broker: NatsBroker, settings: Settings, js: JetStreamContext
) -> None:
    db = mongo[settings.database_name("idempotency")]
    processed = ProcessedEvents(db, ttl_seconds=3600)
    effects: list[str] = []
    deliveries: list[str] = []

    async def handle(envelope: Envelope) -> None:
        deliveries.append(envelope.id)

        async def effect() -> None:
            effects.append(envelope.id)

        await processed.once("tests-idem", envelope, effect)

    await start_consumer(broker, settings, "tests-idem", handle)
    envelope = registered("twice")
    # Beyond the duplicate window JetStream would deliver it again: simulate with two
    # publishes under different message ids carrying the same event id.
    for attempt in ("a", "b"):
        await js.publish(
            envelope.type, envelope.model_dump_json().encode(), headers={"Nats-Msg-Id": attempt}
        )

    async def delivered() -> int:
        return len(deliveries)

    await eventually(delivered, until=lambda n: n == 2)
    assert effects == [envelope.id]


async def test_outbox_event_written_but_never_relayed_is_recovered_by_the_sweep(
    mongo: AsyncMongoClient[Document], broker: NatsBroker, settings: Settings, js: JetStreamContext
) -> None:
    db = mongo[settings.database_name("outbox_crash")]
    received: list[str] = []

    async def record(envelope: Envelope) -> None:
        received.append(envelope.id)

    await start_consumer(broker, settings, "tests-outbox", record)
    envelope = registered("crash-before-relay")
    # The state write with its event; the process "dies" before flush is called.
    await db.users.update_one(
        {"_id": "crash-before-relay"},
        with_outbox({"$set": {"name": "Bình"}}, [envelope]),
        upsert=True,
    )
    relay = OutboxRelay(db, broker, ["users"])  # a new process starts
    assert await relay.sweep() == 1

    async def got() -> list[str]:
        return received

    assert await eventually(got) == [envelope.id]
    doc = await db.users.find_one({"_id": "crash-before-relay"})
    assert doc is not None and doc["_outbox"] == []
    assert doc["name"] == "Bình"


async def test_relay_that_dies_after_publishing_causes_no_second_delivery(
    mongo: AsyncMongoClient[Document], broker: NatsBroker, settings: Settings, js: JetStreamContext
) -> None:
    db = mongo[settings.database_name("outbox_republish")]
    received: list[str] = []

    async def record(envelope: Envelope) -> None:
        received.append(envelope.id)

    await start_consumer(broker, settings, "tests-republish", record)
    envelope = registered("crash-after-publish")
    await db.users.update_one(
        {"_id": "crash-after-publish"}, with_outbox({"$set": {"v": 1}}, [envelope]), upsert=True
    )
    # The relay published but died before pulling the entry out of the document.
    await publish_event(broker, envelope)
    relay = OutboxRelay(db, broker, ["users"])
    assert await relay.sweep() == 1  # republished after restart...

    async def got() -> list[str]:
        return received

    await eventually(got)
    assert await stream_count(js, "IDENTITY") == 1  # ...and dropped by JetStream
    fresh = registered("after")
    await publish_event(broker, fresh)
    await eventually(got, until=lambda r: fresh.id in r)
    assert received == [envelope.id, fresh.id]


async def test_flush_publishes_right_after_the_write(
    mongo: AsyncMongoClient[Document], settings: Settings, broker: NatsBroker, js: JetStreamContext
) -> None:
    db = mongo[settings.database_name("outbox_flush")]
    envelopes = [registered("f1"), registered("f2")]
    await db.users.insert_one(
        {"_id": "f", "_outbox": [e.model_dump(mode="json") for e in envelopes]}
    )
    relay = OutboxRelay(db, broker, ["users"])
    assert await relay.flush("users", "f") == 2
    assert await stream_count(js, "IDENTITY") == 2
    assert (await db.users.find_one({"_id": "f"}) or {})["_outbox"] == []
    assert await relay.sweep() == 0


async def test_provisioning_again_keeps_an_operators_edit_and_adds_what_is_missing(
    broker: NatsBroker, js: JetStreamContext
) -> None:
    """Every process provisions the streams at start: that must never undo an edit (here a
    longer duplicate window and retention) nor lower replicas, yet a missing stream or
    subject is added."""
    edited = (await js.stream_info(IDENTITY.name)).config
    edited.duplicate_window = 600
    edited.max_age = 800 * 24 * 3600
    edited.subjects = ["identity.user.>"]  # an older version of the stream, one subject
    await js.update_stream(edited)
    await js.delete_stream(DLQ.name)

    await ensure_streams(broker, ALL_STREAMS, replicas=1)

    kept = (await js.stream_info(IDENTITY.name)).config
    assert kept.duplicate_window == 600
    assert kept.max_age == 800 * 24 * 3600
    assert set(IDENTITY.subjects) <= set(kept.subjects or [])
    assert (await js.stream_info(DLQ.name)).config.num_replicas == 1


async def test_a_consumer_added_to_a_running_database_treats_older_events_as_history(
    mongo: AsyncMongoClient[Document], settings: Settings
) -> None:
    """Issue 13: a new or renamed effect consumer must not resend a year of emails, while
    consumers born with the database treat everything since its birth as news."""
    from datetime import timedelta

    from shared.infra.idempotency import database_birth

    db = mongo[settings.database_name("births")]
    born, fresh = await database_birth(db)
    assert fresh
    before_birth = registered("old")
    before_birth = before_birth.model_copy(update={"time": born - timedelta(days=30)})
    since_birth = registered("new")
    since_birth = since_birth.model_copy(update={"time": born + timedelta(milliseconds=1)})

    first_start = ProcessedEvents(db, 3600, history_before=born, fresh=True)
    assert await first_start.is_history("notifications-identity", before_birth)
    assert not await first_start.is_history("notifications-identity", since_birth)

    # A later start of the same database: the old consumer keeps its birth...
    created = datetime.now(UTC)

    async def created_at(stream: str, consumer: str) -> datetime | None:
        assert stream == "IDENTITY"
        return created  # when JetStream made the (renamed) consumer

    restart = ProcessedEvents(db, 3600, history_before=born, fresh=False, created_at=created_at)
    assert not await restart.is_history("notifications-identity", since_birth)
    # ...while a consumer seen for the first time now is born when the server created it:
    # the event from a moment after the database's birth is history to it, so its effect is
    # not repeated; the first event published after its creation is news, even though it
    # is handled later than that (a restarted service must not swallow it).
    assert await restart.is_history("notifications-identity-renamed", since_birth)
    news = registered("news").model_copy(update={"time": created + timedelta(milliseconds=5)})
    assert not await restart.is_history("notifications-identity-renamed", news)
