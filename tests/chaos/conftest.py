"""The stack exactly as `make run` starts it (the launcher as its own process, with its own
database server and nats-server), on free loopback ports in a temp folder, with the means to
kill -9 any of its children. Every load loop here is bounded in count and in time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from aiosmtpd.controller import Controller
from pymongo import MongoClient

from shared.infra.servers import free_port

ADMIN = ("admin@govap.gov.vn", "quan-tri-vien-2026")
T = TypeVar("T")


def poll(probe: Callable[[], T], until: Callable[[T], bool], timeout: float) -> T:
    """Call `probe` until `until(result)`; fail with the last result after `timeout` s."""
    deadline = time.monotonic() + timeout
    result = probe()
    while not until(result):
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s; last: {result!r}")
        time.sleep(0.1)
        result = probe()
    return result


@dataclass
class LaunchedStack:
    """`python -m shared.infra.launcher` running in `data_dir`; its log in `log_path`."""

    process: subprocess.Popen[bytes]
    data_dir: Path
    base_url: str
    log_path: Path

    def state(self) -> dict[str, Any]:
        path = self.data_dir / "stack.json"
        if not path.exists():
            return {}
        found: dict[str, Any] = json.loads(path.read_text())
        return found

    def pid(self, name: str) -> int:
        return int(self.state()["pids"][name])

    def kill(self, name: str) -> int:
        """kill -9 the child `name`; its pid."""
        pid = self.pid(name)
        os.kill(pid, signal.SIGKILL)
        return pid

    def wait_restarted(self, name: str, old_pid: int, timeout: float = 60) -> int:
        """The new pid once the launcher has started `name` again."""
        return poll(
            lambda: int(self.state().get("pids", {}).get(name, old_pid)),
            until=lambda pid: pid != old_pid,
            timeout=timeout,
        )

    def ready(self) -> bool:
        """The gateway and every service answer (the launcher's own test)."""
        try:
            status = httpx.get(f"{self.base_url}/api/v1/status", timeout=5)
        except httpx.HTTPError:
            return False
        return status.status_code == 200 and bool(status.json().get("all_ok"))

    def nats_login(self) -> dict[str, Any]:
        """`nats.connect` arguments for the stack's operator user (every subject)."""
        state = self.state()
        password = Path(state["nats_operator_password_file"]).read_text()
        return {"servers": state["nats_url"].split(","), "user": "operator", "password": password}

    def database(self, service: str) -> Any:
        """The service's database on the stack's database server (read-only use)."""
        client: MongoClient[dict[str, Any]] = MongoClient(self.state()["mongodb_url"])
        return client[f"innohub_{service}"]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return int(self.process.returncode)


def launch(data_dir: Path, **settings: str) -> LaunchedStack:
    """Start the launcher the way `make run` does (plus `INNOHUB_<NAME>` settings given as
    keywords); return once the gateway is ready."""
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("INNOHUB_") and key not in ("NATS_URL", "MONGODB_URL")
    }
    env.update(
        INNOHUB_DATA_DIR=str(data_dir),
        INNOHUB_GATEWAY_PORT=str(port),
        INNOHUB_NATS_PORT=str(free_port()),
        INNOHUB_LOG_LEVEL="WARNING",
        INNOHUB_ADMIN_EMAIL=ADMIN[0],
        INNOHUB_ADMIN_PASSWORD=ADMIN[1],
        INNOHUB_AUTH_RATE_LIMIT_PER_MINUTE="100000",
        INNOHUB_EVENT_ACK_WAIT_SECONDS="5",
    )
    env.update({f"INNOHUB_{name.upper()}": value for name, value in settings.items()})
    log_path = data_dir / "launcher.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "shared.infra.launcher"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stack = LaunchedStack(process, data_dir, f"http://127.0.0.1:{port}", log_path)
    try:
        poll(lambda: stack.ready() or process.poll() is not None, until=bool, timeout=120)
    except AssertionError:
        stack.stop()
        raise
    if process.poll() is not None:
        raise AssertionError(f"the launcher exited: {log_path.read_text()[-3000:]}")
    return stack


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LaunchedStack]:
    running = launch(tmp_path)
    yield running
    code = running.stop()
    assert code == 0, running.log_path.read_text()[-3000:]


FIGURES: list[str] = []


def report(name: str, **figures: object) -> None:
    """Keep the figures the issue asks for; they are printed at the end of the run."""
    FIGURES.append(f"{name}: " + ", ".join(f"{key}={value}" for key, value in figures.items()))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES:
        terminalreporter.section("chaos figures")
        for line in FIGURES:
            terminalreporter.line(line)


class SmtpSink:
    """A real SMTP server (aiosmtpd) on a free loopback port that keeps every message it
    receives, to count the stack's emails per recipient (issue 13)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """aiosmtpd's hook: keep the message, one per envelope recipient."""
        raw = envelope.original_content or envelope.content
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._lock:
            for _ in envelope.rcpt_tos:
                self.messages.append(parsed)
        return "250 OK"

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def received(self) -> list[tuple[str, str]]:
        """(recipient address, decoded subject) of every message so far, as the recipient's
        mailbox shows them: a message sent again with the same Message-ID (a copy killed
        between sending and recording it) is one message, as mail systems that drop
        duplicates show it; `resent` counts those."""
        with self._lock:
            seen: set[tuple[str, str]] = set()
            found = []
            for m in self.messages:
                key = (str(m["To"]).lower(), str(m["Message-ID"]))
                if key not in seen:
                    seen.add(key)
                    found.append((key[0], str(m["Subject"])))
            return found

    def resent(self) -> int:
        """How many messages arrived again with a Message-ID already received."""
        with self._lock:
            return len(self.messages) - len(
                {(str(m["To"]).lower(), str(m["Message-ID"])) for m in self.messages}
            )
