"""The kit's request–reply on nats-py against a real nats-server (issue 19): replies and
typed errors, concurrency bounded per process, correlation ids, and a drain at shutdown
that answers what was taken before the store closes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from faststream import TestApp
from faststream.nats import NatsBroker
from prometheus_client import CollectorRegistry

from shared.contracts.base import NotFound
from shared.contracts.rpc.common import ExportPersonalData, PersonalData
from shared.infra.broker import make_broker
from shared.infra.logging import current_correlation_id
from shared.infra.rpc import (
    RPC_CONCURRENCY,
    RpcFailure,
    answer_rpc,
    call,
    drain_rpc,
    rpc_responders,
    start_rpc,
)
from shared.infra.runtime import ServiceContext, build_service_app
from shared.infra.settings import Settings
from shared.infra.testing import eventually

#: The tests answer an existing contract on a subject of their own (a request contract
#: declared here would join the real ones the contract tests walk): the user id is the word
#: to echo, and one starting `hold` waits for its release.
SUBJECT = "rpc.tests.echo.ask"


def ask(word: str, hold: bool = False) -> ExportPersonalData:
    """The request echoing `word`."""
    return ExportPersonalData(user_id=f"hold:{word}" if hold else word)


@pytest.fixture
async def caller(settings: Settings) -> AsyncIterator[NatsBroker]:
    broker = make_broker(settings.model_copy(update={"service": "caller"}))
    await broker.connect()
    yield broker
    await broker.stop()


class EchoService:
    """Answers `ask`; a `hold` request waits until `release` is set, counted meanwhile."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.holding = 0
        self.most_holding = 0

    async def echo(self, request: ExportPersonalData) -> PersonalData:
        word = request.user_id
        if word == "missing":
            raise NotFound("no such word")
        if word == "boom":
            raise RuntimeError("database password is hunter2")
        if word.startswith("hold:"):
            word = word.removeprefix("hold:")
            self.holding += 1
            self.most_holding = max(self.most_holding, self.holding)
            await self.release.wait()
            self.holding -= 1
        return PersonalData(service=word, data={"correlation_id": current_correlation_id()})


@pytest.fixture
async def responder(settings: Settings) -> AsyncIterator[tuple[NatsBroker, EchoService]]:
    broker = make_broker(settings.model_copy(update={"service": "tests"}))
    service = EchoService()
    answer_rpc(broker, "tests", ExportPersonalData, service.echo, subject=SUBJECT)
    await broker.connect()
    await start_rpc(broker)
    yield broker, service
    service.release.set()
    await drain_rpc(broker, timeout=2)
    await broker.stop()


async def test_a_request_gets_its_typed_reply_and_the_callers_correlation_id(
    caller: NatsBroker, responder: Any
) -> None:
    reply = await call(
        caller, ask("xin chào"), subject=SUBJECT, timeout=10, correlation_id="corr-42"
    )
    assert reply == PersonalData(service="xin chào", data={"correlation_id": "corr-42"})


async def test_errors_keep_their_code_and_hide_internals(
    caller: NatsBroker, responder: Any
) -> None:
    with pytest.raises(RpcFailure) as missing:
        await call(caller, ask("missing"), subject=SUBJECT, timeout=10)
    assert missing.value.code == "not_found"
    with pytest.raises(RpcFailure) as boom:
        await call(caller, ask("boom"), subject=SUBJECT, timeout=10)
    assert boom.value.code == "internal"
    assert "hunter2" not in str(boom.value.error.model_dump())
    # A body that is not the contract (not even JSON) is `invalid`, never a crash.
    for body in (b"{not json", b'{"user_id": 7}', b'{"user_id": "a", "extra": 1}'):
        raw = await caller.connection.request(SUBJECT, body, timeout=10)
        assert raw.data.startswith(b'{"error":{"code":"invalid"'), raw.data


async def test_one_process_answers_at_most_its_concurrency_at_once(
    caller: NatsBroker, responder: tuple[NatsBroker, EchoService]
) -> None:
    _, service = responder
    extra = 8
    calls = [
        asyncio.create_task(call(caller, ask(f"w{n}", hold=True), subject=SUBJECT, timeout=10))
        for n in range(RPC_CONCURRENCY + extra)
    ]
    await eventually(lambda: _value(service.holding), until=lambda n: n == RPC_CONCURRENCY)
    assert not any(task.done() for task in calls)
    service.release.set()
    replies = await asyncio.gather(*calls)
    assert sorted(r.service for r in replies) == sorted(f"w{n}" for n in range(len(calls)))
    assert service.most_holding == RPC_CONCURRENCY


