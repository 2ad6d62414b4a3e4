"""Event consumers (thin): the read models kept from identity and registry events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from faststream.nats import NatsBroker

from services.competitions.read_models import ReadModels
from shared.contracts.base import Envelope, Event, UnknownEventType
from shared.contracts.events.identity import (
    UserDeletionRequestedV1,
    UserRegisteredV1,
    UserUpdatedV1,
)
from shared.contracts.events.reference import SchoolSavedV1
from shared.contracts.events.registry import (
    StartupRegisteredV1,
    StartupStatusChangedV1,
    StartupUpdatedV1,
)
from shared.contracts.streams import IDENTITY, REGISTRY
from shared.infra.broker import consumer_options
from shared.infra.mongo import ProcessedEvents
from shared.infra.settings import Settings

IDENTITY_CONSUMER = "competitions-identity"
HANDLED = (
    UserRegisteredV1,
    UserUpdatedV1,
    UserDeletionRequestedV1,
    SchoolSavedV1,
    StartupRegisteredV1,
    StartupUpdatedV1,
    StartupStatusChangedV1,
)
REGISTRY_CONSUMER = "competitions-registry"


def _reaction(models: ReadModels, event: Event) -> Awaitable[None] | None:
    if isinstance(event, UserRegisteredV1 | UserUpdatedV1):
        return models.user_saved(event)
    if isinstance(event, SchoolSavedV1):
        return models.school_saved(event)
    if isinstance(event, UserDeletionRequestedV1):
        return models.erase_person(event)
    if isinstance(event, StartupRegisteredV1 | StartupUpdatedV1 | StartupStatusChangedV1):
        return models.startup_saved(event.startup)
    return None


def register_handlers(
    broker: NatsBroker,
    settings: Settings,
    models: Callable[[], ReadModels],
    processed: Callable[[], ProcessedEvents],
) -> None:
    for stream, durable in ((IDENTITY, IDENTITY_CONSUMER), (REGISTRY, REGISTRY_CONSUMER)):
        broker.subscriber(
            stream.subjects[0], **consumer_options(settings, stream=stream, durable=durable)
        )(_consumer(durable, models, processed))


def _consumer(
    durable: str, models: Callable[[], ReadModels], processed: Callable[[], ProcessedEvents]
) -> Callable[[Envelope], Awaitable[None]]:
    async def on_event(envelope: Envelope) -> None:
        try:
            event = envelope.event()
        except UnknownEventType:
            return
        if not isinstance(event, HANDLED):
            return

        async def apply() -> None:
            effect = _reaction(models(), event)
            if effect is not None:
                await effect

        await processed().once(durable, envelope, apply)

    on_event.__name__ = f"on_{durable.replace('-', '_')}"
    return on_event
