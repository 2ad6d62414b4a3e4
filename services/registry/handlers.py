"""Event consumers (thin): read models from identity events, and daily figures from the
registry's own events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from faststream.nats import NatsBroker

from services.registry.figures import Figures
from services.registry.personal_data import PersonalData
from services.registry.read_models import ReadModels
from shared.contracts.base import Envelope, Event
from shared.contracts.events.identity import (
    UserDeletionRequestedV1,
    UserRegisteredV1,
    UserUpdatedV1,
)
from shared.contracts.events.reference import SectorSavedV1, WardSavedV1
from shared.contracts.events.registry import StartupRegisteredV1, StartupStatusChangedV1
from shared.contracts.streams import IDENTITY, REGISTRY
from shared.infra.broker import consumer_options
from shared.infra.idempotency import ProcessedEvents
from shared.infra.personal_data import PersonKeys, clear_contact
from shared.infra.runtime import Reaction, event_handler
from shared.infra.settings import Settings

IDENTITY_CONSUMER = "registry-identity"
FIGURES_CONSUMER = "registry-figures"


def _contact(event: UserRegisteredV1 | UserUpdatedV1) -> dict[str, str]:
    """The registry's contact fields from an opened identity event (`PersonKeys.opening`)."""
    contact = clear_contact(event)
    return {"full_name": contact.full_name, "email": contact.email, "role": event.role.value}


def reactions(
    models: Callable[[], ReadModels], personal: Callable[[], PersonalData]
) -> dict[type[Event], Reaction]:
    """What each identity and reference-data event does to the registry's read models, and
    a deletion request to the person's data."""
    return {
        WardSavedV1: lambda env, e: models().ward_saved(e),
        SectorSavedV1: lambda env, e: models().sector_saved(e),
        UserRegisteredV1: lambda env, e: models().contact_saved(e.user_id, _contact(e), e.version),
        UserUpdatedV1: lambda env, e: models().contact_saved(e.user_id, _contact(e), e.version),
        UserDeletionRequestedV1: lambda env, e: personal().erase(e),
    }


def register_handlers(
    broker: NatsBroker,
    settings: Settings,
    models: Callable[[], ReadModels],
    personal: Callable[[], PersonalData],
    figures: Callable[[], Figures],
    processed: Callable[[], ProcessedEvents],
) -> None:
    """Subscribe the registry's durable consumers: identity and reference data into read models,
    and its own events into daily figures. The use cases exist once started.
    """
    broker.subscriber(
        "identity.>", **consumer_options(settings, stream=IDENTITY, durable=IDENTITY_CONSUMER)
    )(
        event_handler(
            IDENTITY_CONSUMER, PersonKeys(broker).opening(reactions(models, personal)), processed
        )
    )

    # The registry's own events, summed into daily figures for the district report.
    def count(envelope: Envelope, _: object) -> Awaitable[None]:
        """Add one of the registry's own events to its local day's figures."""
        return figures().count_event(envelope)

    counted: dict[type[Event], Reaction] = {
        StartupRegisteredV1: count,
        StartupStatusChangedV1: count,
    }
    broker.subscriber(
        "registry.>", **consumer_options(settings, stream=REGISTRY, durable=FIGURES_CONSUMER)
    )(event_handler(FIGURES_CONSUMER, counted, processed))
