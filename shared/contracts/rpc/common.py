"""RPCs every service answers."""

from __future__ import annotations

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
