"""The gateway's one RPC for services: a person's key to open their sealed contact
(crypto-shredding, issue 13). Only services may ask it (their NATS users may publish
`rpc.gateway.person_key.get`, nothing else under `rpc.gateway.`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from shared.contracts.base import RpcRequest
from shared.text import Line

#: A user id: a line, so no control character reaches a query.
UserId = Annotated[Line, StringConstraints(min_length=1, max_length=64)]

#: `active`: the key opens the person's sealed contacts; `erased`: the person asked for
#: erasure and the key is destroyed, nothing of them is to be kept; `unknown`: the gateway
#: has no such person or no key for them (yet): ask again later, never read it as erased.
PersonKeyState = Literal["active", "erased", "unknown"]


class PersonKey(BaseModel):
    """A person's key (base64 of 32 bytes) while `state` is `active`, else None."""

    user_id: UserId
    state: PersonKeyState
    key: str | None = Field(None, max_length=64, pattern=r"^[A-Za-z0-9+/]+={0,2}$")


class GetPersonKey(RpcRequest[PersonKey]):
    """The key that opens `user_id`'s sealed contact → `PersonKey`. Asked by services'
    identity consumers (`shared.infra.personal_data.PersonKeys`), answered by the gateway.
    Never logged by either side."""

    subject = "rpc.gateway.person_key.get"

    user_id: UserId