async def test_drain_answers_requests_in_flight_then_stops_answering(
    caller: NatsBroker, responder: tuple[NatsBroker, EchoService]
) -> None:
    broker, service = responder
    pending = asyncio.create_task(
        call(caller, ask("đang chờ", hold=True), subject=SUBJECT, timeout=5)
    )
    await eventually(lambda: _value(service.holding), until=lambda n: n == 1)
    drained = asyncio.create_task(drain_rpc(broker, timeout=5))
    await asyncio.sleep(0)  # the drain is under way while the request still runs
    service.release.set()
    await drained
    assert (await pending).service == "đang chờ"
    with pytest.raises(RpcFailure) as after:
        await call(caller, ask("muộn"), subject=SUBJECT, timeout=1)
    assert after.value.code == "unavailable"
    assert not rpc_responders(broker).running


async def test_no_responder_is_unavailable(caller: NatsBroker) -> None:
    with pytest.raises(RpcFailure) as failure:
        await call(caller, ask("ai đó"), subject=SUBJECT, timeout=1)
    assert failure.value.code == "unavailable"
    assert failure.value.error.details["subject"] == SUBJECT


async def test_a_stopping_service_answers_requests_it_took_before_closing_its_store(
    settings: Settings, caller: NatsBroker
) -> None:
    """The store closes after the drain: a request reading the database while the service
    stops gets its result, not an internal error from a closed client."""
    broker = make_broker(settings.model_copy(update={"service": "tests"}))
    started = asyncio.Event()
    contexts: list[ServiceContext] = []

    async def slow_read(request: ExportPersonalData) -> PersonalData:
        started.set()
        await asyncio.sleep(0.5)
        found = await contexts[0].db["words"].find_one({"_id": request.user_id})
        return PersonalData(service=request.user_id, data={"found": found})

    async def setup(context: ServiceContext) -> None:
        contexts.append(context)

    answer_rpc(broker, "tests", ExportPersonalData, slow_read, subject=SUBJECT)
    app = build_service_app(settings, broker, setup=setup)
    async with TestApp(app):
        pending = asyncio.create_task(call(caller, ask("chậm"), subject=SUBJECT, timeout=5))
        await asyncio.wait_for(started.wait(), 5)
    assert await pending == PersonalData(service="chậm", data={"found": None})


async def _value(value: int) -> int:
    return value


async def test_draining_after_the_connection_closed_does_not_fail_the_shutdown(
    settings: Settings,
) -> None:
    broker = make_broker(settings.model_copy(update={"service": "tests"}))
    answer_rpc(broker, "tests", ExportPersonalData, EchoService().echo, subject=SUBJECT)
    await broker.connect()
    await start_rpc(broker)
    await broker.connection.close()
    await drain_rpc(broker, timeout=1)
    assert not rpc_responders(broker).subscriptions


async def test_answered_requests_are_counted_by_subject_and_outcome(
    settings: Settings, caller: NatsBroker
) -> None:
    broker = make_broker(settings.model_copy(update={"service": "tests"}))
    answer_rpc(broker, "tests", ExportPersonalData, EchoService().echo, subject=SUBJECT)
    registry = CollectorRegistry()
    await broker.connect()
    await start_rpc(broker, registry)
    try:
        await call(caller, ask("một"), subject=SUBJECT, timeout=10)
        with pytest.raises(RpcFailure):
            await call(caller, ask("missing"), subject=SUBJECT, timeout=10)
    finally:
        await drain_rpc(broker, timeout=2)
        await broker.stop()

    def answered(outcome: str) -> float | None:
        labels = {"subject": SUBJECT, "outcome": outcome}
        return registry.get_sample_value("innohub_rpc_requests_total", labels)

    assert (answered("result"), answered("not_found")) == (1.0, 1.0)
    timed = {"subject": SUBJECT}
    assert registry.get_sample_value("innohub_rpc_request_duration_seconds_count", timed) == 2.0
