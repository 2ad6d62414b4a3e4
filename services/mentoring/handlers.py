"""Event consumers (thin): the read models mentoring keeps from registry and identity."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from faststream.nats import NatsBroker

from services.mentoring.service import Mentoring
from shared.contracts.base import Envelope, UnknownEventType
from shared.contracts.events.identity import (
    UserDeletionRequestedV1,
    UserRegisteredV1,
    UserUpdatedV1,
)
from shared.contracts.events.registry import (
    StartupRegisteredV1,
    StartupStatusChangedV1,
    StartupUpdatedV1,
)
from shared.contracts.streams import IDENTITY, REGISTRY
from shared.infra.broker import consumer_options
from shared.infra.mongo import ProcessedEvents
from shared.infra.settings import Settings


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
            use_cases = mentoring()
            if isinstance(event, StartupRegisteredV1 | StartupUpdatedV1 | StartupStatusChangedV1):
                effect = use_cases.startup_seen(event.startup)
            elif isinstance(event, UserRegisteredV1 | UserUpdatedV1):
                effect = use_cases.user_seen(event)
            elif isinstance(event, UserDeletionRequestedV1):
                effect = use_cases.erase_person(event)
            else:
                return

            async def apply() -> None:
                await effect

            await processed().once(durable, envelope, apply)

        return on_event

    for stream, durable in ((REGISTRY, "mentoring-registry"), (IDENTITY, "mentoring-identity")):
        broker.subscriber(
            stream.subjects[0], **consumer_options(settings, stream=stream, durable=durable)
        )(consumer(durable))
