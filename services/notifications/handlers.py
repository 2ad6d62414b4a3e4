"""Event consumers (thin): who hears of what starts here, one line per event kind."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from faststream.nats import NatsBroker

from services.notifications import (
    competition_notices,
    directory,
    event_notices,
    mentoring_notices,
    startup_notices,
    transactional,
)
from services.notifications.service import Notices
from shared.contracts.base import Event
from shared.contracts.events.competitions import (
    CompetitionPublishedV1,
    EntrySubmittedV1,
    InitiativeCouncilAssignedV1,
    InitiativeDecidedV1,
    InitiativeFiledV1,
    JudgeAssignedV1,
    ResultsPublishedV1,
)
from shared.contracts.events.events import (
    EventCancelledV1,
    EventChangedV1,
    RegistrationCancelledV1,
    RegistrationConfirmedV1,
    RegistrationPromotedV1,
)
from shared.contracts.events.identity import (
    PasswordResetRequestedV1,
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
    SessionScheduledV1,
)
from shared.contracts.events.reference import SectorSavedV1, WardSavedV1
from shared.contracts.events.registry import StartupRegisteredV1, StartupStatusChangedV1
from shared.contracts.streams import (
    COMPETITIONS,
    EVENTS,
    IDENTITY,
    MENTORING,
    REGISTRY,
    StreamSpec,
)
from shared.infra.broker import consumer_options
from shared.infra.idempotency import ProcessedEvents
from shared.infra.personal_data import PersonKeys
from shared.infra.runtime import Reaction, event_handler
from shared.infra.settings import Settings

STREAMS: tuple[StreamSpec, ...] = (IDENTITY, REGISTRY, MENTORING, COMPETITIONS, EVENTS)


def reactions(
    n: Callable[[], Notices], base_url: str = "http://localhost:8000"
) -> dict[type[Event], Reaction]:
    """One entry per event kind that concerns a person; adding a kind is adding a line.
    `base_url` is the web app's, for links in emails."""

    def with_id(react: Callable[[Notices, str, Any], Awaitable[object]]) -> Reaction:
        """`react(notices, event id, event)`: the id keys the inbox items it writes."""
        return lambda env, e: react(n(), env.id, e)

    def without_id(react: Callable[[Notices, Any], Awaitable[object]]) -> Reaction:
        """`react(notices, event)`: keeps what the event says, tells no one of it."""
        return lambda env, e: react(n(), e)

    return {
        # Transactional email (accounts, issue 17): at once, never in the inbox.
        PasswordResetRequestedV1: lambda env, e: transactional.password_reset(
            n(), e, base_url=base_url
        ),
        UserRegisteredV1: with_id(directory.user_registered),
        UserUpdatedV1: without_id(directory.user_updated),
        UserDeletionRequestedV1: without_id(directory.erase_person),
        WardSavedV1: without_id(directory.label_saved),
        SectorSavedV1: without_id(directory.label_saved),
        StartupRegisteredV1: with_id(startup_notices.startup_registered),
        StartupStatusChangedV1: with_id(startup_notices.startup_status_changed),
        RequestOpenedV1: with_id(mentoring_notices.request_opened),
        MatchProposedV1: with_id(mentoring_notices.match_proposed),
        FeedbackRecordedV1: with_id(mentoring_notices.feedback_recorded),
        MatchAcceptedV1: with_id(mentoring_notices.match_answered),
        MatchDeclinedV1: with_id(mentoring_notices.match_answered),
        SessionScheduledV1: with_id(mentoring_notices.session_scheduled),
        CompetitionPublishedV1: without_id(competition_notices.competition_seen),
        EntrySubmittedV1: with_id(competition_notices.entry_submitted),
        JudgeAssignedV1: with_id(competition_notices.judge_assigned),
        ResultsPublishedV1: with_id(competition_notices.results_published),
        InitiativeDecidedV1: with_id(competition_notices.initiative_decided),
        # events (issue 18)
        RegistrationConfirmedV1: with_id(event_notices.confirmed),
        RegistrationPromotedV1: with_id(event_notices.promoted),
        RegistrationCancelledV1: without_id(event_notices.registration_cancelled),
        EventChangedV1: with_id(event_notices.changed),
        EventCancelledV1: with_id(event_notices.cancelled),
        # --- mentoring: sessions called off (issue 17) ---
        SessionCancelledV1: with_id(mentoring_notices.session_cancelled),
        # competitions depth (issue 14/17)
        InitiativeFiledV1: with_id(competition_notices.initiative_filed),
        InitiativeCouncilAssignedV1: with_id(competition_notices.council_appointed),
    }


def register_handlers(
    broker: NatsBroker,
    settings: Settings,
    notices: Callable[[], Notices],
    processed: Callable[[], ProcessedEvents],
) -> None:
    """Subscribe one durable consumer per stream (`notifications-<stream>`); each event is
    reacted to once per id (`ProcessedEvents`), and inbox ids derive from the event id."""
    # Identity events' sealed contacts are opened with the person's key (issue 13).
    reacting = PersonKeys(broker).opening(reactions(notices, settings.public_base_url))
    for stream in STREAMS:
        durable = f"notifications-{stream.name.lower()}"
        broker.subscriber(
            stream.subjects[0], **consumer_options(settings, stream=stream, durable=durable)
        )(event_handler(durable, reacting, processed))
