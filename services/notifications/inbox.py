"""The inbox and preferences use cases the gateway asks for (`rpc.notifications.inbox.*`,
`rpc.notifications.preferences.*`): a page of the caller's inbox, an item marked read, the
caller's channel choices, digest and quiet hours read and replaced."""

from __future__ import annotations

from services.notifications import domain
from services.notifications.domain import Kind
from services.notifications.ports import NotificationRepository
from shared.contracts.base import Actor, Forbidden, Invalid, NotFound
from shared.contracts.rpc.notifications import (
    ChannelChoice,
    InboxItem,
    InboxPage,
    KindInfo,
    ListInbox,
    MarkedRead,
    MarkRead,
    NotificationPreferences,
    PreferencesView,
    QuietHoursSetting,
)


class Inbox:
    """A person's own inbox and preferences; every use case acts for the request's actor.
    Raises `Forbidden`, `NotFound`, `Invalid` to RPC callers."""

    def __init__(self, store: NotificationRepository) -> None:
        self.store = store

    async def list_inbox(self, request: ListInbox) -> InboxPage:
        """One page of the caller's inbox, newest first, with the unread count. Raises
        `Forbidden` without an actor.
        """
        actor = _require_actor(request.actor)
        skip = (request.page - 1) * request.page_size
        docs, total, unread = await self.store.inbox(
            actor, skip=skip, limit=request.page_size, unread_only=request.unread_only
        )
        return InboxPage(
            items=[InboxItem.model_validate({**doc, "id": doc["_id"]}) for doc in docs],
            total=total,
            unread=unread,
            page=request.page,
            page_size=request.page_size,
        )

    async def mark_read(self, request: MarkRead) -> MarkedRead:
        """Mark one of the caller's items read; returns the unread count after. Raises
        `Forbidden` (no actor, or someone else's item), `NotFound`.
        """
        actor = _require_actor(request.actor)
        doc = await self.store.find(request.notification_id)
        if doc is None:
            raise NotFound("không tìm thấy thông báo", notification_id=request.notification_id)
        if doc["recipient_id"] != actor:
            raise Forbidden("thông báo này thuộc về người khác")
        await self.store.mark_read(request.notification_id)
        _, _, unread = await self.store.inbox(actor, skip=0, limit=1, unread_only=True)
        return MarkedRead(id=request.notification_id, read=True, unread=unread)

    async def preferences(self, actor: Actor | None) -> PreferencesView:
        """The caller's channel choices, digest and quiet hours, and every kind's defaults.
        Raises `Forbidden` without an actor.
        """
        user_id = _require_actor(actor)
        stored = await self.store.preferences(user_id) or {}
        return PreferencesView(
            channels={k: ChannelChoice(**v) for k, v in stored.get("channels", {}).items()},
            digest=stored.get("digest", False),
            quiet_hours=QuietHoursSetting(**stored.get("quiet_hours", {})),
            kinds=[
                KindInfo(kind=k.value, urgent=r.urgent, channels=[c.value for c in r.channels])
                for k, r in domain.RULES.items()
            ],
        )

    async def save_preferences(
        self, actor: Actor | None, preferences: NotificationPreferences
    ) -> PreferencesView:
        """Replace the caller's preferences; the in-app inbox cannot be turned off. Raises
        `Forbidden`, `Invalid` (an unknown kind, or the inbox off).
        """
        user_id = _require_actor(actor)
        unknown = sorted(set(preferences.channels) - {k.value for k in Kind})
        if unknown:
            raise Invalid("loại thông báo không tồn tại", kinds=unknown)
        if any(not choice.inbox for choice in preferences.channels.values()):
            raise Invalid("hộp thư trong ứng dụng không thể tắt", field="inbox")
        await self.store.save_preferences(user_id, preferences.model_dump())
        return await self.preferences(actor)


def _require_actor(actor: Actor | None) -> str:
    if actor is None:
        raise Forbidden("cần đăng nhập để xem thông báo")
    return actor.id
