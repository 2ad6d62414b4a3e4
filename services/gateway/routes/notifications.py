"""The in-app inbox, served by the notifications service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from services.gateway.access import SIGNED_IN, table
from services.gateway.deps import Rpc
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

access = table(
    {
        "GET /notifications": SIGNED_IN,
        "POST /notifications/{notification_id}/read": SIGNED_IN,
        "GET /notification-preferences": SIGNED_IN,
        "PUT /notification-preferences": SIGNED_IN,
    }
)
router = APIRouter(tags=["notifications"], dependencies=[access.dependency()])


@router.get("/notifications")
async def inbox(
    rpc: Rpc,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
    unread_only: bool = False,
) -> InboxPage:
    """Newest first, with the unread count."""
    return await rpc.call(ListInbox(page=page, page_size=page_size, unread_only=unread_only))


@router.post("/notifications/{notification_id}/read")
async def mark_read(
    rpc: Rpc, notification_id: Annotated[str, Path(min_length=1, max_length=64)]
) -> MarkedRead:
    return await rpc.call(MarkRead(notification_id=notification_id))


@router.get("/notification-preferences")
async def preferences(rpc: Rpc) -> PreferencesView:
    """Channels per kind, daily digest and quiet hours; `kinds` lists every kind."""
    return await rpc.call(GetPreferences())


@router.put("/notification-preferences")
async def save_preferences(body: NotificationPreferences, rpc: Rpc) -> PreferencesView:
    """The inbox cannot be switched off; email and SMS wait out quiet hours unless urgent."""
    return await rpc.call(SavePreferences(preferences=body))
