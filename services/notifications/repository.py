"""The only module of this service that talks to MongoDB: the contact directory, labels,
inbox items, deliveries, preferences and scheduled jobs. Nothing here publishes events, so
no collection keeps an `_outbox`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.notifications.domain import Contact, Delivery, Notification
from shared.contracts.base import Locale
from shared.infra.mongo import AggregateCollection, AlreadyExists, Database, Document, now

CONTACTS = "contacts"
NOTIFICATIONS = "notifications"
DELIVERIES = "deliveries"
PREFERENCES = "preferences"
SCHEDULES = "schedules"
LABELS = "labels"
# Who is sending each person's digest now: one holder per person, with a lease (issue 13).
DIGEST_HOLDS = "digest_holds"
# People who asked for erasure: a late identity event must not bring them back, and an
# event about them is not waited on (issue 13; PDPL 91/2025).
ERASED = "erased_people"

INDEXES = {
    CONTACTS: [IndexModel([("role", ASCENDING)], name="contact_role")],
    NOTIFICATIONS: [
        IndexModel([("recipient_id", ASCENDING), ("created_at", DESCENDING)], name="inbox_newest"),
    ],
    DELIVERIES: [
        IndexModel([("status", ASCENDING), ("due_at", ASCENDING)], name="due"),
        IndexModel([("recipient_id", ASCENDING)], name="delivery_recipient"),
    ],
    PREFERENCES: [],
    SCHEDULES: [IndexModel([("status", ASCENDING), ("due_at", ASCENDING)], name="schedule_due")],
    LABELS: [],
    DIGEST_HOLDS: [],
}


class NotificationStore:
    """Each read and write the notification use cases need, by name. Ids are strings:
    inbox and delivery ids derive from (event, recipient, channel), so a redelivered event
    writes nothing new."""

    def __init__(self, db: Database) -> None:
        self.contacts = AggregateCollection(db[CONTACTS], {})
        self.notifications = AggregateCollection(db[NOTIFICATIONS], {})
        self.deliveries = AggregateCollection(db[DELIVERIES], {})
        self.choices = AggregateCollection(db[PREFERENCES], {})
        self.schedules = AggregateCollection(db[SCHEDULES], {})
        self.labels = AggregateCollection(db[LABELS], {})
        self.erased = AggregateCollection(db[ERASED], {})
        self.digest_holds = AggregateCollection(db[DIGEST_HOLDS], {})

    # --- contacts and labels ---------------------------------------------------------------

    async def save_contact(self, contact: Contact) -> None:
        """Keep the contact (the latest identity event wins), unless the person was erased."""
        if await self.is_erased(contact.user_id):
            return
        fields = {**asdict(contact), "locale": contact.locale.value, "updated_at": now()}
        await self.contacts.upsert(contact.user_id, fields)

    async def is_erased(self, user_id: str) -> bool:
        """Whether the person asked for erasure (a tombstone without personal data)."""
        return await self.erased.get(user_id) is not None

    async def contact(self, user_id: str) -> Contact | None:
        """The contact, or None."""
        doc = await self.contacts.get(user_id)
        return _contact(doc) if doc else None

    async def contacts_with_roles(self, roles: list[str]) -> list[Contact]:
        """Every contact whose role is one of `roles`."""
        return [_contact(doc) for doc in await self.contacts.find({"role": {"$in": roles}})]

    async def save_label(self, key: str, name: str) -> None:
        """A ward's or sector's display name, by `kind:code` key."""
        await self.labels.upsert(key, {"name": name})

    async def label(self, key: str) -> str | None:
        """A display name kept by `save_label`, or None."""
        doc = await self.labels.get(key)
        return str(doc["name"]) if doc else None

    # --- notifications and deliveries ----------------------------------------------------

    async def add(self, notification: Notification) -> bool:
        """Insert once; False when this (event, recipient) already has it."""
        doc: dict[str, Any] = asdict(notification)
        doc["_id"] = doc.pop("id")
        doc["channel"] = "inbox"
        try:
            await self.notifications.insert(doc, None)
        except AlreadyExists:
            return False
        return True

    async def add_delivery(self, delivery: Delivery) -> bool:
        """Queue an outward delivery once; False when it is already queued."""
        doc: dict[str, Any] = asdict(delivery)
        doc.update(_id=doc.pop("id"), status="pending", attempts=0, log=[])
        try:
            await self.deliveries.insert(doc, None)
        except AlreadyExists:
            return False
        return True

    async def claim_due_delivery(
        self, at: datetime, claimant: str, lease: timedelta
    ) -> Document | None:
        """Atomically take one due delivery: two copies of the service never both send it."""
        return await self.deliveries.collection.find_one_and_update(
            {
                "status": "pending",
                "due_at": {"$lte": at},
                "$or": [{"claimed_until": None}, {"claimed_until": {"$lte": at}}],
            },
            {"$set": {"claimed_by": claimant, "claimed_until": at + lease}},
            sort=[("due_at", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )

    async def claim_digest_batch(
        self, recipient_id: str, at: datetime, batch: str, lease: timedelta
    ) -> list[Document]:
        """Claim for `batch` (a token unique to one send) every digest delivery of the
        recipient due by `at`, pending and not held by a live claim, and return what `batch`
        holds. Each item is claimed by one update, so with two copies of the service no
        item goes out in two digests (issue 13)."""
        await self.deliveries.collection.update_many(
            {
                "recipient_id": recipient_id,
                "digest": True,
                "status": "pending",
                "due_at": {"$lte": at},
                "$or": [{"claimed_until": None}, {"claimed_until": {"$lte": at}}],
            },
            {"$set": {"claimed_by": batch, "claimed_until": at + lease}},
        )
        return await self.deliveries.find(
            {"recipient_id": recipient_id, "status": "pending", "claimed_by": batch}
        )

    async def hold_digest(
        self, recipient_id: str, holder: str, at: datetime, lease: timedelta
    ) -> bool:
        """Become the one sender of the recipient's digest until `at + lease`: True unless
        another holder's lease is still running (one document per person, taken by a single
        conditional upsert, so of two copies exactly one wins)."""
        try:
            await self.digest_holds.collection.update_one(
                {"_id": recipient_id, "$or": [{"until": {"$lte": at}}, {"holder": holder}]},
                {"$set": {"holder": holder, "until": at + lease}},
                upsert=True,
            )
        except DuplicateKeyError:
            return False
        return True

    async def drop_digest_hold(self, recipient_id: str, holder: str) -> None:
        """End `holder`'s hold on the recipient's digest (nothing if another holds it)."""
        await self.digest_holds.collection.delete_one({"_id": recipient_id, "holder": holder})

    async def unclaim(self, delivery_id: str, claimant: str) -> None:
        """Release `claimant`'s claim on a delivery, so the digest's holder may batch it."""
        await self.deliveries.collection.update_one(
            {"_id": delivery_id, "claimed_by": claimant, "status": "pending"},
            {"$set": {"claimed_by": None, "claimed_until": None}},
        )

    async def digest_claimed_elsewhere(
        self, recipient_id: str, at: datetime, mine: list[str]
    ) -> int:
        """How many of the recipient's due, pending digest deliveries are held under a live
        claim by a claimant not in `mine` (a copy that has not yet stood back)."""
        return int(
            await self.deliveries.collection.count_documents(
                {
                    "recipient_id": recipient_id,
                    "digest": True,
                    "status": "pending",
                    "due_at": {"$lte": at},
                    "claimed_until": {"$gt": at},
                    "claimed_by": {"$nin": mine},
                }
            )
        )

    async def delivered(self, delivery_ids: list[str], at: datetime) -> None:
        """Mark the deliveries sent at `at` and release their claims."""
        await self.deliveries.collection.update_many(
            {"_id": {"$in": delivery_ids}},
            {
                "$set": {"status": "sent", "sent_at": at, "claimed_until": None},
                "$inc": {"attempts": 1},
                "$push": {"log": {"at": at, "result": "sent"}},
            },
        )

    async def failed(
        self, delivery_id: str, at: datetime, error: str, retry_at: datetime | None
    ) -> None:
        """Log a failed attempt; retry at `retry_at`, or give up (status `failed`) on None."""
        update: Document = {
            "$inc": {"attempts": 1},
            "$push": {"log": {"at": at, "result": "error", "error": error[:500]}},
            "$set": {"claimed_until": None, "last_error": error[:500]},
        }
        if retry_at is None:
            update["$set"]["status"] = "failed"
        else:
            update["$set"]["due_at"] = retry_at
        await self.deliveries.collection.update_one({"_id": delivery_id}, update)

    async def delivery(self, delivery_id: str) -> Document | None:
        """The delivery, or None."""
        return await self.deliveries.get(delivery_id)

    async def deliveries_of(self, notification_id: str) -> list[Document]:
        """Every outward delivery of one inbox item."""
        return await self.deliveries.find({"notification_id": notification_id})

    async def inbox(
        self, recipient_id: str, *, skip: int, limit: int, unread_only: bool
    ) -> tuple[list[Document], int, int]:
        """A page of the recipient's inbox, newest first: items, total, unread count."""
        query: dict[str, Any] = {"recipient_id": recipient_id}
        if unread_only:
            query["read"] = False
        items, total = await self.notifications.page(
            query, sort=[("created_at", DESCENDING)], skip=skip, limit=limit
        )
        unread = await self.notifications.count({"recipient_id": recipient_id, "read": False})
        return items, total, unread

    async def find(self, notification_id: str) -> Document | None:
        """The inbox item, or None."""
        return await self.notifications.get(notification_id)

    async def mark_read(self, notification_id: str) -> None:
        """Mark the inbox item read now."""
        await self.notifications.collection.update_one(
            {"_id": notification_id}, {"$set": {"read": True, "read_at": now()}}
        )

    # --- preferences ---------------------------------------------------------------------

    async def preferences(self, user_id: str) -> Document | None:
        """The person's stored preferences, or None (the defaults apply)."""
        return await self.choices.get(user_id)

    async def save_preferences(self, user_id: str, fields: Document) -> None:
        """Keep the person's preferences."""
        await self.choices.upsert(user_id, fields)

    # --- schedules -----------------------------------------------------------------------

    async def schedule(self, job_id: str, kind: str, due_at: datetime, payload: Document) -> bool:
        """Create the job once; an existing one (pending or fired) is left as it is."""
        job = {"_id": job_id, "kind": kind, "due_at": due_at, "payload": payload}
        try:
            await self.schedules.insert({**job, "status": "pending"}, None)
        except AlreadyExists:
            return False
        return True

    async def claim_due_job(self, at: datetime, claimant: str, lease: timedelta) -> Document | None:
        """Atomically take one due job; a claim whose holder died is taken over after the lease."""
        return await self.schedules.collection.find_one_and_update(
            {
                "due_at": {"$lte": at},
                "$or": [
                    {"status": "pending"},
                    {"status": "claimed", "claimed_until": {"$lte": at}},
                ],
            },
            {"$set": {"status": "claimed", "claimed_by": claimant, "claimed_until": at + lease}},
            sort=[("due_at", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )

    async def job_done(self, job_id: str, at: datetime) -> None:
        """Mark a claimed job fired at `at`."""
        await self.schedules.collection.update_one(
            {"_id": job_id}, {"$set": {"status": "fired", "fired_at": at, "claimed_until": None}}
        )

    async def jobs(self, kind: str) -> list[Document]:
        """Every scheduled job of `kind`."""
        return await self.schedules.find({"kind": kind})

    # --- personal data ---------------------------------------------------------------------

    async def personal_data(self, user_id: str) -> dict[str, Any]:
        """What the service holds about the person (PDPL 91/2025 access request)."""
        contact = await self.contacts.collection.find_one({"_id": user_id}, {"_id": 0})
        found = await self.notifications.find(
            {"recipient_id": user_id}, sort=[("created_at", DESCENDING)]
        )
        notifications = [
            {**{k: v for k, v in doc.items() if k != "_id"}, "id": doc["_id"]} for doc in found
        ]
        preferences = await self.choices.collection.find_one({"_id": user_id}, {"_id": 0})
        return {"contact": contact, "notifications": notifications, "preferences": preferences}

    async def erase(self, user_id: str) -> int:
        """Delete everything about the person and keep only a tombstone of their id; how many
        inbox items went."""
        await self.erased.upsert(user_id, {"erased_at": now()})
        await self.contacts.collection.delete_one({"_id": user_id})
        await self.choices.collection.delete_one({"_id": user_id})
        await self.deliveries.collection.delete_many({"recipient_id": user_id})
        await self.digest_holds.collection.delete_one({"_id": user_id})
        result = await self.notifications.collection.delete_many({"recipient_id": user_id})
        return result.deleted_count


def _contact(doc: Document) -> Contact:
    return Contact(
        user_id=doc["user_id"],
        email=doc["email"],
        full_name=doc["full_name"],
        role=doc["role"],
        locale=Locale(doc.get("locale", "vi")),
        organization=doc.get("organization"),
        phone=doc.get("phone"),
    )
