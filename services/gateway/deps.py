"""Annotated dependencies the routes take: the actor, the broker, the use cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, TypeVar

from fastapi import Depends, Path, Query, Request
from fastapi.params import Depends as DependsParam
from faststream.nats import NatsBroker
from pydantic import BaseModel

from services.gateway.problems import Problem
from services.gateway.reference import ReferenceData
from services.gateway.repository import ReportStore
from services.gateway.service import Identity
from shared.contracts.base import Actor, PageQuery, RpcRequest
from shared.infra.broker import call
from shared.infra.settings import Settings

ReplyT = TypeVar("ReplyT", bound=BaseModel)


@dataclass
class GatewayState:
    """What the lifespan opens and the routes use: settings, broker, identity,
    reference data and the report store.
    """

    settings: Settings
    broker: NatsBroker
    identity: Identity
    reference: ReferenceData
    reports: ReportStore
    extras: dict[str, object] = field(default_factory=dict)


# The dependencies are coroutines: FastAPI runs a plain function in its thread pool on
# every request, which cost ~5 % of the gateway's time for nothing (issue 19's profile).


def _gateway_state(request: Request) -> GatewayState:
    state: GatewayState = request.app.state.gateway
    return state


async def _state(request: Request) -> GatewayState:
    return _gateway_state(request)


async def _actor(request: Request) -> Actor:
    actor: Actor | None = request.state.actor
    if actor is None:
        raise Problem("unauthorized", headers={"WWW-Authenticate": "Bearer"})
    return actor


async def _optional_actor(request: Request) -> Actor | None:
    actor: Actor | None = request.state.actor
    return actor


def page_query(default_size: int = 20) -> DependsParam:
    """A dependency reading `?page=` (from 1, ≤ 10 000) and `?page_size=` (1–100, default
    `default_size`) into a `PageQuery`; out of range is a 422 naming the query field
    (DESIGN §9: lists take `page` and `page_size` ≤ 100)."""

    # async: FastAPI would run a plain function in its thread pool, for nothing here.
    async def paging(
        page: Annotated[int, Query(ge=1, le=10_000)] = 1,
        page_size: Annotated[int, Query(ge=1, le=100)] = default_size,
    ) -> PageQuery:
        return PageQuery(page=page, page_size=page_size)

    return DependsParam(dependency=paging)


#: The id in a path (`/startups/{startup_id}`): 1–64 characters, as the contracts bound it.
Id = Annotated[str, Path(min_length=1, max_length=64)]
#: Paging of a list route, 20 a page unless the client asks otherwise.
Paging = Annotated[PageQuery, page_query()]
State = Annotated[GatewayState, Depends(_state)]
CurrentUser = Annotated[Actor, Depends(_actor)]
OptionalUser = Annotated[Actor | None, Depends(_optional_actor)]


class Services:
    """Calls a service by request–reply with the actor and correlation id attached."""

    def __init__(self, request: Request) -> None:
        self.state = _gateway_state(request)
        self.actor: Actor | None = request.state.actor
        self.correlation_id: str | None = getattr(request.state, "correlation_id", None)
        self.request_key: str | None = getattr(request.state, "request_key", None)

    async def call(self, rpc: RpcRequest[ReplyT], *, subject: str | None = None) -> ReplyT:
        """Send `rpc` as the request's actor and return the reply its contract names.

        `subject` overrides the contract's for the requests every service answers. Raises
        `RpcFailure` (the service's typed error, or `unavailable` after the RPC timeout),
        which the problem handlers map to HTTP (DESIGN §4).
        """
        if rpc.actor is None and self.actor is not None:
            rpc = rpc.model_copy(update={"actor": self.actor})
        if rpc.request_key is None and self.request_key is not None:
            rpc = rpc.model_copy(update={"request_key": self.request_key})
        return await call(
            self.state.broker,
            rpc,
            timeout=self.state.settings.rpc_timeout_seconds,
            correlation_id=self.correlation_id,
            subject=subject,
        )


async def _services(request: Request) -> Services:
    return Services(request)


Rpc = Annotated[Services, Depends(_services)]
