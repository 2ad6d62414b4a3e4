from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import shared.contracts.events  # noqa: F401  (registers every event type)
from shared.infra.logging import configure_logging
from shared.infra.settings import Settings
from shared.infra.testing import NatsServer


def pytest_configure(config: pytest.Config) -> None:
    configure_logging("tests", level="WARNING", json=False)


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    server = NatsServer.start(store=tmp_path_factory.mktemp("nats"))
    yield server
    server.stop()


@pytest.fixture
def settings(nats_server: NatsServer, tmp_path: Path) -> Settings:
    """Settings for one test: the session's nats-server, a temp data dir, fast retries."""
    return Settings(
        service="tests",
        nats_url=nats_server.url,
        data_dir=tmp_path,
        mongodb_url=None,
        jwt_secret="test-signing-key-that-is-long-enough-for-hs256",
        event_max_deliver=3,
        event_backoff_seconds=[0.05, 0.05],
        event_ack_wait_seconds=5,
        outbox_sweep_seconds=0.2,
        rpc_timeout_seconds=2,
    )
