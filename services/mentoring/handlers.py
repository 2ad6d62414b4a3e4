"""Event consumers (thin): the read models mentoring keeps from registry and identity,
and the erasure a person asks for. Each effect runs once per event id."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from faststream.nats import NatsBroker

from services.mentoring.service import Mentoring
from shared.contracts.base import Envelope, Event, UnknownEventType
from shared.contracts.events.identity import (
    UserDeletionRequestedV1,
    UserRegisteredV1,
    UserUpdatedV1,
)
from shared.contracts.events.reference import SectorSavedV1
from shared.contracts.events.registry import (
    StartupRegisteredV1,
    StartupStatusChangedV1,
    StartupUpdatedV1,
)
from shared.contracts.streams import IDENTITY, MENTORING, REGISTRY
from shared.infra.broker import consumer_options
from shared.infra.mongo import ProcessedEvents
from shared.infra.settings import Settings

Effect = Callable[[Mentoring, Event], Awaitable[None]]

# One line per event kind mentoring learns from; anything else on the streams is skipped.
REACTIONS: dict[type[Event], Effect] = {
    StartupRegisteredV1: lambda m, e: m.startup_seen(e.startup),  # type: ignore[attr-defined]
    StartupUpdatedV1: lambda m, e: m.startup_seen(e.startup),  # type: ignore[attr-defined]
    StartupStatusChangedV1: lambda m, e: m.startup_seen(e.startup),  # type: ignore[attr-defined]
    UserRegisteredV1: lambda m, e: m.user_seen(e),  # type: ignore[arg-type]
    UserUpdatedV1: lambda m, e: m.user_seen(e),  # type: ignore[arg-type]
    UserDeletionRequestedV1: lambda m, e: m.erase_person(e),  # type: ignore[arg-type]
    SectorSavedV1: lambda m, e: m.sector_seen(e),  # type: ignore[arg-type]
}
CONSUMERS = ((REGISTRY, "mentoring-registry"), (IDENTITY, "mentoring-identity"))
FIGURES_CONSUMER = "mentoring-figures"


def register_handlers(
    broker: NatsBroker,
    settings: Settings,
    mentoring: Callable[[], Mentoring],
    processed: Callable[[], ProcessedEvents],
) -> None:
    def consumer(durable: str) -> Callable[[Envelope], Awaitable[None]]:
        async def on_event(envelope: Envelope) -> None:
            try:
                event = envelope.event()
            except UnknownEventType:
                return
            react = REACTIONS.get(type(event))
            if react is None:
                return

            async def apply() -> None:
                await react(mentoring(), event)

            await processed().once(durable, envelope, apply)

        on_event.__name__ = f"on_{durable.replace('-', '_')}"
        return on_event

    for stream, durable in CONSUMERS:
        broker.subscriber(
            stream.subjects[0], **consumer_options(settings, stream=stream, durable=durable)
        )(consumer(durable))

    @broker.subscriber(
        "mentoring.>", **consumer_options(settings, stream=MENTORING, durable=FIGURES_CONSUMER)
    )
    async def on_own_event(envelope: Envelope) -> None:
        """Mentoring's own events, summed into daily figures for the district report."""

        async def count() -> None:
            await mentoring().count_event(envelope)

        await processed().once(FIGURES_CONSUMER, envelope, count)
