"""The notifications service's RPCs: the in-app inbox."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from shared.contracts.base import Page, PageQuery, RpcRequest
from shared.text import Line

#: A notification kind as a key (`startup_received`): a code, never free text, since the
#: service keeps the choices per kind (user text is never a database field name, DESIGN §7).
KindKey = Annotated[
    str, StringConstraints(min_length=2, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
]


class InboxItem(BaseModel):
    """One notification in a user's inbox; `urgent` ones ignore quiet hours."""

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
    """The caller's inbox, newest first → a page of it with the unread count."""

    subject = "rpc.notifications.inbox.list"

    unread_only: bool = False


class MarkedRead(BaseModel):
    """A notification now read, and how many remain unread."""

    id: str
    read: bool
    unread: int


HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class MarkRead(RpcRequest[MarkedRead]):
    """Mark one of the caller's notifications read → the mark and the unread count.

    Errors: `not_found` when it is not the caller's.
    """

    subject = "rpc.notifications.inbox.mark_read"

    notification_id: Annotated[Line, StringConstraints(min_length=1, max_length=64)]


class ChannelChoice(BaseModel):
    """Outbound channels for one kind; the in-app inbox is always on."""

    inbox: bool = True
    email: bool = True
    sms: bool = False
    zalo: bool = False


class QuietHoursSetting(BaseModel):
    """Local times (HH:MM, Asia/Ho_Chi_Minh) between which email and SMS wait."""

    start: str = Field("22:00", pattern=HHMM)
    end: str = Field("07:00", pattern=HHMM)


class NotificationPreferences(BaseModel):
    """Channels per kind, a daily digest, and quiet hours."""

    channels: dict[KindKey, ChannelChoice] = Field(default_factory=dict, max_length=50)
    digest: bool = Field(False, description="One daily email with the day's non-urgent items")
    quiet_hours: QuietHoursSetting = Field(default_factory=QuietHoursSetting)


class KindInfo(BaseModel):
    """A notification kind, whether it is urgent, and the channels it may use."""

    kind: str
    urgent: bool
    channels: list[str]


class PreferencesView(NotificationPreferences):
    """The caller's preferences with every kind listed."""

    kinds: list[KindInfo] = Field(default_factory=list)


class GetPreferences(RpcRequest[PreferencesView]):
    """The caller's notification preferences → them, with every kind listed."""

    subject = "rpc.notifications.preferences.get"


class SavePreferences(RpcRequest[PreferencesView]):
    """Replace the caller's preferences → them as saved; the inbox stays on."""

    subject = "rpc.notifications.preferences.save"

    preferences: NotificationPreferences
