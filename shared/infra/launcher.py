"""`make run`: start the servers, every service and the gateway; keep them running.

The database server (SecantusDB, unless `MONGODB_URL` is set) and nats-server (unless
`NATS_URL` is set) start first, then every service (`INNOHUB_REPLICAS` copies of each, in one
queue group and sharing their durable consumers), then the gateway. The launcher then
supervises (DESIGN §3, `shared.infra.supervision`): a child that exits is restarted with
backoff (1, 2, 4 … 30 s) while the rest keep serving; a child that dies 5 times within 2
minutes stops the whole stack and the launcher exits non-zero with the reason. Each child
runs in its own session so the stop order is ours: gateway and services drain first,
nats-server and the database last.

The e2e and chaos tests start the stack through here too; `stack.json` in the data folder
names every child's pid and port, for operators and for the chaos tests that kill them.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from shared.contracts.rpc.common import SERVICES
from shared.contracts.streams import EVENT_STREAMS
from shared.infra.logging import configure_logging, get_logger
from shared.infra.servers import (
    NatsUser,
    ServerError,
    database_argv,
    database_url,
    free_port,
    nats_argv,
    port_is_free,
    reserve_port,
    service_permissions,
    wait_for_database,
    wait_for_jetstream,
    wait_for_port,
)
from shared.infra.settings import Settings
from shared.infra.supervision import DATABASE, Child, LaunchError, Supervisor

log = get_logger("launcher")

NATS = "nats-server"
GATEWAY = "gateway"
OPERATOR = "operator"


@dataclass
class Stack:
    """The database server and nats-server (unless given by URL), every service and the
    gateway, supervised. `start()` returns once the gateway is ready; call `supervise()`
    periodically (the launcher does every 0.2 s) to restart what died."""

    settings: Settings
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    stdout: int | None = None
    metrics_ports: dict[str, int] = field(default_factory=dict)
    database_port: int | None = None
    nats_url: str = ""
    supervisor: Supervisor = field(init=False)

    def __post_init__(self) -> None:
        self.nats_url = self.settings.effective_nats_url
        self.supervisor = Supervisor(self.stdout, on_change=self._write_state)

    @property
    def children(self) -> dict[str, Child]:
        """The supervised children by name (`database`, `nats-server`, each service, the
        gateway)."""
        return self.supervisor.children

    @property
    def base_url(self) -> str:
        """The gateway's base URL, `http://<gateway_host>:<gateway_port>`."""
        return f"http://{self.settings.gateway_host}:{self.settings.gateway_port}"

    @property
    def data_dir(self) -> Path:
        """The absolute directory holding the stack's data (database and NATS store)."""
        return Path(self.settings.data_dir).resolve()

    @property
    def processes(self) -> dict[str, subprocess.Popen[bytes]]:
        """The running process of each child (a restarted child has a new one)."""
        return self.supervisor.processes

    @property
    def mongodb_url(self) -> str:
        """The configured database URL, or that of the database server this stack runs."""
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
        # Free now, bound only once the servers and services before them are up: the
        # ports this launcher picks for those must not be these (a CI run saw a service's
        # metrics server take the gateway's port).
        reserve_port(s.gateway_port)
        if not s.nats_url:
            reserve_port(s.nats_port)

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
            secrets: dict[str, Path] = {}
            if not self.settings.nats_url:
                secrets = self._start_nats(env)
            env["NATS_URL"] = self.nats_url
            for service in SERVICES:
                for copy in range(1, self.settings.replicas + 1):
                    # One copy keeps the plain name; copies of a scaled stack are numbered.
                    name = service if self.settings.replicas == 1 else f"{service}-{copy}"
                    port = free_port()
                    self.metrics_ports[name] = port
                    service_env = {
                        **env,
                        "INNOHUB_METRICS_PORT": str(port),
                        "INNOHUB_INSTANCE": name,
                        **self._nats_login(service, secrets),
                    }
                    argv = [sys.executable, "-m", f"services.{service}"]
                    self._spawn(Child(name, argv, service_env))
            env["INNOHUB_GATEWAY_PORT"] = str(self.settings.gateway_port)
            gateway_env = {**env, **self._nats_login(GATEWAY, secrets)}
            self._spawn(Child(GATEWAY, [sys.executable, "-m", "services.gateway"], gateway_env))
            self.wait_ready(ready_timeout)
        except ServerError as error:
            self.stop()
            raise LaunchError(str(error)) from error
        except BaseException:
            self.stop()
            raise

    def _start_nats(self, env: dict[str, str]) -> dict[str, Path]:
        """Start nats-server, or a cluster of `settings.nats_cluster` nodes, with a user per
        service whose password is generated for this run; the password files by user."""
        users, secrets = self._nats_users()
        count = self.settings.nats_cluster
        client_ports = [self.settings.nats_port, *(free_port() for _ in range(count - 1))]
        cluster_ports = [free_port() for _ in range(count)] if count > 1 else []
        monitor_ports = [free_port() for _ in range(count)]
        for node in range(count):
            name = NATS if count == 1 else f"nats-{node + 1}"
            options: dict[str, object] = {"users": users, "monitor_port": monitor_ports[node]}
            if count > 1:
                others = tuple(p for i, p in enumerate(cluster_ports) if i != node)
                options.update(server_name=name, cluster_port=cluster_ports[node], routes=others)
            folder = self.data_dir if count == 1 else self.data_dir / name
            argv = nats_argv(client_ports[node], folder, **options)
            self._spawn(Child(name, argv, env))
        self.nats_url = ",".join(f"nats://127.0.0.1:{port}" for port in client_ports)
        for port in client_ports:
            wait_for_port("127.0.0.1", port, 15)
        for port in monitor_ports:
            wait_for_jetstream(port, 60)
        env["INNOHUB_STREAM_REPLICAS"] = str(min(count, 3))
        return secrets

    def _nats_users(self) -> tuple[tuple[NatsUser, ...], dict[str, Path]]:
        """A user per service, the gateway and `operator` (every subject: for an operator's
        tools and the tests that read consumer state); passwords in 0600 files."""
        folder = self.data_dir / "secrets"
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)
        all_events = tuple(s for spec in EVENT_STREAMS.values() for s in spec.subjects)
        users: list[NatsUser] = []
        files: dict[str, Path] = {}
        for name in (*SERVICES, GATEWAY, OPERATOR):
            password = secrets.token_urlsafe(24)
            path = folder / f"nats-{name}"
            path.write_text(password)
            path.chmod(0o600)
            files[name] = path
            if name == OPERATOR:
                users.append(NatsUser(name, password, (">",), (">",)))
                continue
            stream = EVENT_STREAMS.get("identity" if name == GATEWAY else name)
            own = stream.subjects if stream else ()
            publish, subscribe = service_permissions(name, own, all_events)
            users.append(NatsUser(name, password, publish, subscribe))
        return tuple(users), files

    @staticmethod
    def _nats_login(user: str, secrets: Mapping[str, Path]) -> dict[str, str]:
        if user not in secrets:
            return {}
        return {"INNOHUB_NATS_USER": user, "INNOHUB_NATS_PASSWORD_FILE": str(secrets[user])}

    def _spawn(self, child: Child) -> None:
        self.supervisor.spawn(child)

    def _write_state(self) -> None:
        state = {
            "gateway_url": self.base_url,
            "nats_url": self.nats_url,
            "nats_operator_password_file": str(self.data_dir / "secrets" / f"nats-{OPERATOR}"),
            "mongodb_url": self.mongodb_url,
            "pids": {name: proc.pid for name, proc in self.processes.items()},
            "restarts": {name: child.restarts for name, child in self.children.items()},
            "metrics_ports": self.metrics_ports,
        }
        path = self.data_dir / "stack.json"
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(state, indent=2))
        temporary.replace(path)

    def operator_login(self) -> dict[str, str]:
        """`nats.connect` keywords for the operator user (every subject), or none when the
        stack uses a NATS it did not start."""
        path = self.data_dir / "secrets" / f"nats-{OPERATOR}"
        if not path.exists():
            return {}
        return {"user": OPERATOR, "password": path.read_text()}

    def dead(self) -> list[str]:
        """Children whose process has exited and not yet been restarted."""
        return self.supervisor.dead()

    def supervise(self, now: float | None = None) -> None:
        """Restart children that exited, after their backoff (`Supervisor.supervise`).

        Raises `LaunchError` when one died `CRASH_LIMIT` times within the window."""
        self.supervisor.supervise(now)

    def wait_ready(self, timeout: float) -> None:
        """Poll the gateway's `/api/v1/status` until the gateway and every service are ok,
        restarting children that die meanwhile; `LaunchError` on a crash loop or when the
        timeout passes."""
        deadline = time.monotonic() + timeout
        url = f"{self.base_url}/api/v1/status"
        while time.monotonic() < deadline:
            # A child that dies while the others start (a NATS cluster still electing its
            # leader, say) is restarted like any other; only a crash loop stops the start.
            self.supervise()
            try:
                with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
                    if response.status == 200 and json.load(response).get("all_ok"):
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
                pass
            time.sleep(0.2)
        raise LaunchError(f"not ready after {timeout:.0f} s (see {url})")

    def stop(self) -> None:
        """Gateway and services first, then nats-server, the database last; SIGKILL whatever
        outlives the limit (`Supervisor.stop`)."""
        self.supervisor.stop()


