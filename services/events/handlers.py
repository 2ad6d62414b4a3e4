"""Event consumers (thin): the people read model kept from identity events, and erasure."""

from __future__ import annotations

from collections.abc import Callable

from faststream.nats import NatsBroker

from services.events.people import People
from shared.contracts.base import Event
from shared.contracts.events.identity import (
    UserDeletionRequestedV1,
    UserRegisteredV1,
    UserUpdatedV1,
)
from shared.contracts.events.reference import OrganizationSavedV1
from shared.contracts.streams import IDENTITY
from shared.infra.broker import consumer_options
from shared.infra.idempotency import ProcessedEvents
from shared.infra.personal_data import PersonKeys
from shared.infra.runtime import Reaction, event_handler
from shared.infra.settings import Settings

IDENTITY_CONSUMER = "events-identity"


def reactions(people: Callable[[], People]) -> dict[type[Event], Reaction]:
    """What each identity (and organization) event does to the events service's people."""
    return {
        UserRegisteredV1: lambda env, e: people().user_saved(e),
        UserUpdatedV1: lambda env, e: people().user_saved(e),
        UserDeletionRequestedV1: lambda env, e: people().erase_person(e),
        OrganizationSavedV1: lambda env, e: people().organization_saved(e),
    }


def register_handlers(
    broker: NatsBroker,
    settings: Settings,
    people: Callable[[], People],
    processed: Callable[[], ProcessedEvents],
) -> None:
    """Subscribe the events service's durable identity consumer; `people` gives the use
    case once the service has started."""
    broker.subscriber(
        IDENTITY.subjects[0],
        **consumer_options(settings, stream=IDENTITY, durable=IDENTITY_CONSUMER),
    )(event_handler(IDENTITY_CONSUMER, PersonKeys(broker).opening(reactions(people)), processed))
