"""Test helpers: a real nats-server on a free port with a temporary store, and polling.

Tests never sleep to wait: they poll a condition until a deadline.
"""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from shared.infra.launcher import free_port, nats_config, nats_server_binary, wait_for_port

T = TypeVar("T")


@dataclass
class NatsServer:
    """A nats-server with JetStream on a free loopback port; never a shared or default port."""

    port: int
    store: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, store: Path | None = None, port: int | None = None) -> NatsServer:
        server = cls(port=port or free_port(), store=store or Path(tempfile.mkdtemp("-nats")))
        server.launch()
        return server

    def launch(self) -> None:
        config = self.store / "nats-server.conf"
        config.write_text(nats_config(self.port, self.store / "jetstream"))
        self.process = subprocess.Popen(
            [nats_server_binary(), "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port("127.0.0.1", self.port, 15)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.launch()


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
