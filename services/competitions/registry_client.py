"""Read-your-writes for startups (issue 13): when competitions' read model has not yet seen
a startup (or sees it older than the registry does), the registry is asked by request–reply
(`GetStartup`, as the entrant), and what it answers is kept in the read model at its
version, so a later, older event cannot undo it.

The competitions NATS user may publish `rpc.registry.startup.get` for this alone
(`shared.infra.servers.service_permissions`)."""

from __future__ import annotations

from faststream.nats import NatsBroker

from shared.contracts.base import Actor
from shared.contracts.rpc.registry import GetStartup
from shared.infra.broker import RpcFailure, call
from shared.infra.logging import get_logger
from shared.infra.mongo import Document

log = get_logger(__name__)


def startup_fields(view: dict[str, object]) -> Document:
    """The read model's fields from the registry's `StartupView` (as JSON): what the
    eligibility rules read, as the `StartupSnapshot` events carry them."""
    team = view.get("team")
    return {
        "owner_id": view.get("owner_id"),
        "name": view.get("name"),
        "sector": view.get("sector"),
        "stage": view.get("stage"),
        "ward": view.get("ward"),
        "status": view.get("status"),
        "visibility": view.get("visibility"),
        "women_led": view.get("women_led"),
        "youth_led": view.get("youth_led"),
        "team_size": max(len(team), 1) if isinstance(team, list) else 1,
        "registered_at": view.get("registered_at"),
    }


class RegistryStartups:
    """Asks the registry for one startup as the entrant sees it."""

    def __init__(self, broker: NatsBroker, timeout: float) -> None:
        self.broker = broker
        self.timeout = timeout

    async def startup(self, actor: Actor, startup_id: str) -> tuple[int, Document] | None:
        """(version, read-model fields) of the startup, or None when the registry does not
        know it, does not show it to `actor`, or does not answer in time."""
        try:
            view = await call(
                self.broker,
                GetStartup(startup_id=startup_id, actor=actor),
                timeout=self.timeout,
            )
        except RpcFailure as failure:
            log.info("registry.startup_unavailable", startup_id=startup_id, code=failure.code)
            return None
        data = view.model_dump(mode="json")
        return view.version, startup_fields(data)
