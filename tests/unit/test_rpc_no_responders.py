"""`call` asks once more when the server first says "no responders" (seen from nats-server
for a subscription already confirmed, under load), and still says `unavailable` at once for
a subject nobody answers. The connection is a scripted stand-in for nats-py's client."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import nats.errors
import pytest
from faststream.nats import NatsBroker

from shared.contracts.rpc.common import ExportPersonalData, PersonalData
from shared.infra.rpc import RpcFailure, call

SUBJECT = "rpc.tests.echo.ask"
ANSWER = b'{"result":{"service":"xin ch\\u00e0o","data":{}}}'


@dataclass
class Reply:
    data: bytes


@dataclass
class ScriptedConnection:
    """Says "no responders" `refusals` times, then answers; counts requests and flushes."""

    refusals: int
    requests: int = 0
    flushes: int = 0
    subjects: list[str] = field(default_factory=list)

    async def request(self, subject: str, payload: bytes, **_: Any) -> Reply:
        self.requests += 1
        self.subjects.append(subject)
        if self.requests <= self.refusals:
            raise nats.errors.NoRespondersError
        return Reply(ANSWER)

    async def flush(self) -> None:
        self.flushes += 1


@dataclass
class ScriptedBroker:
    connection: ScriptedConnection


def broker(refusals: int) -> tuple[NatsBroker, ScriptedConnection]:
    connection = ScriptedConnection(refusals)
    return cast("NatsBroker", ScriptedBroker(connection)), connection


async def test_a_first_no_responders_is_asked_again_after_a_round_trip() -> None:
    stand_in, connection = broker(refusals=1)
    reply = await call(stand_in, ExportPersonalData(user_id="u"), subject=SUBJECT, timeout=5)
    assert reply == PersonalData(service="xin chào", data={})
    assert (connection.requests, connection.flushes) == (2, 1)
    assert connection.subjects == [SUBJECT, SUBJECT]


async def test_a_subject_nobody_answers_is_unavailable_after_one_more_try() -> None:
    stand_in, connection = broker(refusals=10)
    with pytest.raises(RpcFailure) as failure:
        await call(stand_in, ExportPersonalData(user_id="u"), subject=SUBJECT, timeout=5)
    assert failure.value.code == "unavailable"
    assert failure.value.error.details["reason"] == "NoRespondersError"
    assert connection.requests == 2
