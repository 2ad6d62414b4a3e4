"""The notifications service's RPCs: the in-app inbox."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from shared.contracts.base import Page, PageQuery, RpcRequest


class InboxItem(BaseModel):
    id: str
    kind: str
    title: str
    body: str
    read: bool
    urgent: bool = False
    created_at: datetime


class InboxPage(Page[InboxItem]):
    """A page of the inbox, newest first, with how many items are unread in all."""

    unread: int


class ListInbox(RpcRequest[InboxPage], PageQuery):
    subject = "rpc.notifications.inbox.list"

    unread_only: bool = False


class MarkedRead(BaseModel):
    id: str
    read: bool
    unread: int


HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class MarkRead(RpcRequest[MarkedRead]):
    subject = "rpc.notifications.inbox.mark_read"

    notification_id: str = Field(min_length=1, max_length=64)


class ChannelChoice(BaseModel):
    """Outbound channels for one kind; the in-app inbox is always on."""

    inbox: bool = True
    email: bool = True
    sms: bool = False
    zalo: bool = False


class QuietHoursSetting(BaseModel):
    start: str = Field("22:00", pattern=HHMM)
    end: str = Field("07:00", pattern=HHMM)


class NotificationPreferences(BaseModel):
    channels: dict[str, ChannelChoice] = Field(default_factory=dict, max_length=50)
    digest: bool = Field(False, description="One daily email with the day's non-urgent items")
    quiet_hours: QuietHoursSetting = Field(default_factory=QuietHoursSetting)


class KindInfo(BaseModel):
    kind: str
    urgent: bool
    channels: list[str]


class PreferencesView(NotificationPreferences):
    kinds: list[KindInfo] = Field(default_factory=list)


class GetPreferences(RpcRequest[PreferencesView]):
    subject = "rpc.notifications.preferences.get"


class SavePreferences(RpcRequest[PreferencesView]):
    subject = "rpc.notifications.preferences.save"

    preferences: NotificationPreferences
