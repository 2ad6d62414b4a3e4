"""The NATS servers of deploy/: the Helm values for Kubernetes and the compose cluster's
config. Their users must be exactly the ones the code defines (shared/infra/servers.py),
every password must come from the environment, and nats-server itself must accept the
config (`nats-server -t`)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.contracts.rpc.common import SERVICES
from shared.contracts.streams import EVENT_STREAMS
from shared.infra.servers import nats_server_binary, service_permissions
from tests.deploy.rules import DEPLOY, KUBERNETES

VALUES = KUBERNETES / "nats" / "values.yaml"
COMPOSE_NATS = DEPLOY / "nats"
# The operator's tools (nats CLI, nats-box): every subject, never a process.
OPERATOR = "operator"


def expected_permissions() -> dict[str, dict[str, list[str]]]:
    """What each user may publish and subscribe to, from the code the launcher uses."""
    all_events = tuple(s for spec in EVENT_STREAMS.values() for s in spec.subjects)
    expected = {}
    for name in (*SERVICES, "gateway"):
        stream = EVENT_STREAMS.get("identity" if name == "gateway" else name)
        publish, subscribe = service_permissions(
            name, stream.subjects if stream else (), all_events
        )
        expected[name] = {"publish": list(publish), "subscribe": list(subscribe)}
    expected[OPERATOR] = {"publish": [">"], "subscribe": [">"]}
    return expected


def permissions_of(users: list[dict[str, Any]]) -> dict[str, dict[str, list[str]]]:
    return {
        u["user"]: {
            "publish": u["permissions"]["publish"]["allow"],
            "subscribe": u["permissions"]["subscribe"]["allow"],
        }
        for u in users
    }


def password_variables(users: list[dict[str, Any]], pattern: str) -> dict[str, str]:
    """Each user's password variable; fails on a literal password."""
    found = {}
    for user in users:
        match = re.fullmatch(pattern, str(user["password"]))
        assert match, f"{user['user']}: the password must be an environment variable"
        found[user["user"]] = match.group(1)
    return found


def check_config(config: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [nats_server_binary(), "-t", "-c", str(config)],
        capture_output=True,
        text=True,
        env=env,
        cwd=config.parent,
        check=False,
    )


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(VALUES.read_text())
    return loaded


def test_helm_values_make_a_three_node_jetstream_cluster_on_file_storage(
    values: dict[str, Any],
) -> None:
    config = values["config"]
    assert config["cluster"] == {"enabled": True, "replicas": 3}
    jetstream = config["jetstream"]
    assert jetstream["enabled"] is True
    assert jetstream["fileStore"]["enabled"] is True
    assert jetstream["fileStore"]["pvc"]["enabled"] is True
    assert jetstream["memoryStore"]["enabled"] is False
    assert jetstream["merge"]["sync_interval"] == "always"


def test_helm_values_users_are_the_codes_users(values: dict[str, Any]) -> None:
    users = values["config"]["merge"]["authorization"]["users"]
    assert permissions_of(users) == expected_permissions()


def test_helm_values_passwords_come_from_the_per_user_secrets(values: dict[str, Any]) -> None:
    users = values["config"]["merge"]["authorization"]["users"]
    variables = password_variables(users, r"<< \$([A-Z_]+) >>")
    env = values["container"]["env"]
    for user, variable in variables.items():
        reference = env[variable]["valueFrom"]["secretKeyRef"]
        assert reference == {"name": f"innohub-nats-{user}", "key": "password"}


def test_nats_server_accepts_the_config_the_chart_renders(
    values: dict[str, Any], tmp_path: Path
) -> None:
    """The chart turns `config.merge` into nats.conf (JSON is valid NATS config) and
    `<< $VAR >>` into a bare `$VAR`; rendered the same way, nats-server must accept it."""
    merge = values["config"]["merge"]
    body = json.dumps(merge, indent=2)
    body = re.sub(r'"<< (\$[A-Z_]+) >>"', r"\1", body)
    config = tmp_path / "nats.conf"
    config.write_text(
        "listen: 127.0.0.1:4222\n"
        f'jetstream {{ store_dir: "{tmp_path}", sync_interval: "always" }}\n'
        f"include ./merge.conf\n"
    )
    (tmp_path / "merge.conf").write_text(body.strip()[1:-1])  # the members, without braces
    users = merge["authorization"]["users"]
    env = {v: "p4ss" for v in password_variables(users, r"<< \$([A-Z_]+) >>").values()}
    result = check_config(config, env)
    assert result.returncode == 0, result.stderr
    assert check_config(config, {}).returncode != 0, "passwords must be read from the env"


def test_compose_users_are_the_codes_users() -> None:
    loaded = yaml.safe_load((COMPOSE_NATS / "users.conf").read_text())
    users = loaded["authorization"]["users"]
    assert permissions_of(users) == expected_permissions()
    variables = password_variables(users, r"\$([A-Z_]+)")
    assert variables == {u: f"NATS_PASSWORD_{u.upper()}" for u in expected_permissions()}


def test_compose_cluster_config_parses_with_nats_server() -> None:
    env = {f"NATS_PASSWORD_{u.upper()}": "p4ss" for u in expected_permissions()}
    env["NATS_SERVER_NAME"] = "nats-1"
    result = check_config(COMPOSE_NATS / "cluster.conf", env)
    assert result.returncode == 0, result.stderr
    without = check_config(COMPOSE_NATS / "cluster.conf", {"NATS_SERVER_NAME": "nats-1"})
    assert without.returncode != 0


def test_compose_cluster_config_is_a_synced_three_node_jetstream_cluster() -> None:
    text = (COMPOSE_NATS / "cluster.conf").read_text()
    assert re.search(r"^\s*sync_interval:\s*always", text, re.M)
    routes = re.findall(r"nats-route://(nats-\d):6222", text)
    assert routes == ["nats-1", "nats-2", "nats-3"]


def test_a_drifted_permission_is_caught() -> None:
    expected = expected_permissions()
    drifted = json.loads(json.dumps(expected))
    drifted["registry"]["publish"].append("rpc.>")
    assert drifted != expected
