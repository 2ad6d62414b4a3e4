"""Event consumers (thin): decode, skip what was handled, call the use case."""

from __future__ import annotations

from typing import Annotated

from faststream import Context
from faststream.nats import NatsBroker

from services.notifications.service import Notifications
from shared.contracts.base import Envelope, UnknownEventType
from shared.contracts.events.identity import (
    UserDeletionRequestedV1,
    UserRegisteredV1,
    UserUpdatedV1,
)
from shared.contracts.streams import IDENTITY
from shared.infra.broker import consumer_options
from shared.infra.logging import get_logger
from shared.infra.mongo import ProcessedEvents
from shared.infra.settings import Settings

log = get_logger(__name__)

IDENTITY_CONSUMER = "notifications-identity"


def register_handlers(broker: NatsBroker, settings: Settings) -> None:
    @broker.subscriber(
        "identity.>",
        **consumer_options(settings, stream=IDENTITY, durable=IDENTITY_CONSUMER),
    )
    async def on_identity_event(
        envelope: Envelope,
        notifications: Annotated[Notifications, Context("notifications")],
        processed: Annotated[ProcessedEvents, Context("processed")],
    ) -> None:
        try:
            event = envelope.event()
        except UnknownEventType:
            log.info("event.ignored", event_type=envelope.type)
            return
        if isinstance(event, UserRegisteredV1):
            await processed.once(
                IDENTITY_CONSUMER, envelope, lambda: notifications.user_registered(envelope, event)
            )
        elif isinstance(event, UserUpdatedV1):
            await processed.once(
                IDENTITY_CONSUMER, envelope, lambda: notifications.user_updated(event)
            )
        elif isinstance(event, UserDeletionRequestedV1):
            await processed.once(
                IDENTITY_CONSUMER, envelope, lambda: notifications.erase_person(event)
            )
