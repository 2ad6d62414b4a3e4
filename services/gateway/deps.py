"""Annotated dependencies the routes take: the actor, the broker, the use cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from faststream.nats import NatsBroker
from pydantic import BaseModel

from services.gateway.problems import Problem
from services.gateway.reference import ReferenceData
from services.gateway.repository import ReportStore
from services.gateway.service import Identity
from shared.contracts.base import Actor, RpcRequest
from shared.infra.broker import call
from shared.infra.settings import Settings

ResultT = TypeVar("ResultT", bound=BaseModel)


@dataclass
class GatewayState:
    settings: Settings
    broker: NatsBroker
    identity: Identity
    reference: ReferenceData
    reports: ReportStore
    extras: dict[str, object] = field(default_factory=dict)


def _state(request: Request) -> GatewayState:
    state: GatewayState = request.app.state.gateway
    return state


def _actor(request: Request) -> Actor:
    actor: Actor | None = request.state.actor
    if actor is None:
        raise Problem("unauthorized", headers={"WWW-Authenticate": "Bearer"})
    return actor


def _optional_actor(request: Request) -> Actor | None:
    actor: Actor | None = request.state.actor
    return actor


State = Annotated[GatewayState, Depends(_state)]
CurrentUser = Annotated[Actor, Depends(_actor)]
OptionalUser = Annotated[Actor | None, Depends(_optional_actor)]


class Services:
    """Calls a service by request–reply with the actor and correlation id attached."""

    def __init__(self, request: Request) -> None:
        self.state = _state(request)
        self.actor: Actor | None = request.state.actor
        self.correlation_id: str | None = getattr(request.state, "correlation_id", None)
        self.request_key: str | None = getattr(request.state, "request_key", None)

    async def call(
        self, rpc: RpcRequest, result: type[ResultT], *, subject: str | None = None
    ) -> ResultT:
        if rpc.actor is None and self.actor is not None:
            rpc = rpc.model_copy(update={"actor": self.actor})
        if rpc.request_key is None and self.request_key is not None:
            rpc = rpc.model_copy(update={"request_key": self.request_key})
        return await call(
            self.state.broker,
            rpc,
            result,
            timeout=self.state.settings.rpc_timeout_seconds,
            correlation_id=self.correlation_id,
            subject=subject,
        )


Rpc = Annotated[Services, Depends(Services)]
