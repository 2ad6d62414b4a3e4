"""Request–reply handlers for the gateway (thin: parse, call the use case, reply)."""

from __future__ import annotations

from collections.abc import Callable

from faststream.nats import NatsBroker

from services.registry.figures import Figures
from services.registry.search import StartupSearch
from services.registry.service import Startups
from shared.contracts.base import Actor, Forbidden
from shared.contracts.events.registry import StartupStatus
from shared.contracts.rpc.registry import (
    ChangeStartupStatus,
    GetStartup,
    GetStartupHistory,
    RegisterStartup,
    RegistryFigures,
    RegistryFiguresRequest,
    RejectStartup,
    SearchStartups,
    StartupHistory,
    StartupPage,
    StartupSuggestions,
    StartupView,
    SuggestStartups,
    UpdateStartup,
    VerifyStartup,
)
from shared.infra.broker import answer_rpc


def _actor(actor: Actor | None) -> Actor:
    """The signed-in actor; raises `Forbidden` for an anonymous request."""
    if actor is None:
        raise Forbidden("cần đăng nhập")
    return actor


def register_rpc(
    broker: NatsBroker,
    startups: Callable[[], Startups],
    search: Callable[[], StartupSearch],
    figures: Callable[[], Figures],
) -> None:
    """Answer every registry request contract in the `registry` queue group; `startups`,
    `search` and `figures` give the use cases once the service has started."""

    async def register(request: RegisterStartup) -> StartupView:
        """`rpc.registry.startup.register`: register a startup for its founder → `StartupView`."""
        return await startups().register(
            _actor(request.actor), request.startup, request.request_key
        )

    async def get(request: GetStartup) -> StartupView:
        """`rpc.registry.startup.get`: one startup as the actor may see it → `StartupView`."""
        return await startups().get(request.actor, request.startup_id)

    async def update(request: UpdateStartup) -> StartupView:
        """`rpc.registry.startup.update`: edit a startup (owner or staff) → `StartupView`."""
        return await startups().update(_actor(request.actor), request.startup_id, request.changes)

    async def find(request: SearchStartups) -> StartupPage:
        """`rpc.registry.startup.search`: a filtered, ranked page of startups → `StartupPage`."""
        return await search().search(request.actor, request)

    async def suggest(request: SuggestStartups) -> StartupSuggestions:
        """`rpc.registry.startup.suggest`: up to 8 startups for the search box →
        `StartupSuggestions`."""
        return await search().suggest(request.actor, request)

    async def verify(request: VerifyStartup) -> StartupView:
        """`rpc.registry.startup.verify`: staff verify a submitted startup → `StartupView`."""
        return await startups().change_status(
            _actor(request.actor),
            request.startup_id,
            StartupStatus.VERIFIED,
            reason=request.change.reason,
            version=request.change.version,
        )

    async def reject(request: RejectStartup) -> StartupView:
        """`rpc.registry.startup.reject`: staff reject a startup with a reason → `StartupView`."""
        return await startups().change_status(
            _actor(request.actor),
            request.startup_id,
            StartupStatus.REJECTED,
            reason=request.reason,
            version=request.version,
        )

    async def change_status(request: ChangeStartupStatus) -> StartupView:
        """`rpc.registry.startup.change_status`: any allowed lifecycle move → `StartupView`."""
        return await startups().change_status(
            _actor(request.actor),
            request.startup_id,
            request.to_status,
            reason=request.change.reason,
            version=request.change.version,
        )

    async def history(request: GetStartupHistory) -> StartupHistory:
        """`rpc.registry.startup.history`: a startup's status history → `StartupHistory`."""
        return await startups().history(_actor(request.actor), request.startup_id)

    async def period_figures(request: RegistryFiguresRequest) -> RegistryFigures:
        """`rpc.registry.figures.get`: counts over whole local days → `RegistryFigures`."""
        return await figures().period(request.start, request.end)

    answer_rpc(broker, "registry", RegisterStartup, register)
    answer_rpc(broker, "registry", GetStartup, get)
    answer_rpc(broker, "registry", UpdateStartup, update)
    answer_rpc(broker, "registry", SearchStartups, find)
    answer_rpc(broker, "registry", SuggestStartups, suggest)
    answer_rpc(broker, "registry", VerifyStartup, verify)
    answer_rpc(broker, "registry", RejectStartup, reject)
    answer_rpc(broker, "registry", ChangeStartupStatus, change_status)
    answer_rpc(broker, "registry", GetStartupHistory, history)
    answer_rpc(broker, "registry", RegistryFiguresRequest, period_figures)
