"""`make run`: start the servers, every service and the gateway; keep them running.

The database server (SecantusDB, unless `MONGODB_URL` is set) and nats-server (unless
`NATS_URL` is set) start first, then every service, then the gateway. The launcher then
supervises (DESIGN §3): a child that exits is restarted with backoff (1, 2, 4 … 30 s) while
the rest keep serving; a child that dies 5 times within 2 minutes stops the whole stack and
the launcher exits non-zero with the reason. Each child runs in its own session so the stop
order is ours: gateway and services drain first, nats-server and the database last.

The e2e and chaos tests start the stack through here too; `stack.json` in the data folder
names every child's pid and port, for operators and for the chaos tests that kill them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from shared.contracts.rpc.common import SERVICES
from shared.infra.logging import configure_logging, get_logger
from shared.infra.servers import (
    ServerError,
    database_argv,
    database_url,
    free_port,
    nats_argv,
    port_is_free,
    wait_for_database,
    wait_for_port,
)
from shared.infra.settings import Settings

# Re-exported for the tests and benches that start servers the way the launcher does.
__all__ = ["LaunchError", "Stack", "free_port", "port_is_free"]

log = get_logger("launcher")

STOP_SECONDS = 8.0
# A child that dies this often within the window is not coming back by itself.
CRASH_LIMIT = 5
CRASH_WINDOW_SECONDS = 120.0
MAX_BACKOFF_SECONDS = 30.0
DATABASE = "database"
NATS = "nats-server"
GATEWAY = "gateway"


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


@dataclass
class Stack:
    """The database server and nats-server (unless given by URL), every service and the
    gateway, supervised. `start()` returns once the gateway is ready; call `supervise()`
    periodically (the launcher does every 0.2 s) to restart what died."""

    settings: Settings
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    stdout: int | None = None
    children: dict[str, Child] = field(default_factory=dict)
    metrics_ports: dict[str, int] = field(default_factory=dict)
    database_port: int | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.settings.gateway_host}:{self.settings.gateway_port}"

    @property
    def data_dir(self) -> Path:
        return Path(self.settings.data_dir).resolve()

    @property
    def processes(self) -> dict[str, subprocess.Popen[bytes]]:
        """The running process of each child (a restarted child has a new one)."""
        return {n: c.process for n, c in self.children.items() if c.process is not None}

    @property
    def mongodb_url(self) -> str:
        return self.settings.mongodb_url or database_url(self.database_port or 0)

    def check_ports(self) -> None:
        """Fail at once, naming the setting to change, when a fixed port is taken."""
        s = self.settings
        if not port_is_free(s.gateway_host, s.gateway_port):
            raise LaunchError(
                f"port {s.gateway_port} is taken: set INNOHUB_GATEWAY_PORT to a free port"
            )
        if not s.nats_url and not port_is_free("127.0.0.1", s.nats_port):
            raise LaunchError(
                f"port {s.nats_port} is taken: set INNOHUB_NATS_PORT to a free port "
                "(or NATS_URL to use a running server)"
            )

    def start(self, ready_timeout: float = 90.0) -> None:
        """Start everything in order and wait for the gateway's readiness.

        Raises `LaunchError` (after stopping what started) when a server or the gateway
        does not come up."""
        self.check_ports()
        data_dir = self.data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        env = dict(self.env)
        env["INNOHUB_DATA_DIR"] = str(data_dir)
        try:
            if not self.settings.mongodb_url:
                self.database_port = free_port()
                argv = database_argv(self.database_port, data_dir / "mongo")
                self._spawn(Child(DATABASE, argv, env))
                wait_for_database(self.mongodb_url, 60)
            env["MONGODB_URL"] = self.mongodb_url
            if not self.settings.nats_url:
                argv = nats_argv(self.settings.nats_port, data_dir)
                self._spawn(Child(NATS, argv, env))
                wait_for_port("127.0.0.1", self.settings.nats_port, 15)
            env["NATS_URL"] = self.settings.effective_nats_url
            for service in SERVICES:
                port = free_port()
                self.metrics_ports[service] = port
                service_env = {**env, "INNOHUB_METRICS_PORT": str(port)}
                argv = [sys.executable, "-m", f"services.{service}"]
                self._spawn(Child(service, argv, service_env))
            env["INNOHUB_GATEWAY_PORT"] = str(self.settings.gateway_port)
            self._spawn(Child(GATEWAY, [sys.executable, "-m", "services.gateway"], env))
            self.wait_ready(ready_timeout)
        except ServerError as error:
            self.stop()
            raise LaunchError(str(error)) from error
        except BaseException:
            self.stop()
            raise

    def _spawn(self, child: Child) -> None:
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
        self._write_state()

    def _write_state(self) -> None:
        state = {
            "gateway_url": self.base_url,
            "nats_url": self.settings.effective_nats_url,
            "mongodb_url": self.mongodb_url,
            "pids": {name: proc.pid for name, proc in self.processes.items()},
            "restarts": {name: child.restarts for name, child in self.children.items()},
            "metrics_ports": self.metrics_ports,
        }
        path = self.data_dir / "stack.json"
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(state, indent=2))
        temporary.replace(path)

    def dead(self) -> list[str]:
        """Children whose process has exited and not yet been restarted."""
        return [
            name
            for name, child in self.children.items()
            if child.process is not None and child.process.poll() is not None
        ]

    def supervise(self, now: float | None = None) -> None:
        """Restart children that exited, after their backoff.

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
                self._spawn(child)
                log.warning("process.restarted", process=child.name, restarts=child.restarts)

    def wait_ready(self, timeout: float) -> None:
        """Poll the gateway's `/readyz` until 200; `LaunchError` if a child dies meanwhile or
        the timeout passes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if dead := self.dead():
                raise LaunchError(f"stopped during start-up: {', '.join(dead)}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/readyz", timeout=3) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise LaunchError(f"not ready after {timeout:.0f} s (see {self.base_url}/readyz)")

    def stop(self) -> None:
        """Gateway and services first, then nats-server, the database last; SIGKILL whatever
        outlives the limit."""
        servers = [name for name in (NATS, DATABASE) if name in self.children]
        others = [name for name in self.children if name not in servers]
        deadline = time.monotonic() + STOP_SECONDS
        for group in (others, *([name] for name in servers)):
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


def main() -> None:
    """`python -m shared.infra.launcher`: run until Ctrl-C, SIGTERM or a crash loop."""
    settings = Settings(service="launcher")
    configure_logging("launcher", level=settings.log_level, json=settings.log_json)
    stack = Stack(settings)
    stopping = False

    def on_signal(signum: int, _: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        stack.start()
    except LaunchError as error:
        log.error("launch.failed", reason=str(error))
        sys.exit(1)
    base = stack.base_url
    database = (
        f"{stack.data_dir / 'mongo'} (SecantusDB, {stack.mongodb_url})"
        if not settings.mongodb_url
        else "MONGODB_URL"
    )
    sys.stdout.write(
        "\nGò Vấp InnoHub đang chạy / is running:\n"
        f"  Web:      {base}/\n"
        f"  API docs: {base}/docs\n"
        f"  Ready:    {base}/readyz\n"
        f"  Metrics:  {base}/metrics (gateway); "
        + ", ".join(f"{name} :{port}" for name, port in stack.metrics_ports.items())
        + "\n"
        f"  Data:     {database}\n"
        "Nhấn Ctrl-C để dừng / press Ctrl-C to stop.\n\n"
    )
    sys.stdout.flush()
    failure: str | None = None
    try:
        while not stopping:
            try:
                stack.supervise()
            except LaunchError as error:
                failure = str(error)
                break
            time.sleep(0.2)
    finally:
        stack.stop()
    if failure:
        log.error("launch.crash_loop", reason=failure)
        sys.stderr.write(f"\nInnoHub đã dừng / stopped: {failure}\n")
        sys.exit(1)
    log.info("launch.stopped")


if __name__ == "__main__":
    main()
