"""RPCs every service answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from shared.contracts.base import RpcRequest

SERVICES: tuple[str, ...] = ("registry", "mentoring", "competitions", "notifications")


class PingRequest(RpcRequest):
    """Readiness probe; each service answers it on `ping_subject(service)`."""

    subject = "rpc.*.health.ping"


class Pong(BaseModel):
    service: str
    instance: str


def ping_subject(service: str) -> str:
    return f"rpc.{service}.health.ping"


class ExportPersonalData(RpcRequest):
    """Everything a service holds about one person (PDPL 91/2025: the right to a copy)."""

    subject = "rpc.*.personal_data.export"

    user_id: str


class PersonalData(BaseModel):
    service: str
    data: dict[str, Any]


def personal_data_subject(service: str) -> str:
    return f"rpc.{service}.personal_data.export"


class FiguresRequest(RpcRequest):
    """A service's figures for the district report over [start, end) (UTC instants);
    each service answers on `figures_subject(service)`."""

    subject = "rpc.*.figures.get"

    start: datetime
    end: datetime


def figures_subject(service: str) -> str:
    return f"rpc.{service}.figures.get"
