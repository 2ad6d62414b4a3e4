"""deploy/kubernetes: the overlay builds, every resource validates against the Kubernetes
schemas, and the rules of issue 20 hold. Each rule is also shown to catch a broken copy."""

from __future__ import annotations

import copy
from typing import Any

import kubernetes_validate
import pytest

from shared.contracts.rpc.common import SERVICES
from tests.deploy.rules import (
    CRD_KINDS,
    Manifest,
    deployment_violations,
    name_of,
    nats_login_violations,
    network_violations,
    of_kind,
    pod_labels,
    policies_for,
    probe_violations,
    secret_violations,
)

PROCESSES = (*SERVICES, "gateway")
# The oldest Kubernetes we support and the newest whose schemas the validator bundles.
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")
TARGETS = {
    # The NATS chart's labels of its server pods (nats-box has component=nats-box).
    "nats": {
        "app.kubernetes.io/name": "nats",
        "app.kubernetes.io/instance": "nats",
        "app.kubernetes.io/component": "nats",
    },
    "mongodb": {"app.kubernetes.io/name": "innohub-mongodb"},
}


def schema_errors(manifests: list[Manifest], version: str) -> list[str]:
    errors = []
    for manifest in manifests:
        if manifest["kind"] in CRD_KINDS:
            continue
        try:
            kubernetes_validate.validate(manifest, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            errors.append(f"{name_of(manifest)}: {error.message} at {list(error.path)}")
        except kubernetes_validate.SchemaNotFoundError:
            errors.append(f"{name_of(manifest)}: {manifest['apiVersion']} unknown in {version}")
    return errors


def deployment(manifests: list[Manifest], name: str) -> Manifest:
    found = [d for d in of_kind(manifests, "Deployment") if d["metadata"]["name"] == name]
    assert len(found) == 1, f"one Deployment {name} expected, found {len(found)}"
    return found[0]


def container(manifest: Manifest) -> dict[str, Any]:
    result: dict[str, Any] = manifest["spec"]["template"]["spec"]["containers"][0]
    return result


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_resource_validates_against_the_kubernetes_schemas(
    production: list[Manifest], base: list[Manifest], version: str
) -> None:
    assert schema_errors(production, version) == []
    assert schema_errors(base, version) == []


def test_only_the_listed_crd_kinds_are_skipped(production: list[Manifest]) -> None:
    assert {m["kind"] for m in production} & CRD_KINDS == CRD_KINDS, "stale CRD_KINDS entry"


def test_schema_validation_catches_a_broken_resource(production: list[Manifest]) -> None:
    broken = copy.deepcopy(deployment(production, "registry"))
    container(broken)["readinesProbe"] = container(broken).pop("readinessProbe")
    old_api = copy.deepcopy(of_kind(production, "HorizontalPodAutoscaler")[0])
    old_api["apiVersion"] = "autoscaling/v2beta2"  # removed in Kubernetes 1.26
    wrong_type = copy.deepcopy(deployment(production, "gateway"))
    wrong_type["spec"]["replicas"] = "two"
    errors = schema_errors([broken, old_api, wrong_type], "1.30.0")
    assert len(errors) == 3, errors


def test_a_deployment_per_process_in_the_innohub_namespace(production: list[Manifest]) -> None:
    names = {d["metadata"]["name"] for d in of_kind(production, "Deployment")}
    assert names == set(PROCESSES)
    assert {m["metadata"].get("namespace") for m in production if m["kind"] != "Namespace"} == {
        "innohub"
    }
    for process in PROCESSES:
        found = deployment(production, process)
        assert container(found)["args"] == ["python", "-m", f"services.{process}"]
        assert found["spec"]["replicas"] >= 2, "one copy would make every rollout an outage"


@pytest.mark.parametrize("process", PROCESSES)
def test_deployment_is_probed_limited_non_root_and_read_only(
    production: list[Manifest], process: str
) -> None:
    found = deployment(production, process)
    assert deployment_violations(found) == []
    assert probe_violations(found) == []
    assert nats_login_violations(found) == []


@pytest.mark.parametrize(
    ("path", "change"),
    [
        (("readinessProbe",), None),
        (("livenessProbe",), None),
        (("resources", "limits", "memory"), None),
        (("securityContext", "readOnlyRootFilesystem"), False),
        (("securityContext", "capabilities", "drop"), ["NET_RAW"]),
        (("securityContext", "allowPrivilegeEscalation"), True),
    ],
)
def test_deployment_rules_catch_a_broken_deployment(
    production: list[Manifest], path: tuple[str, ...], change: object
) -> None:
    broken = copy.deepcopy(deployment(production, "mentoring"))
    target = container(broken)
    for key in path[:-1]:
        target = target[key]
    if change is None:
        del target[path[-1]]
    else:
        target[path[-1]] = change
    assert deployment_violations(broken) != []


def test_deployment_rules_catch_root_a_writable_tmp_and_a_literal_secret(
    production: list[Manifest],
) -> None:
    root = copy.deepcopy(deployment(production, "gateway"))
    root["spec"]["template"]["spec"]["securityContext"]["runAsUser"] = 0
    root["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] = False
    no_tmp = copy.deepcopy(deployment(production, "gateway"))
    container(no_tmp)["volumeMounts"] = [
        m for m in container(no_tmp)["volumeMounts"] if m["mountPath"] != "/tmp"
    ]
    literal = copy.deepcopy(deployment(production, "gateway"))
    container(literal)["env"].append({"name": "INNOHUB_JWT_SECRET", "value": "x" * 32})
    for broken in (root, no_tmp, literal):
        assert deployment_violations(broken) != []


def test_probe_rules_catch_the_wrong_endpoint(production: list[Manifest]) -> None:
    gateway = copy.deepcopy(deployment(production, "gateway"))
    container(gateway)["readinessProbe"]["httpGet"]["path"] = "/healthz"
    service = copy.deepcopy(deployment(production, "registry"))
    container(service)["livenessProbe"]["httpGet"]["port"] = 8000
    assert probe_violations(gateway) != []
    assert probe_violations(service) != []


def test_nats_login_rule_catches_a_shared_user(production: list[Manifest]) -> None:
    broken = copy.deepcopy(deployment(production, "competitions"))
    for variable in container(broken)["env"]:
        if variable["name"] == "INNOHUB_NATS_USER":
            variable["value"] = "gateway"
    assert nats_login_violations(broken) != []


def test_streams_are_created_with_three_replicas(production: list[Manifest]) -> None:
    config = next(m for m in of_kind(production, "ConfigMap") if m["metadata"]["name"] == "innohub")
    assert config["data"]["INNOHUB_STREAM_REPLICAS"] == "3"
    assert len(config["data"]["NATS_URL"].split(",")) == 3
    for process in PROCESSES:
        env_from = container(deployment(production, process))["envFrom"]
        assert {"configMapRef": {"name": "innohub"}} in env_from


@pytest.mark.parametrize("process", PROCESSES)
def test_every_process_has_a_network_policy_allowing_only_nats_and_mongodb(
    production: list[Manifest], process: str
) -> None:
    policies = of_kind(production, "NetworkPolicy")
    found = deployment(production, process)
    assert any(p["metadata"]["name"] == process for p in policies)
    assert network_violations(found, policies, TARGETS) == []


def test_network_rules_catch_an_open_service(production: list[Manifest]) -> None:
    policies = copy.deepcopy(of_kind(production, "NetworkPolicy"))
    registry = next(p for p in policies if p["metadata"]["name"] == "registry")
    registry["spec"]["ingress"].append(
        {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "x"}}}]}
    )
    registry["spec"]["egress"].append({"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]})
    problems = network_violations(deployment(production, "registry"), policies, TARGETS)
    assert len(problems) == 2, problems
    # …and one reachable from the Ingress controller, which only the gateway may be.
    mentoring = next(p for p in policies if p["metadata"]["name"] == "mentoring")
    gateway = next(p for p in policies if p["metadata"]["name"] == "gateway")
    mentoring["spec"]["ingress"] = gateway["spec"]["ingress"]
    assert network_violations(deployment(production, "mentoring"), policies, TARGETS) != []
    # …and one no policy covers.
    others = [p for p in policies if p["metadata"]["name"] != "competitions"]
    assert network_violations(deployment(production, "competitions"), others, TARGETS) != []


def test_nothing_else_in_the_namespace_accepts_traffic_by_default(
    production: list[Manifest],
) -> None:
    deny = [
        p
        for p in of_kind(production, "NetworkPolicy")
        if p["spec"]["podSelector"] == {} and "ingress" not in p["spec"]
    ]
    assert deny and deny[0]["spec"]["policyTypes"] == ["Ingress"]


def test_only_the_gateway_is_exposed_through_an_ingress_with_tls(
    production: list[Manifest],
) -> None:
    ingresses = of_kind(production, "Ingress")
    assert len(ingresses) == 1
    spec = ingresses[0]["spec"]
    backends = {
        path["backend"]["service"]["name"]
        for rule in spec["rules"]
        for path in rule["http"]["paths"]
    }
    assert backends == {"gateway"}
    hosts = {rule["host"] for rule in spec["rules"]}
    tls_hosts = {host for tls in spec.get("tls", []) for host in tls["hosts"]}
    assert hosts <= tls_hosts, "every host the Ingress serves must have TLS"
    assert all(tls.get("secretName") for tls in spec["tls"])
    services = of_kind(production, "Service")
    assert [s["metadata"]["name"] for s in services] == ["gateway"]
    assert services[0]["spec"].get("type", "ClusterIP") == "ClusterIP"


def test_autoscaling_and_disruption_budgets(production: list[Manifest]) -> None:
    hpas = {
        h["spec"]["scaleTargetRef"]["name"]: h
        for h in of_kind(production, "HorizontalPodAutoscaler")
    }
    assert {"gateway", "notifications", "registry"} <= set(hpas)
    for hpa in hpas.values():
        assert hpa["spec"]["minReplicas"] >= 2
        assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
    budgets = of_kind(production, "PodDisruptionBudget")
    for process in PROCESSES:
        labels = pod_labels(deployment(production, process))
        covering = [
            b
            for b in budgets
            if policies_for(labels, [{"spec": {"podSelector": b["spec"]["selector"]}}])
        ]
        assert len(covering) == 1, f"{process}: one PodDisruptionBudget expected"
        assert covering[0]["spec"].get("minAvailable") == 1


def test_no_secret_values_in_the_manifests(production: list[Manifest]) -> None:
    assert secret_violations(production) == []
    leaked = [
        {"kind": "Secret", "metadata": {"name": "innohub-jwt"}, "stringData": {"secret": "x"}},
        {"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"INNOHUB_JWT_SECRET": "x"}},
    ]
    assert len(secret_violations(leaked)) == 2


def test_secret_references_are_to_the_documented_secrets(production: list[Manifest]) -> None:
    """Every Secret a Deployment needs is one the README tells the operator to create or one
    the MongoDB operator writes for a user of the replica set."""
    mongodb = of_kind(production, "MongoDBCommunity")[0]["spec"]
    written = {user["connectionStringSecretName"] for user in mongodb["users"]}
    for process in PROCESSES:
        found = deployment(production, process)
        env = {v["name"]: v for v in container(found)["env"]}
        url = env["MONGODB_URL"]["valueFrom"]["secretKeyRef"]
        assert url["name"] in written
        assert url["key"] == "connectionString.standard"
        user = next(u for u in mongodb["users"] if u["connectionStringSecretName"] == url["name"])
        assert [r["db"] for r in user["roles"]] == [f"innohub_{process}"], (
            "a process's MongoDB user may use only its own database"
        )


def test_mongodb_is_a_three_member_replica_set(production: list[Manifest]) -> None:
    mongodb = of_kind(production, "MongoDBCommunity")
    assert len(mongodb) == 1
    spec = mongodb[0]["spec"]
    assert spec["members"] == 3
    assert spec["type"] == "ReplicaSet"
    labels = spec["statefulSet"]["spec"]["template"]["metadata"]["labels"]
    assert labels == TARGETS["mongodb"], "the NetworkPolicies select the members by this label"
