"""Event consumers (thin): the read models kept from identity and registry events."""

from __future__ import annotations

from collections.abc import Callable

from faststream.nats import NatsBroker

from services.competitions.read_models import ReadModels
from shared.contracts.base import Event
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
from shared.infra.idempotency import ProcessedEvents
from shared.infra.personal_data import PersonKeys
from shared.infra.runtime import Reaction, event_handler
from shared.infra.settings import Settings

IDENTITY_CONSUMER = "competitions-identity"
REGISTRY_CONSUMER = "competitions-registry"


def reactions(models: Callable[[], ReadModels]) -> dict[type[Event], Reaction]:
    """What each identity, reference-data and registry event does to competitions' read models."""
    return {
        UserRegisteredV1: lambda env, e: models().user_saved(e),
        UserUpdatedV1: lambda env, e: models().user_saved(e),
        SchoolSavedV1: lambda env, e: models().school_saved(e),
        UserDeletionRequestedV1: lambda env, e: models().erase_person(e),
        StartupRegisteredV1: lambda env, e: models().startup_saved(e.startup),
        StartupUpdatedV1: lambda env, e: models().startup_saved(e.startup),
        StartupStatusChangedV1: lambda env, e: models().startup_saved(e.startup),
    }


def register_handlers(
    broker: NatsBroker,
    settings: Settings,
    models: Callable[[], ReadModels],
    processed: Callable[[], ProcessedEvents],
) -> None:
    """Subscribe competitions' durable consumers; the read models exist once started."""
    # Identity events' sealed contacts are opened with the person's key (issue 13).
    reacting = PersonKeys(broker).opening(reactions(models))
    for stream, durable in ((IDENTITY, IDENTITY_CONSUMER), (REGISTRY, REGISTRY_CONSUMER)):
        broker.subscriber(
            stream.subjects[0], **consumer_options(settings, stream=stream, durable=durable)
        )(event_handler(durable, reacting, processed))
