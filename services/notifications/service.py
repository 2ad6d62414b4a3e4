"""Use cases: keep the contact directory, write notifications, serve the inbox."""

from __future__ import annotations

from typing import Any

from services.notifications import domain
from services.notifications.repository import NotificationStore
from shared.contracts.base import Actor, Envelope, Forbidden, NotFound
from shared.contracts.events.identity import (
    UserDeletionRequestedV1,
    UserRegisteredV1,
    UserUpdatedV1,
)
from shared.contracts.rpc.notifications import (
    InboxItem,
    InboxPage,
    ListInbox,
    MarkedRead,
    MarkRead,
)
from shared.infra.logging import get_logger

log = get_logger(__name__)


def _contact(event: UserRegisteredV1 | UserUpdatedV1) -> domain.Contact:
    return domain.Contact(
        user_id=event.user_id,
        email=event.email,
        full_name=event.full_name,
        role=event.role.value,
        locale=event.locale,
        organization=event.organization,
        phone=event.phone,
    )


class Notifications:
    def __init__(self, store: NotificationStore) -> None:
        self.store = store

    async def user_registered(self, envelope: Envelope, event: UserRegisteredV1) -> None:
        contact = _contact(event)
        await self.store.save_contact(contact)
        notification = domain.welcome(contact, event_id=envelope.id, at=envelope.time)
        if await self.store.add(notification):
            log.info("notification.created", kind=notification.kind, recipient_id=contact.user_id)

    async def user_updated(self, event: UserUpdatedV1) -> None:
        await self.store.save_contact(_contact(event))

    async def export_personal_data(self, user_id: str) -> dict[str, Any]:
        return await self.store.personal_data(user_id)

    async def erase_person(self, event: UserDeletionRequestedV1) -> None:
        erased = await self.store.erase(event.user_id)
        log.info("person.erased", user_id=event.user_id, notifications=erased)

    async def list_inbox(self, request: ListInbox) -> InboxPage:
        actor = _require_actor(request.actor)
        skip = (request.page - 1) * request.page_size
        docs, total, unread = await self.store.inbox(
            actor, skip=skip, limit=request.page_size, unread_only=request.unread_only
        )
        return InboxPage(
            items=[_item(doc) for doc in docs],
            total=total,
            unread=unread,
            page=request.page,
            page_size=request.page_size,
        )

    async def mark_read(self, request: MarkRead) -> MarkedRead:
        actor = _require_actor(request.actor)
        doc = await self.store.find(request.notification_id)
        if doc is None or doc.get("channel") != "inbox":
            raise NotFound("notification not found", notification_id=request.notification_id)
        if doc["recipient_id"] != actor:
            raise Forbidden("this notification belongs to someone else")
        await self.store.mark_read(request.notification_id)
        _, _, unread = await self.store.inbox(actor, skip=0, limit=1, unread_only=True)
        return MarkedRead(id=request.notification_id, read=True, unread=unread)


def _require_actor(actor: Actor | None) -> str:
    if actor is None:
        raise Forbidden("sign in to read notifications")
    return actor.id


def _item(doc: dict[str, object]) -> InboxItem:
    return InboxItem.model_validate({**doc, "id": doc["_id"]})
