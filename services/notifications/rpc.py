"""Request–reply handlers for the gateway (thin: parse, call the use case, reply)."""

from __future__ import annotations

from collections.abc import Callable

from faststream.nats import NatsBroker

from services.notifications.inbox import Inbox
from shared.contracts.rpc.notifications import (
    GetPreferences,
    InboxPage,
    ListInbox,
    MarkedRead,
    MarkRead,
    PreferencesView,
    SavePreferences,
)
from shared.infra.broker import answer_rpc


def register_rpc(broker: NatsBroker, inbox: Callable[[], Inbox]) -> None:
    """Answer the inbox and preference requests in the `notifications` queue group;
    `inbox` gives the use cases once the service has started."""

    async def list_inbox(request: ListInbox) -> InboxPage:
        """`rpc.notifications.inbox.list`: a page of the actor's inbox → `InboxPage`."""
        return await inbox().list_inbox(request)

    async def mark_read(request: MarkRead) -> MarkedRead:
        """`rpc.notifications.inbox.mark_read`: mark an inbox item read → `MarkedRead`."""
        return await inbox().mark_read(request)

    async def get_preferences(request: GetPreferences) -> PreferencesView:
        """`rpc.notifications.preferences.get`: the actor's preferences → `PreferencesView`."""
        return await inbox().preferences(request.actor)

    async def save_preferences(request: SavePreferences) -> PreferencesView:
        """`rpc.notifications.preferences.save`: keep the actor's choices → `PreferencesView`."""
        return await inbox().save_preferences(request.actor, request.preferences)

    answer_rpc(broker, "notifications", ListInbox, list_inbox)
    answer_rpc(broker, "notifications", MarkRead, mark_read)
    answer_rpc(broker, "notifications", GetPreferences, get_preferences)
    answer_rpc(broker, "notifications", SavePreferences, save_preferences)
