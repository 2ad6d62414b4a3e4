"""RPCs every service answers, each on its own service's subject (`<name>_subject(service)`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from shared.contracts.base import RpcRequest

SERVICES: tuple[str, ...] = (
    "registry",
    "mentoring",
    "competitions",
    "notifications",
    "events",
)


class Pong(BaseModel):
    """Which copy of which service answered a ping."""

    service: str
    instance: str


class PingRequest(RpcRequest[Pong]):
    """Readiness probe; each service answers it on `ping_subject(service)`."""

    subject = "rpc.*.health.ping"


def ping_subject(service: str) -> str:
    """`rpc.<service>.health.ping`."""
    return f"rpc.{service}.health.ping"


class PersonalData(BaseModel):
    """One service's part of a person's data export: `{service, data: {...}}`."""

    service: str
    data: dict[str, Any]


class ExportPersonalData(RpcRequest[PersonalData]):
    """Everything a service holds about one person (PDPL 91/2025: the right to a copy)."""

    subject = "rpc.*.personal_data.export"

    user_id: str


def personal_data_subject(service: str) -> str:
    """`rpc.<service>.personal_data.export`."""
    return f"rpc.{service}.personal_data.export"


class Figures(BaseModel):
    """A service's figures for the district report, read without knowing the service: every
    field of its own figures model is kept (`RegistryFigures`, `MentoringFigures`, ...)."""

    model_config = ConfigDict(extra="allow")


class FiguresRequest(RpcRequest[Figures]):
    """A service's figures for the district report over [start, end) (UTC instants);
    each service answers on `figures_subject(service)` with its own figures model."""

    subject = "rpc.*.figures.get"

    start: datetime
    end: datetime


def figures_subject(service: str) -> str:
    """`rpc.<service>.figures.get`."""
    return f"rpc.{service}.figures.get"
