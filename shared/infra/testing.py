"""Test helpers: a real nats-server and a real database server on free ports with temporary
stores, and polling.

Tests never sleep to wait: they poll a condition until a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pymongo import MongoClient

from shared.infra.servers import (
    NatsUser,
    database_argv,
    database_url,
    free_port,
    nats_argv,
    wait_for_database,
    wait_for_port,
)

T = TypeVar("T")


@dataclass
class NatsServer:
    """A nats-server with JetStream on a free loopback port; never a shared or default port."""

    port: int
    store: Path
    process: subprocess.Popen[bytes] | None = None
    users: tuple[NatsUser, ...] = ()

    @property
    def url(self) -> str:
        """The client URL, `nats://127.0.0.1:<port>`."""
        return f"nats://127.0.0.1:{self.port}"

    @classmethod
    def start(
        cls, store: Path | None = None, port: int | None = None, users: tuple[NatsUser, ...] = ()
    ) -> NatsServer:
        """Launch a nats-server with JetStream on a free port (or `port`) and a temporary
        store (or `store`); return once it accepts connections (at most 15 s)."""
        server = cls(
            port=port or free_port(), store=store or Path(tempfile.mkdtemp("-nats")), users=users
        )
        server.launch()
        return server

    def launch(self) -> None:
        """Start the process on the same port and store; wait up to 15 s for the port."""
        self.process = subprocess.Popen(
            nats_argv(self.port, self.store, users=self.users),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port("127.0.0.1", self.port, 15)

    def stop(self) -> None:
        """Terminate the process (kill after 10 s); no-op when it is not running."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        """Stop then launch again, keeping the port and the JetStream store."""
        self.stop()
        self.launch()


@dataclass
class DatabaseServer:
    """The embedded database server (SecantusDB) on a free loopback port, as its own
    process; one per test session, each test in databases of its own prefix."""

    port: int
    storage: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The database client URL for this server's port."""
        return database_url(self.port)

    @classmethod
    def start(cls, storage: Path | None = None, port: int | None = None) -> DatabaseServer:
        """Launch a database server on a free port (or `port`) over a temporary directory
        (or `storage`); return once it answers (at most 60 s)."""
        server = cls(port=port or free_port(), storage=storage or Path(tempfile.mkdtemp("-mongo")))
        server.launch()
        return server

    def launch(self) -> None:
        """Start the process on the same port and storage; wait up to 60 s for it."""
        self.process = subprocess.Popen(
            database_argv(self.port, self.storage),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_database(self.url, 60)

    def drop_databases(self, prefix: str) -> None:
        """Drop every database whose name starts with `prefix_`, so the session's server
        does not fill up with finished tests' data."""
        client: MongoClient[dict[str, object]] = MongoClient(self.url)
        try:
            for name in client.list_database_names():
                if name.startswith(f"{prefix}_"):
                    client.drop_database(name)
        finally:
            client.close()

    def stop(self) -> None:
        """Terminate the process (kill after 15 s); no-op when it is not running."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


async def eventually(
    probe: Callable[[], Awaitable[T]],
    *,
    until: Callable[[T], bool] = bool,
    timeout: float = 20.0,
    interval: float = 0.05,
) -> T:
    """Poll `probe` until `until(result)` holds; fail with the last result at the deadline."""
    deadline = time.monotonic() + timeout
    result = await probe()
    while not until(result):
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s; last value: {result!r}")
        await asyncio.sleep(interval)
        result = await probe()
    return result


@contextlib.contextmanager
def temporary_database_server() -> Iterator[DatabaseServer]:
    """A database server with a throw-away store for a bench or a script; stopped and its
    files removed on exit."""
    storage = Path(tempfile.mkdtemp("-mongo"))
    server = DatabaseServer.start(storage=storage)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(storage, ignore_errors=True)
