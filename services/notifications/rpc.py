"""Request–reply handlers for the gateway (thin: parse, call the use case, reply)."""

from __future__ import annotations

from collections.abc import Callable

from faststream.nats import NatsBroker

from services.notifications.service import Notifications
from shared.contracts.rpc.notifications import (
    GetPreferences,
    InboxPage,
    ListInbox,
    MarkedRead,
    MarkRead,
    PreferencesView,
    SavePreferences,
)
from shared.infra.broker import rpc_responder, rpc_subscriber_options


def register_rpc(broker: NatsBroker, notifications: Callable[[], Notifications]) -> None:
    options = rpc_subscriber_options("notifications")

    async def list_inbox(request: ListInbox) -> InboxPage:
        return await notifications().list_inbox(request)

    async def mark_read(request: MarkRead) -> MarkedRead:
        return await notifications().mark_read(request)

    async def get_preferences(request: GetPreferences) -> PreferencesView:
        return await notifications().preferences(request.actor)

    async def save_preferences(request: SavePreferences) -> PreferencesView:
        return await notifications().save_preferences(request.actor, request.preferences)

    broker.subscriber(ListInbox.subject, **options)(rpc_responder(ListInbox, list_inbox))
    broker.subscriber(MarkRead.subject, **options)(rpc_responder(MarkRead, mark_read))
    broker.subscriber(GetPreferences.subject, **options)(
        rpc_responder(GetPreferences, get_preferences)
    )
    broker.subscriber(SavePreferences.subject, **options)(
        rpc_responder(SavePreferences, save_preferences)
    )
