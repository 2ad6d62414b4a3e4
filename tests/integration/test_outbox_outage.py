"""No answer that lies: a committed write answers success even when NATS is down, and its
event is published by the outbox sweep once NATS is back (issue 11, DESIGN §5)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
from nats.js.errors import NotFoundError

from shared.contracts.streams import IDENTITY
from shared.infra.settings import Settings
from shared.infra.testing import NatsServer, eventually
from tests.integration.conftest import login, register, running_gateway


@pytest.fixture
def own_nats() -> Iterator[NatsServer]:
    """A nats-server of this test's own, so stopping it disturbs no other test."""
    server = NatsServer.start(store=Path(tempfile.mkdtemp("-nats")))
    yield server
    server.stop()


async def registered_events(url: str) -> int:
    client = await nats.connect(url)
    try:
        info = await client.jetstream().stream_info(IDENTITY.name)
    except NotFoundError:
        return 0
    finally:
        await client.close()
    return int(info.state.messages)


async def test_registration_during_a_nats_outage_answers_201_and_publishes_later(
    gateway_settings: Settings, own_nats: NatsServer
) -> None:
    settings = gateway_settings.model_copy(
        update={"nats_url": own_nats.url, "outbox_sweep_seconds": 0.2}
    )
    async with running_gateway(settings) as api:
        before = await registered_events(own_nats.url)
        own_nats.stop()
        created = await register(api, "outage@example.vn")
        assert created.status_code == 201, created.text
        # The account exists and works while NATS is still down.
        assert (await login(api, "outage@example.vn"))["token_type"] == "bearer"
        own_nats.launch()
        await eventually(
            lambda: registered_events(own_nats.url), until=lambda n: n > before, timeout=30
        )
