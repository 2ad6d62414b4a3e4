"""The notifications service's RPCs: the in-app inbox."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from shared.contracts.base import RpcRequest


class InboxItem(BaseModel):
    id: str
    kind: str
    title: str
    body: str
    read: bool
    urgent: bool = False
    created_at: datetime


class InboxPage(BaseModel):
    items: list[InboxItem]
    total: int
    unread: int
    page: int
    page_size: int


class ListInbox(RpcRequest):
    subject = "rpc.notifications.inbox.list"

    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=100)
    unread_only: bool = False


class MarkRead(RpcRequest):
    subject = "rpc.notifications.inbox.mark_read"

    notification_id: str = Field(min_length=1, max_length=64)


class MarkedRead(BaseModel):
    id: str
    read: bool
    unread: int
