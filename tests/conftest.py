from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient

import shared.contracts.events  # noqa: F401  (registers every event type)
from shared.infra.logging import configure_logging
from shared.infra.mongo import Document, close_mongo_client, make_mongo_client
from shared.infra.settings import Settings
from shared.infra.testing import DatabaseServer, NatsServer


def pytest_configure(config: pytest.Config) -> None:
    configure_logging("tests", level="WARNING", json=False)


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    server = NatsServer.start(store=tmp_path_factory.mktemp("nats"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def database_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseServer]:
    """One real database server (SecantusDB, its own process) for the whole session."""
    server = DatabaseServer.start(storage=tmp_path_factory.mktemp("mongo"))
    yield server
    server.stop()


@pytest.fixture
def database_prefix(database_server: DatabaseServer) -> Iterator[str]:
    """A prefix of database names no other test uses, so each test starts empty; its
    databases are dropped afterwards."""
    prefix = f"t{uuid.uuid4().hex[:12]}"
    yield prefix
    database_server.drop_databases(prefix)


@pytest.fixture
def settings(
    nats_server: NatsServer, database_server: DatabaseServer, database_prefix: str, tmp_path: Path
) -> Settings:
    """Settings for one test: the session's nats-server and database server, databases of
    its own, a temp data dir, fast retries."""
    return Settings(
        service="tests",
        nats_url=nats_server.url,
        data_dir=tmp_path,
        mongodb_url=database_server.url,
        database_prefix=database_prefix,
        jwt_secret="test-signing-key-that-is-long-enough-for-hs256",
        event_max_deliver=3,
        event_backoff_seconds=[0.05, 0.05],
        event_ack_wait_seconds=5,
        outbox_sweep_seconds=0.2,
        rpc_timeout_seconds=2,
    )


@pytest.fixture
async def mongo(settings: Settings) -> AsyncIterator[AsyncMongoClient[Document]]:
    """A client of the session's database server, for tests that use a store directly;
    name databases with `settings.database_name(...)` so they are dropped afterwards."""
    client = make_mongo_client(settings)
    yield client
    await close_mongo_client(client)
