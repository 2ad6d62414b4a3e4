"""Event consumers (thin): the read models the registry keeps from identity events."""

from __future__ import annotations

from collections.abc import Callable

from faststream.nats import NatsBroker

from services.registry.service import Registry
from shared.contracts.base import Envelope, UnknownEventType
from shared.contracts.events.identity import (
    UserDeletionRequestedV1,
    UserRegisteredV1,
    UserUpdatedV1,
)
from shared.contracts.events.reference import SectorSavedV1, WardSavedV1
from shared.contracts.streams import IDENTITY, REGISTRY
from shared.infra.broker import consumer_options
from shared.infra.logging import get_logger
from shared.infra.mongo import ProcessedEvents
from shared.infra.settings import Settings

log = get_logger(__name__)

IDENTITY_CONSUMER = "registry-identity"
FIGURES_CONSUMER = "registry-figures"


def register_handlers(
    broker: NatsBroker,
    settings: Settings,
    registry: Callable[[], Registry],
    processed: Callable[[], ProcessedEvents],
) -> None:
    @broker.subscriber(
        "identity.>", **consumer_options(settings, stream=IDENTITY, durable=IDENTITY_CONSUMER)
    )
    async def on_identity_event(envelope: Envelope) -> None:
        try:
            event = envelope.event()
        except UnknownEventType:
            return
        use_cases = registry()
        if isinstance(event, WardSavedV1):
            effect = use_cases.ward_saved(event)
        elif isinstance(event, SectorSavedV1):
            effect = use_cases.sector_saved(event)
        elif isinstance(event, UserRegisteredV1 | UserUpdatedV1):
            fields = {"full_name": event.full_name, "email": event.email, "role": event.role.value}
            effect = use_cases.contact_saved(event.user_id, fields)
        elif isinstance(event, UserDeletionRequestedV1):
            effect = use_cases.erase_person(event)
        else:
            return

        async def apply() -> None:
            await effect

        await processed().once(IDENTITY_CONSUMER, envelope, apply)

    @broker.subscriber(
        "registry.>", **consumer_options(settings, stream=REGISTRY, durable=FIGURES_CONSUMER)
    )
    async def on_own_event(envelope: Envelope) -> None:
        """The registry's own events, summed into daily figures for the district report."""

        async def count() -> None:
            await registry().count_event(envelope)

        await processed().once(FIGURES_CONSUMER, envelope, count)
