"""Event consumers (thin): the read models mentoring keeps from registry and identity,
and the erasure a person asks for. Each effect runs once per event id."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from faststream.nats import NatsBroker
from nats.js.api import DeliverPolicy

from services.mentoring.follow_ups import FollowUps
from services.mentoring.read_models import ReadModels
from shared.contracts.base import Envelope, Event
from shared.contracts.events.identity import (
    UserDeletionRequestedV1,
    UserRegisteredV1,
    UserUpdatedV1,
)
from shared.contracts.events.mentoring import (
    FeedbackRecordedV1,
    MatchAcceptedV1,
    MatchDeclinedV1,
    MatchProposedV1,
    RequestOpenedV1,
    SessionCancelledV1,
    SessionCompletedV1,
    SessionNoShowV1,
)
from shared.contracts.events.reference import SectorSavedV1
from shared.contracts.events.registry import (
    StartupRegisteredV1,
    StartupStatusChangedV1,
    StartupUpdatedV1,
)
from shared.contracts.streams import IDENTITY, MENTORING, REGISTRY
from shared.infra.broker import consumer_options
from shared.infra.idempotency import ProcessedEvents
from shared.infra.personal_data import PersonKeys
from shared.infra.runtime import Reaction, event_handler
from shared.infra.settings import Settings

CONSUMERS = ((REGISTRY, "mentoring-registry"), (IDENTITY, "mentoring-identity"))
#: Renamed from `mentoring-figures` when each day began keeping the ids of the events it
#: counted (`figure_days`): the new consumer counts the stream's history again, once.
FIGURES_CONSUMER = "mentoring-figures-v2"
#: The second aggregate of a two-aggregate use case follows the first one's event.
FOLLOW_UPS_CONSUMER = "mentoring-follow-ups"


def reactions(m: Callable[[], ReadModels]) -> dict[type[Event], Reaction]:
    """What each event from other services does to mentoring's read models; one line per
    event kind mentoring learns from, anything else is skipped."""
    return {
        StartupRegisteredV1: lambda env, e: m().startup_seen(e.startup),
        StartupUpdatedV1: lambda env, e: m().startup_seen(e.startup),
        StartupStatusChangedV1: lambda env, e: m().startup_seen(e.startup),
        UserRegisteredV1: lambda env, e: m().user_seen(e),
        UserUpdatedV1: lambda env, e: m().user_seen(e),
        UserDeletionRequestedV1: lambda env, e: m().erase_person(e),
        SectorSavedV1: lambda env, e: m().sector_seen(e),
    }


def register_handlers(
    broker: NatsBroker,
    settings: Settings,
    read_models: Callable[[], ReadModels],
    follow_ups: Callable[[], FollowUps],
    processed: Callable[[], ProcessedEvents],
) -> None:
    """Subscribe mentoring's durable consumers; the use cases exist once started."""
    # Identity events' sealed contacts are opened with the person's key (issue 13).
    reacting = PersonKeys(broker).opening(reactions(read_models))
    for stream, durable in CONSUMERS:
        broker.subscriber(
            stream.subjects[0], **consumer_options(settings, stream=stream, durable=durable)
        )(event_handler(durable, reacting, processed))

    # Mentoring's own events, summed into daily figures for the district report.
    def count(envelope: Envelope, _: object) -> Awaitable[None]:
        """Add one of mentoring's own events to its local day's figures."""
        return follow_ups().count_event(envelope)

    counted: dict[type[Event], Reaction] = {
        kind: count
        for kind in (
            RequestOpenedV1,
            MatchAcceptedV1,
            SessionCompletedV1,
            SessionCancelledV1,
            SessionNoShowV1,
            FeedbackRecordedV1,
        )
    }
    broker.subscriber(
        "mentoring.>", **consumer_options(settings, stream=MENTORING, durable=FIGURES_CONSUMER)
    )(event_handler(FIGURES_CONSUMER, counted, processed))

    # One aggregate per write (issue 13): the second record follows the first one's event.
    following: dict[type[Event], Reaction] = {
        MatchProposedV1: lambda env, e: follow_ups().match_proposed(env, e),
        MatchAcceptedV1: lambda env, e: follow_ups().match_answered(env, e),
        MatchDeclinedV1: lambda env, e: follow_ups().match_answered(env, e),
        FeedbackRecordedV1: lambda env, e: follow_ups().rating_recorded(env, e),
    }
    # From its creation on, never from the start of the stream: these effects live in the
    # aggregates themselves (not in a read model to rebuild), and events from before this
    # consumer existed were applied by the use cases in the same request.
    options = consumer_options(settings, stream=MENTORING, durable=FOLLOW_UPS_CONSUMER)
    options["config"] = replace(options["config"], deliver_policy=DeliverPolicy.NEW)
    broker.subscriber("mentoring.>", **options)(
        event_handler(FOLLOW_UPS_CONSUMER, following, processed)
    )