def admin_exists(mongodb_url: str, settings: Settings) -> bool | None:
    """Whether the gateway's store holds an active admin account; None when it cannot be
    read (then nothing is said). For the start-up message (issue 17)."""
    from pymongo import MongoClient

    client: MongoClient[dict[str, object]] = MongoClient(mongodb_url, serverSelectionTimeoutMS=3000)
    try:
        users = client[settings.database_name("gateway")]["users"]
        query = {"role": "admin", "disabled": {"$ne": True}, "deleted_at": {"$exists": False}}
        return users.count_documents(query, limit=1) > 0
    except Exception:  # the message is a courtesy: never stop the stack for it
        return None
    finally:
        client.close()


def main() -> None:
    """`python -m shared.infra.launcher`: run until Ctrl-C, SIGTERM or a crash loop."""
    settings = Settings(service="launcher")
    configure_logging("launcher", level=settings.log_level, json=settings.log_json)
    stack = Stack(settings)
    stopping = False

    def on_signal(signum: int, _: object) -> None:
        """SIGINT/SIGTERM: ask the supervision loop to stop the stack."""
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
    # --- no admin yet: say so and how to make one (issue 17) ---
    admin_note = (
        ""
        if admin_exists(stack.mongodb_url, settings) is not False
        else (
            "  CHƯA CÓ QUẢN TRỊ VIÊN / NO ADMIN ACCOUNT YET. Tạo bằng / create one with:\n"
            "    python -m services.gateway create-admin --email <email>\n"
            "  (hoặc đặt / or set INNOHUB_ADMIN_EMAIL và/and INNOHUB_ADMIN_PASSWORD)\n"
        )
    )
    sys.stdout.write(
        "\nGò Vấp InnoHub đang chạy / is running:\n"
        f"  Web:      {base}/\n"
        f"  API docs: {base}/docs\n"
        f"  Status:   {base}/api/v1/status\n"
        f"  AsyncAPI: {base}/asyncapi\n"
        f"  Metrics:  {base}/metrics (gateway); "
        + ", ".join(f"{name} :{port}" for name, port in stack.metrics_ports.items())
        + "\n"
        f"  Data:     {database}\n" + admin_note + "Nhấn Ctrl-C để dừng / press Ctrl-C to stop.\n\n"
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
