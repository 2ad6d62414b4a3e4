"""deploy/compose.yaml: Docker cannot run here, so check what can be checked without it:
the file parses, the 3-node NATS cluster and 3-member replica set are there, every process
has two copies, its settings and its own NATS user with a password file, and nothing secret
is committed."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from shared.contracts.rpc.common import SERVICES
from tests.deploy.rules import DEPLOY

PROCESSES = (*SERVICES, "gateway")
NATS_NODES = ("nats-1", "nats-2", "nats-3")
MONGO_MEMBERS = ("mongo-1", "mongo-2", "mongo-3")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def test_the_stack_is_nats_cluster_mongodb_replica_set_and_every_process(
    compose: dict[str, Any],
) -> None:
    assert set(compose["services"]) == {*NATS_NODES, *MONGO_MEMBERS, *PROCESSES}


def test_three_nats_nodes_share_the_cluster_config(compose: dict[str, Any]) -> None:
    names = set()
    for node in NATS_NODES:
        service = compose["services"][node]
        assert service["command"] == ["-c", "/etc/nats/cluster.conf"]
        names.add(service["environment"]["NATS_SERVER_NAME"])
        assert any(v.endswith(":/data") for v in service["volumes"]), "JetStream on a volume"
    assert names == set(NATS_NODES)


def test_mongodb_is_a_three_member_replica_set(compose: dict[str, Any]) -> None:
    for member in MONGO_MEMBERS:
        assert compose["services"][member]["command"][:2] == ["--replSet", "rs0"]
    initiate = " ".join(compose["services"]["mongo-1"]["healthcheck"]["test"])
    assert re.findall(r"host: '(mongo-\d):27017'", initiate) == list(MONGO_MEMBERS)


@pytest.mark.parametrize("process", PROCESSES)
def test_every_process_runs_two_copies_as_its_own_nats_user(
    compose: dict[str, Any], process: str
) -> None:
    service = compose["services"][process]
    assert service["deploy"]["replicas"] == 2
    env = service["environment"]
    assert env["INNOHUB_SERVICE"] == process
    assert env["INNOHUB_NATS_USER"] == process
    secret = f"nats_{process}"
    assert env["INNOHUB_NATS_PASSWORD_FILE"] == f"/run/secrets/{secret}"
    assert service["secrets"] == [secret], "each process sees only its own password"
    assert compose["secrets"][secret] == {"environment": f"NATS_PASSWORD_{process.upper()}"}
    assert env["INNOHUB_STREAM_REPLICAS"] == "3"
    assert env["NATS_URL"].split(",") == [f"nats://{n}:4222" for n in NATS_NODES]
    assert env["MONGODB_URL"].startswith(
        "mongodb://" + ",".join(f"{m}:27017" for m in MONGO_MEMBERS)
    )
    assert "replicaSet=rs0" in env["MONGODB_URL"]
    assert service["read_only"] is True
    assert service["cap_drop"] == ["ALL"]
    assert "healthcheck" in service


def test_only_the_gateway_publishes_a_port_and_the_backend_is_internal(
    compose: dict[str, Any],
) -> None:
    published = {name for name, s in compose["services"].items() if s.get("ports")}
    assert published == {"gateway"}
    assert compose["networks"]["backend"]["internal"] is True


def test_every_required_variable_is_listed_in_env_example_without_a_value(
    compose: dict[str, Any],
) -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    required = set(re.findall(r"\$\{([A-Z_]+):\?", text))
    example = dict(
        line.split("=", 1)
        for line in (DEPLOY / "env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert required <= set(example)
    for name in required:
        if re.search(r"SECRET|PASSWORD", name):
            assert example[name] == "", f"{name}: no secret value is committed"
    nats_env = compose["services"]["nats-1"]["environment"]
    assert {k for k in nats_env if k.startswith("NATS_PASSWORD_")} == {
        f"NATS_PASSWORD_{p.upper()}" for p in (*PROCESSES, "operator")
    }


SECRET_ASSIGNMENT = re.compile(
    r"(?i)(password|secret|token)[\"']?[ \t]*[:=][ \t]*[\"']?(?![$<{…])([A-Za-z0-9+/_=-]{12,})"
)


def committed_secrets(text: str) -> list[str]:
    """Literal values assigned to a password, secret or token (references such as
    `$NATS_PASSWORD_X`, `<< $X >>`, `${X}` and `$(openssl …)` are fine), and private keys."""
    found = [m.group(0) for m in SECRET_ASSIGNMENT.finditer(text)]
    if "-----BEGIN" in text and "PRIVATE KEY" in text:
        found.append("a private key")
    return found


def test_no_secret_value_is_committed_under_deploy() -> None:
    files = [p for p in DEPLOY.rglob("*") if p.is_file()]
    leaks = {str(p): committed_secrets(p.read_text()) for p in files}
    assert {p: v for p, v in leaks.items() if v} == {}
    assert committed_secrets("password: hunter2hunter2hunter2")
    assert committed_secrets('INNOHUB_JWT_SECRET="c2VjcmV0LXNlY3JldC1zZWNyZXQ"')
    assert not committed_secrets("password: $NATS_PASSWORD_REGISTRY")
