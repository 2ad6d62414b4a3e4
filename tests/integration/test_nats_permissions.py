"""Each service connects as its own NATS user and the server refuses what it may not do
(DESIGN §6, issue 20): only the gateway publishes `rpc.>`, a service publishes only its own
events."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client

from shared.contracts.streams import EVENT_STREAMS
from shared.infra.servers import NatsUser, service_permissions
from shared.infra.testing import NatsServer, eventually

ALL_EVENTS = tuple(subject for spec in EVENT_STREAMS.values() for subject in spec.subjects)


def user(name: str) -> NatsUser:
    own = EVENT_STREAMS["identity" if name == "gateway" else name].subjects
    publish, subscribe = service_permissions(name, own, ALL_EVENTS)
    return NatsUser(name, f"secret-of-{name}", publish, subscribe)


@pytest.fixture(scope="module")
def guarded() -> Iterator[NatsServer]:
    names = ("registry", "mentoring", "gateway", "competitions", "events", "notifications")
    users = tuple(user(name) for name in names)
    server = NatsServer.start(store=Path(tempfile.mkdtemp("-nats")), users=users)
    yield server
    server.stop()


async def connect_as(server: NatsServer, name: str, errors: list[str]) -> Client:
    async def on_error(error: Exception) -> None:
        errors.append(str(error))

    return await nats.connect(
        server.url,
        user=name,
        password=f"secret-of-{name}",
        error_cb=on_error,
        allow_reconnect=False,
    )


async def refused(client: Client, errors: list[str], subject: str) -> None:
    await client.publish(subject, b"{}")
    await client.flush()
    await eventually(
        lambda: _async(errors), until=lambda found: any(subject in e for e in found), timeout=5
    )


async def _async(errors: list[str]) -> list[str]:
    return list(errors)


async def test_the_registry_may_not_call_rpcs_nor_publish_others_events(
    guarded: NatsServer,
) -> None:
    errors: list[str] = []
    registry = await connect_as(guarded, "registry", errors)
    try:
        await refused(registry, errors, "rpc.mentoring.consultation.open")
        await refused(registry, errors, "competitions.competition.published.v1")
        await refused(registry, errors, "identity.user.registered.v1")
        assert all("permissions violation" in e.lower() for e in errors), errors
        before = len(errors)
        await registry.publish("registry.startup.registered.v1", b"{}")
        await registry.flush()
        assert len(errors) == before  # its own events go through
    finally:
        await registry.close()


async def test_a_service_may_not_listen_to_another_services_requests(
    guarded: NatsServer,
) -> None:
    errors: list[str] = []
    registry = await connect_as(guarded, "registry", errors)
    try:
        await registry.subscribe("rpc.mentoring.>")
        await registry.flush()
        await eventually(
            lambda: _async(errors),
            until=lambda found: any("subscription" in e and "rpc.mentoring" in e for e in found),
            timeout=5,
        )
    finally:
        await registry.close()


async def test_the_gateway_calls_services(guarded: NatsServer) -> None:
    errors: list[str] = []
    mentoring = await connect_as(guarded, "mentoring", errors)
    gateway = await connect_as(guarded, "gateway", errors)
    try:

        async def answer(msg: object) -> None:
            await msg.respond(b"pong")  # type: ignore[attr-defined]

        await mentoring.subscribe("rpc.mentoring.health.ping", cb=answer)
        await mentoring.flush()

        async def ping() -> bytes:
            # The subscription's interest can reach the server's routing a moment after
            # the flush on a loaded machine: ask again until someone answers.
            try:
                return bytes(
                    (await gateway.request("rpc.mentoring.health.ping", b"", timeout=2)).data
                )
            except nats.errors.NoRespondersError:
                return b""

        assert await eventually(ping, timeout=10) == b"pong"
        assert errors == []
    finally:
        await gateway.close()
        await mentoring.close()


@pytest.mark.parametrize(
    ("service", "forbidden"),
    [
        ("mentoring", ("rpc.registry.startup.register", "rpc.competitions.entry.submit")),
        ("competitions", ("rpc.registry.startup.verify", "rpc.mentoring.consultation.open")),
    ],
)
async def test_a_service_may_ask_the_registry_for_a_startup_and_nothing_else(
    guarded: NatsServer, service: str, forbidden: tuple[str, ...]
) -> None:
    """Read-your-writes (issue 13): mentoring and competitions may request
    `rpc.registry.startup.get` and no other RPC."""
    errors: list[str] = []
    registry = await connect_as(guarded, "registry", errors)
    asking = await connect_as(guarded, service, errors)
    try:

        async def answer(msg: object) -> None:
            await msg.respond(b"startup")  # type: ignore[attr-defined]

        await registry.subscribe("rpc.registry.startup.get", cb=answer)
        await registry.flush()

        async def ask() -> bytes:
            try:
                reply = await asking.request("rpc.registry.startup.get", b"{}", timeout=2)
                return bytes(reply.data)
            except nats.errors.NoRespondersError:
                return b""

        assert await eventually(ask, timeout=10) == b"startup"
        assert errors == []
        for subject in forbidden:
            await refused(asking, errors, subject)
        assert all("permissions violation" in e.lower() for e in errors), errors
    finally:
        await asking.close()
        await registry.close()


@pytest.mark.parametrize(
    "service", ["registry", "mentoring", "competitions", "events", "notifications"]
)
async def test_a_service_may_ask_the_gateway_for_a_person_key_and_nothing_else(
    guarded: NatsServer, service: str
) -> None:
    """Crypto-shredding (issue 13): every service's identity consumer may request
    `rpc.gateway.person_key.get`, which the gateway answers; no other `rpc.gateway.*`."""
    errors: list[str] = []
    gateway = await connect_as(guarded, "gateway", errors)
    asking = await connect_as(guarded, service, errors)
    try:

        async def answer(msg: object) -> None:
            await msg.respond(b"key")  # type: ignore[attr-defined]

        await gateway.subscribe("rpc.gateway.person_key.get", queue="gateway", cb=answer)
        await gateway.flush()

        async def ask() -> bytes:
            try:
                reply = await asking.request("rpc.gateway.person_key.get", b"{}", timeout=2)
                return bytes(reply.data)
            except nats.errors.NoRespondersError:
                return b""

        assert await eventually(ask, timeout=10) == b"key"
        assert errors == []
        for subject in ("rpc.gateway.person_key.set", "rpc.gateway.user.delete"):
            await refused(asking, errors, subject)
        assert all("permissions violation" in e.lower() for e in errors), errors
    finally:
        await asking.close()
        await gateway.close()


async def test_a_wrong_password_is_refused(guarded: NatsServer) -> None:
    with pytest.raises(nats.errors.Error):
        await nats.connect(
            guarded.url,
            user="registry",
            password="doan-mo",
            allow_reconnect=False,
            max_reconnect_attempts=0,
        )
