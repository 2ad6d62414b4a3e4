"""The only module of this service that talks to MongoDB."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from services.notifications.domain import Contact, Notification
from shared.contracts.base import Locale
from shared.infra.mongo import Database, now

CONTACTS = "contacts"
NOTIFICATIONS = "notifications"

INDEXES = {
    CONTACTS: [IndexModel([("email", ASCENDING)], name="contact_email")],
    NOTIFICATIONS: [
        IndexModel(
            [("recipient_id", ASCENDING), ("channel", ASCENDING), ("created_at", DESCENDING)],
            name="inbox_newest",
        ),
    ],
}


class NotificationStore:
    def __init__(self, db: Database) -> None:
        self.contacts = db[CONTACTS]
        self.notifications = db[NOTIFICATIONS]

    async def save_contact(self, contact: Contact) -> None:
        fields = asdict(contact)
        fields["locale"] = contact.locale.value
        fields["updated_at"] = now()
        await self.contacts.update_one({"_id": contact.user_id}, {"$set": fields}, upsert=True)

    async def contact(self, user_id: str) -> Contact | None:
        doc = await self.contacts.find_one({"_id": user_id})
        if doc is None:
            return None
        return Contact(
            user_id=doc["user_id"],
            email=doc["email"],
            full_name=doc["full_name"],
            role=doc["role"],
            locale=Locale(doc.get("locale", "vi")),
            organization=doc.get("organization"),
            phone=doc.get("phone"),
        )

    async def add(self, notification: Notification) -> bool:
        """Insert once; False when this (event, recipient, channel) already exists."""
        doc: dict[str, Any] = asdict(notification)
        doc["_id"] = doc.pop("id")
        try:
            await self.notifications.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def inbox(
        self, recipient_id: str, *, skip: int, limit: int, unread_only: bool
    ) -> tuple[list[dict[str, Any]], int, int]:
        query: dict[str, Any] = {"recipient_id": recipient_id, "channel": "inbox"}
        if unread_only:
            query["read"] = False
        cursor = (
            self.notifications.find(query).sort("created_at", DESCENDING).skip(skip).limit(limit)
        )
        items = await cursor.to_list(length=limit)
        total = await self.notifications.count_documents(query)
        unread = await self.notifications.count_documents(
            {"recipient_id": recipient_id, "channel": "inbox", "read": False}
        )
        return items, total, unread

    async def find(self, notification_id: str) -> dict[str, Any] | None:
        return await self.notifications.find_one({"_id": notification_id})

    async def mark_read(self, notification_id: str) -> None:
        await self.notifications.update_one(
            {"_id": notification_id}, {"$set": {"read": True, "read_at": now()}}
        )

    async def personal_data(self, user_id: str) -> dict[str, Any]:
        contact = await self.contacts.find_one({"_id": user_id}, {"_id": 0})
        cursor = self.notifications.find({"recipient_id": user_id}).sort("created_at", DESCENDING)
        notifications = [
            {**{k: v for k, v in doc.items() if k != "_id"}, "id": doc["_id"]}
            async for doc in cursor
        ]
        return {"contact": contact, "notifications": notifications}

    async def erase(self, user_id: str) -> int:
        await self.contacts.delete_one({"_id": user_id})
        result = await self.notifications.delete_many({"recipient_id": user_id})
        return result.deleted_count
