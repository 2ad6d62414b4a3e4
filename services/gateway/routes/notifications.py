"""The in-app inbox, served by the notifications service."""

from __future__ import annotations

from fastapi import APIRouter

from services.gateway.access import SIGNED_IN
from services.gateway.deps import Id, Paging, Rpc
from shared.contracts.rpc.notifications import (
    GetPreferences,
    InboxPage,
    ListInbox,
    MarkedRead,
    MarkRead,
    NotificationPreferences,
    PreferencesView,
    SavePreferences,
)

router = APIRouter(tags=["notifications"])


@router.get("/notifications", dependencies=[SIGNED_IN])
async def inbox(
    rpc: Rpc,
    paging: Paging,
    unread_only: bool = False,
) -> InboxPage:
    """Newest first, with the unread count."""
    return await rpc.call(ListInbox(unread_only=unread_only, **paging.model_dump()))


@router.post("/notifications/{notification_id}/read", dependencies=[SIGNED_IN])
async def mark_read(rpc: Rpc, notification_id: Id) -> MarkedRead:
    """Mark one of your notifications read; answers the unread count."""
    return await rpc.call(MarkRead(notification_id=notification_id))


@router.get("/notification-preferences", dependencies=[SIGNED_IN])
async def preferences(rpc: Rpc) -> PreferencesView:
    """Channels per kind, daily digest and quiet hours; `kinds` lists every kind."""
    return await rpc.call(GetPreferences())


@router.put("/notification-preferences", dependencies=[SIGNED_IN])
async def save_preferences(body: NotificationPreferences, rpc: Rpc) -> PreferencesView:
    """The inbox cannot be switched off; email and SMS wait out quiet hours unless urgent."""
    return await rpc.call(SavePreferences(preferences=body))
