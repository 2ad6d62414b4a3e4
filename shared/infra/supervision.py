"""Supervision of the stack's child processes (DESIGN §3): a child that exits is restarted
with backoff (1, 2, 4 … 30 s) while the rest keep serving; a child that dies `CRASH_LIMIT`
times within `CRASH_WINDOW_SECONDS` raises `LaunchError`, which stops the whole stack.

Each child runs in its own session, so the stop order is the supervisor's: gateway and
services drain first, nats-server and the database last.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from shared.infra.logging import get_logger

log = get_logger("launcher")

STOP_SECONDS = 8.0
# A child that dies this often within the window is not coming back by itself.
CRASH_LIMIT = 5
CRASH_WINDOW_SECONDS = 120.0
MAX_BACKOFF_SECONDS = 30.0
DATABASE = "database"


class LaunchError(RuntimeError):
    """The stack could not start, or a child keeps dying; the message says which and why."""


def restart_delay(recent_deaths: int) -> float:
    """Seconds before restarting a child that died `recent_deaths` times in the window:
    1, 2, 4 … capped at 30."""
    return float(min(MAX_BACKOFF_SECONDS, 2 ** max(0, recent_deaths - 1)))


@dataclass
class Child:
    """One supervised process: how to start it, and its recent deaths."""

    name: str
    argv: list[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    deaths: deque[float] = field(default_factory=deque)
    restart_at: float | None = None
    restarts: int = 0


class Supervisor:
    """The children of one stack, by name: started, restarted after their backoff, stopped
    in order. `on_change` runs after every start or restart (the launcher writes
    `stack.json` then); `stdout` is where the children's output goes (None: inherited)."""

    def __init__(
        self, stdout: int | None = None, on_change: Callable[[], None] | None = None
    ) -> None:
        self.stdout = stdout
        self.on_change = on_change
        self.children: dict[str, Child] = {}

    @property
    def processes(self) -> dict[str, subprocess.Popen[bytes]]:
        """The running process of each child (a restarted child has a new one)."""
        return {n: c.process for n, c in self.children.items() if c.process is not None}

    def spawn(self, child: Child) -> None:
        """Start (or restart) `child` in its own session and keep it under supervision."""
        child.process = subprocess.Popen(
            child.argv,
            env=child.env,
            start_new_session=True,
            stdout=self.stdout,
            stderr=self.stdout,
        )
        child.restart_at = None
        self.children[child.name] = child
        log.info("process.started", process=child.name, pid=child.process.pid)
        if self.on_change is not None:
            self.on_change()

    def dead(self) -> list[str]:
        """Children whose process has exited and not yet been restarted."""
        return [
            name
            for name, child in self.children.items()
            if child.process is not None and child.process.poll() is not None
        ]

    def supervise(self, now: float | None = None) -> None:
        """Restart children that exited, after their backoff (`now` in `time.monotonic`
        seconds, the current time when None).

        Raises `LaunchError` when one died `CRASH_LIMIT` times within the window."""
        now = time.monotonic() if now is None else now
        for child in self.children.values():
            process = child.process
            if process is not None and child.restart_at is None and process.poll() is not None:
                while child.deaths and now - child.deaths[0] > CRASH_WINDOW_SECONDS:
                    child.deaths.popleft()
                child.deaths.append(now)
                if len(child.deaths) >= CRASH_LIMIT:
                    raise LaunchError(
                        f"{child.name} exited {len(child.deaths)} times within "
                        f"{CRASH_WINDOW_SECONDS:.0f} s (last exit code {process.returncode})"
                    )
                delay = restart_delay(len(child.deaths))
                child.restart_at = now + delay
                log.warning(
                    "process.exited",
                    process=child.name,
                    exit_code=process.returncode,
                    restart_in_seconds=delay,
                )
            elif child.restart_at is not None and now >= child.restart_at:
                child.restarts += 1
                self.spawn(child)
                log.warning("process.restarted", process=child.name, restarts=child.restarts)

    def stop(self) -> None:
        """Gateway and services first, then nats-server, the database last; SIGKILL whatever
        outlives `STOP_SECONDS`."""
        servers = [name for name in self.children if name.startswith("nats-") or name == DATABASE]
        others = [name for name in self.children if name not in servers]
        deadline = time.monotonic() + STOP_SECONDS
        nats = [name for name in servers if name != DATABASE]
        database = [name for name in servers if name == DATABASE]
        for group in (others, nats, database):
            for name in group:
                proc = self.children[name].process
                if proc and proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for name in group:
                proc = self.children[name].process
                if proc is None:
                    continue
                try:
                    proc.wait(timeout=max(0.5, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
                    log.warning("process.killed", process=name)
        self.children.clear()
