"""The in-app inbox, served by the notifications service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from services.gateway.access import SIGNED_IN, table
from services.gateway.deps import Rpc
from shared.contracts.rpc.notifications import InboxPage, ListInbox, MarkedRead, MarkRead

access = table(
    {
        "GET /notifications": SIGNED_IN,
        "POST /notifications/{notification_id}/read": SIGNED_IN,
    }
)
router = APIRouter(
    prefix="/notifications", tags=["notifications"], dependencies=[access.dependency()]
)


@router.get("", response_model=InboxPage)
async def inbox(
    rpc: Rpc,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
    unread_only: bool = False,
) -> InboxPage:
    """Newest first, with the unread count."""
    return await rpc.call(
        ListInbox(page=page, page_size=page_size, unread_only=unread_only), InboxPage
    )


@router.post("/{notification_id}/read", response_model=MarkedRead)
async def mark_read(
    rpc: Rpc, notification_id: Annotated[str, Path(min_length=1, max_length=64)]
) -> MarkedRead:
    return await rpc.call(MarkRead(notification_id=notification_id), MarkedRead)
