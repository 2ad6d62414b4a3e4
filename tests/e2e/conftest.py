from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.infra.launcher import Stack
from shared.infra.servers import free_port
from shared.infra.settings import Settings
from shared.infra.testing import DatabaseServer


def start_stack(data_dir: Path, mongodb_url: str | None = None, prefix: str = "innohub") -> Stack:
    """The processes exactly as `make run` starts them, on free ports, in a temp folder;
    given `mongodb_url`, on that database server under databases named `prefix_…`."""
    settings = Settings(
        data_dir=data_dir,
        gateway_port=free_port(),
        nats_port=free_port(),
        nats_url=None,
        mongodb_url=mongodb_url,
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("INNOHUB_") and key not in ("NATS_URL", "MONGODB_URL")
    }
    env.update(
        INNOHUB_NATS_PORT=str(settings.nats_port),
        INNOHUB_LOG_LEVEL="WARNING",
        INNOHUB_ADMIN_EMAIL="admin@govap.gov.vn",
        INNOHUB_ADMIN_PASSWORD="quan-tri-vien-2026",
        # The property-based run calls login and register hundreds of times.
        INNOHUB_AUTH_RATE_LIMIT_PER_MINUTE="100000",
        # Under load a pull request can outlive its fetch and hold a message until the
        # ack wait ends (nats-py); a short wait keeps such a delay within the tests' polls.
        INNOHUB_EVENT_ACK_WAIT_SECONDS="5",
        INNOHUB_DATABASE_PREFIX=prefix,
    )
    if mongodb_url:
        env["MONGODB_URL"] = mongodb_url
    running = Stack(settings, env=env)
    running.start()
    return running


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, database_server: DatabaseServer
) -> Iterator[Stack]:
    """One stack per module, on the session's database server under a prefix of its own:
    the property-based run writes hundreds of records (and their events) that must not
    slow down or confuse the flow tests."""
    prefix = f"e2e{uuid.uuid4().hex[:10]}"
    running = start_stack(tmp_path_factory.mktemp("stack"), database_server.url, prefix)
    yield running
    running.stop()
    database_server.drop_databases(prefix)
