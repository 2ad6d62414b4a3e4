"""deploy/observability: the scrape configs cover every process and NATS, and every metric
the Grafana dashboard plots either exists in the code today, comes from the NATS exporter,
or is listed as assumed (and named in deploy/README.md), so no panel silently plots a
metric nobody exports."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import faststream.prometheus
import yaml

from tests.deploy.rules import DEPLOY, REPO

OBSERVABILITY = DEPLOY / "observability"
# From prometheus-nats-exporter as the NATS chart runs it (-jsz=all -prefix=nats).
NATS_EXPORTER = frozenset({"nats_consumer_num_pending", "nats_stream_total_messages"})
# Not exported by the code today; deploy/README.md says so.
ASSUMED = frozenset({"innohub_outbox_pending"})
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((OBSERVABILITY / "grafana-innohub.json").read_text())
    return loaded


def metric_names(expr: str) -> set[str]:
    """Metric names in a PromQL expression: the identifiers left once label matchers,
    ranges, strings, groupings (`by (…)`), function calls and keywords are taken out."""
    text = re.sub(r'"[^"]*"|\{[^}]*\}|\[[^\]]*\]', " ", expr)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    keywords = {"and", "or", "unless", "bool", "offset"}
    names = set()
    for name in re.findall(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()", text):
        if name in keywords:
            continue
        for suffix in HISTOGRAM_SUFFIXES:
            name = name.removesuffix(suffix)
        names.add(name)
    return names


def exported_by_code(name: str) -> bool:
    """The name is declared in our code, or by FastStream's Prometheus middleware, which
    every service installs (shared/infra/runtime.py) with its default prefix."""
    if name.startswith("faststream_"):
        container = Path(faststream.prometheus.__file__).parent / "container.py"
        return f"_{name.removeprefix('faststream_')}" in container.read_text()
    sources = [*REPO.glob("services/**/*.py"), *REPO.glob("shared/**/*.py")]
    return any(f'"{name}"' in path.read_text() for path in sources)


def unknown_metrics(exprs: list[str]) -> set[str]:
    names = set().union(*(metric_names(e) for e in exprs))
    return {n for n in names if n not in NATS_EXPORTER | ASSUMED and not exported_by_code(n)}


def exprs_of(board: dict[str, Any]) -> list[str]:
    return [t["expr"] for p in board["panels"] for t in p["targets"]]


def test_every_dashboard_metric_is_exported_or_declared_assumed() -> None:
    assert unknown_metrics(exprs_of(dashboard())) == set()
    assert unknown_metrics(["rate(innohub_http_requestz_total[5m])", "sum(made_up)"]) == {
        "innohub_http_requestz_total",
        "made_up",
    }


def test_the_dashboard_plots_the_key_figures() -> None:
    used = set().union(*(metric_names(e) for e in exprs_of(dashboard())))
    assert {
        "innohub_http_requests_total",  # request rate
        "innohub_http_request_duration_seconds",  # latency
        "nats_consumer_num_pending",  # consumer lag
        "nats_stream_total_messages",  # DLQ size
        "innohub_outbox_pending",  # outbox backlog
    } <= used


def test_the_readme_names_the_assumed_and_external_metrics() -> None:
    readme = (DEPLOY / "README.md").read_text()
    for name in ASSUMED | NATS_EXPORTER | {"innohub_http_requests_total"}:
        assert name in readme


def test_the_scrape_configs_cover_the_gateway_the_services_and_nats() -> None:
    for file in ("prometheus.yml", "prometheus-compose.yml"):
        config = yaml.safe_load((OBSERVABILITY / file).read_text())
        jobs = {job["job_name"] for job in config["scrape_configs"]}
        assert jobs == {"innohub-gateway", "innohub-services", "nats"}, file
    compose = yaml.safe_load((OBSERVABILITY / "prometheus-compose.yml").read_text())
    services = next(j for j in compose["scrape_configs"] if j["job_name"] == "innohub-services")
    from shared.contracts.rpc.common import SERVICES

    assert services["dns_sd_configs"][0]["names"] == list(SERVICES)
