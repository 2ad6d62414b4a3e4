"""Event consumers (thin): who hears of what starts here, one line per event kind."""

from __future__ import annotations

from collections.abc import Callable

from faststream.nats import NatsBroker

from services.notifications import (
    competition_notices,
    directory,
    event_notices,
    mentoring_notices,
    startup_notices,
    transactional,
)
from services.notifications.notices import Notices
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
from shared.infra.mongo import ProcessedEvents
from shared.infra.personal_data import PersonKeys
from shared.infra.runtime import Reaction, event_handler
from shared.infra.settings import Settings

STREAMS: tuple[StreamSpec, ...] = (IDENTITY, REGISTRY, MENTORING, COMPETITIONS, EVENTS)


def reactions(
    n: Callable[[], Notices], base_url: str = "http://localhost:8000"
) -> dict[type[Event], Reaction]:
    """One entry per event kind that concerns a person; adding a kind is adding a line.
    `base_url` is the web app's, for links in emails."""
    return {
        # Transactional email (accounts, issue 17): at once, never in the inbox.
        PasswordResetRequestedV1: lambda env, e: transactional.password_reset(
            n(), e, base_url=base_url
        ),
        UserRegisteredV1: lambda env, e: directory.user_registered(n(), env.id, e),
        UserUpdatedV1: lambda env, e: directory.user_updated(n(), e),
        UserDeletionRequestedV1: lambda env, e: directory.erase_person(n(), e),
        WardSavedV1: lambda env, e: directory.label_saved(n(), e),
        SectorSavedV1: lambda env, e: directory.label_saved(n(), e),
        StartupRegisteredV1: lambda env, e: startup_notices.startup_registered(n(), env.id, e),
        StartupStatusChangedV1: lambda env, e: startup_notices.startup_status_changed(
            n(), env.id, e
        ),
        RequestOpenedV1: lambda env, e: mentoring_notices.request_opened(n(), env.id, e),
        MatchProposedV1: lambda env, e: mentoring_notices.match_proposed(n(), env.id, e),
        FeedbackRecordedV1: lambda env, e: mentoring_notices.feedback_recorded(n(), env.id, e),
        MatchAcceptedV1: lambda env, e: mentoring_notices.match_answered(n(), env.id, e),
        MatchDeclinedV1: lambda env, e: mentoring_notices.match_answered(n(), env.id, e),
        SessionScheduledV1: lambda env, e: mentoring_notices.session_scheduled(n(), env.id, e),
        CompetitionPublishedV1: lambda env, e: competition_notices.competition_seen(n(), e),
        EntrySubmittedV1: lambda env, e: competition_notices.entry_submitted(n(), env.id, e),
        JudgeAssignedV1: lambda env, e: competition_notices.judge_assigned(n(), env.id, e),
        ResultsPublishedV1: lambda env, e: competition_notices.results_published(n(), env.id, e),
        InitiativeDecidedV1: lambda env, e: competition_notices.initiative_decided(n(), env.id, e),
        # events (issue 18)
        RegistrationConfirmedV1: lambda env, e: event_notices.confirmed(n(), env.id, e),
        RegistrationPromotedV1: lambda env, e: event_notices.promoted(n(), env.id, e),
        RegistrationCancelledV1: lambda env, e: event_notices.registration_cancelled(n(), e),
        EventChangedV1: lambda env, e: event_notices.changed(n(), env.id, e),
        EventCancelledV1: lambda env, e: event_notices.cancelled(n(), env.id, e),
        # --- mentoring: sessions called off (issue 17) ---
        SessionCancelledV1: lambda env, e: mentoring_notices.session_cancelled(n(), env.id, e),
        # competitions depth (issue 14/17)
        InitiativeFiledV1: lambda env, e: competition_notices.initiative_filed(n(), env.id, e),
        InitiativeCouncilAssignedV1: lambda env, e: competition_notices.council_appointed(
            n(), env.id, e
        ),
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
