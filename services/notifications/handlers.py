"""Event consumers (thin): decode, skip what was handled, call the use case."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from faststream.nats import NatsBroker

from services.notifications.service import Notifications
from shared.contracts.base import Envelope, Event, UnknownEventType
from shared.contracts.events.competitions import (
    CompetitionPublishedV1,
    EntrySubmittedV1,
    InitiativeDecidedV1,
    JudgeAssignedV1,
    ResultsPublishedV1,
)
from shared.contracts.events.identity import (
    UserDeletionRequestedV1,
    UserRegisteredV1,
    UserUpdatedV1,
)
from shared.contracts.events.mentoring import (
    MatchAcceptedV1,
    MatchDeclinedV1,
    MatchProposedV1,
    RequestOpenedV1,
    SessionScheduledV1,
)
from shared.contracts.events.reference import SectorSavedV1, WardSavedV1
from shared.contracts.events.registry import StartupRegisteredV1, StartupStatusChangedV1
from shared.contracts.streams import COMPETITIONS, IDENTITY, MENTORING, REGISTRY, StreamSpec
from shared.infra.broker import consumer_options
from shared.infra.mongo import ProcessedEvents
from shared.infra.settings import Settings

Effect = Callable[[Notifications, Envelope, Event], Awaitable[None]]

# One entry per event kind that concerns a person; adding a kind is adding a line.
REACTIONS: dict[type[Event], Effect] = {
    UserRegisteredV1: lambda n, env, e: n.user_registered(env.id, e),  # type: ignore[arg-type]
    UserUpdatedV1: lambda n, env, e: n.user_updated(e),  # type: ignore[arg-type]
    UserDeletionRequestedV1: lambda n, env, e: n.erase_person(e),  # type: ignore[arg-type]
    WardSavedV1: lambda n, env, e: n.label_saved(e),  # type: ignore[arg-type]
    SectorSavedV1: lambda n, env, e: n.label_saved(e),  # type: ignore[arg-type]
    StartupRegisteredV1: lambda n, env, e: n.startup_registered(env.id, e),  # type: ignore[arg-type]
    StartupStatusChangedV1: lambda n, env, e: n.startup_status_changed(env.id, e),  # type: ignore[arg-type]
    RequestOpenedV1: lambda n, env, e: n.request_opened(env.id, e),  # type: ignore[arg-type]
    MatchProposedV1: lambda n, env, e: n.match_proposed(env.id, e),  # type: ignore[arg-type]
    MatchAcceptedV1: lambda n, env, e: n.match_answered(env.id, e),  # type: ignore[arg-type]
    MatchDeclinedV1: lambda n, env, e: n.match_answered(env.id, e),  # type: ignore[arg-type]
    SessionScheduledV1: lambda n, env, e: n.session_scheduled(env.id, e),  # type: ignore[arg-type]
    CompetitionPublishedV1: lambda n, env, e: n.competition_seen(e),  # type: ignore[arg-type]
    EntrySubmittedV1: lambda n, env, e: n.competition_seen(e),  # type: ignore[arg-type]
    JudgeAssignedV1: lambda n, env, e: n.judge_assigned(env.id, e),  # type: ignore[arg-type]
    ResultsPublishedV1: lambda n, env, e: n.results_published(env.id, e),  # type: ignore[arg-type]
    InitiativeDecidedV1: lambda n, env, e: n.initiative_decided(env.id, e),  # type: ignore[arg-type]
}
STREAMS: tuple[StreamSpec, ...] = (IDENTITY, REGISTRY, MENTORING, COMPETITIONS)


def register_handlers(
    broker: NatsBroker,
    settings: Settings,
    notifications: Callable[[], Notifications],
    processed: Callable[[], ProcessedEvents],
) -> None:
    for stream in STREAMS:
        durable = f"notifications-{stream.name.lower()}"
        broker.subscriber(
            stream.subjects[0], **consumer_options(settings, stream=stream, durable=durable)
        )(_consumer(durable, notifications, processed))


def _consumer(
    durable: str,
    notifications: Callable[[], Notifications],
    processed: Callable[[], ProcessedEvents],
) -> Callable[[Envelope], Awaitable[None]]:
    async def on_event(envelope: Envelope) -> None:
        try:
            event = envelope.event()
        except UnknownEventType:
            return
        react = REACTIONS.get(type(event))
        if react is None:
            return

        async def effect() -> None:
            await react(notifications(), envelope, event)

        await processed().once(durable, envelope, effect)

    return on_event
