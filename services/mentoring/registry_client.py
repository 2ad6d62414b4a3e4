"""Asking the registry for a startup mentoring has not heard of yet (DESIGN §4: a service
whose read model lacks a record asks its owner by request–reply before refusing)."""

from __future__ import annotations

from faststream.nats import NatsBroker

from services.mentoring.ports import StartupLookup
from shared.contracts.base import Actor, ErrorCode
from shared.contracts.rpc.registry import GetStartup
from shared.infra.broker import RpcFailure, call
from shared.infra.logging import current_correlation_id, get_logger
from shared.infra.mongo import Document

log = get_logger(__name__)

#: Seconds to wait for the registry; a founder waits at most this long for the fallback.
TIMEOUT = 3.0


def registry_lookup(broker: NatsBroker) -> StartupLookup:
    """A `StartupLookup` calling `rpc.registry.startup.get` as the actor (the owner sees
    `owner_id`); None when the registry says `not_found` or does not answer in time."""

    async def lookup(actor: Actor, startup_id: str) -> Document | None:
        """The startup's read-model fields from the registry, or None."""
        try:
            view = await call(
                broker,
                GetStartup(startup_id=startup_id, actor=actor),
                timeout=TIMEOUT,
                correlation_id=current_correlation_id(),
            )
        except RpcFailure as failure:
            if failure.error.code not in (ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN):
                log.warning("mentoring.registry_lookup_failed", code=failure.error.code)
            return None
        if view.owner_id is None:
            return None
        return {
            "owner_id": view.owner_id,
            "name": view.name,
            "sector": view.sector,
            "stage": view.stage.value,
            "ward": view.ward,
            "status": view.status.value,
            "needs": [need.value for need in view.needs],
            "version": view.version,
        }

    return lookup
