"""A fake of the notifications' `NotificationRepository` port, a recording sender, and one
copy of the service's use cases composed over a store."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from services.notifications.deliveries import Deliveries
from services.notifications.delivery import Message, Sender
from services.notifications.domain import Channel, Contact, Delivery, Notification
from services.notifications.inbox import Inbox
from services.notifications.ports import NotificationRepository
from services.notifications.reminders import Reminders
from services.notifications.service import Notices
from shared.infra.mongo import Document
from shared.localtime import utc


class FakeNotificationStore:
    """The notifications' storage in dicts: contacts, notifications, deliveries with their
    claims and leases, digest holds, preferences, scheduled jobs and erasure tombstones."""

    def __init__(self) -> None:
        self.contacts: dict[str, Contact] = {}
        self.labels: dict[str, str] = {}
        self.notifications: dict[str, Document] = {}
        self.deliveries: dict[str, Document] = {}
        self.choices: dict[str, Document] = {}
        self.schedules: dict[str, Document] = {}
        self.erased: set[str] = set()
        self.digest_holds: dict[str, dict[str, Any]] = {}

    async def save_contact(self, contact: Contact) -> None:
        if contact.user_id not in self.erased:
            self.contacts[contact.user_id] = contact

    async def is_erased(self, user_id: str) -> bool:
        return user_id in self.erased

    async def contact(self, user_id: str) -> Contact | None:
        return self.contacts.get(user_id)

    async def contacts_with_roles(self, roles: list[str]) -> list[Contact]:
        return [c for c in self.contacts.values() if c.role in roles]

    async def save_label(self, key: str, name: str) -> None:
        self.labels[key] = name

    async def label(self, key: str) -> str | None:
        return self.labels.get(key)

    async def add(self, notification: Notification) -> bool:
        if notification.id in self.notifications:
            return False
        doc: dict[str, Any] = asdict(notification)
        self.notifications[notification.id] = {**doc, "_id": doc.pop("id"), "channel": "inbox"}
        return True

    async def add_delivery(self, delivery: Delivery) -> bool:
        if delivery.id in self.deliveries:
            return False
        doc: dict[str, Any] = asdict(delivery)
        doc.update(_id=doc.pop("id"), status="pending", attempts=0, log=[], claimed_until=None)
        self.deliveries[delivery.id] = doc
        return True

    async def claim_due_delivery(
        self, at: datetime, claimant: str, lease: timedelta
    ) -> Document | None:
        due = sorted(
            (
                d
                for d in self.deliveries.values()
                if d["status"] == "pending"
                and utc(d["due_at"]) <= at
                and (d["claimed_until"] is None or d["claimed_until"] <= at)
            ),
            key=lambda d: d["due_at"],
        )
        if not due:
            return None
        due[0].update(claimed_by=claimant, claimed_until=at + lease)
        return copy.deepcopy(due[0])

    async def claim_digest_batch(
        self, recipient_id: str, at: datetime, batch: str, lease: timedelta
    ) -> list[Document]:
        for d in self.deliveries.values():
            if (
                d["recipient_id"] == recipient_id
                and d["digest"]
                and d["status"] == "pending"
                and utc(d["due_at"]) <= at
                and (d["claimed_until"] is None or d["claimed_until"] <= at)
            ):
                d.update(claimed_by=batch, claimed_until=at + lease)
        return [
            copy.deepcopy(d)
            for d in self.deliveries.values()
            if d["recipient_id"] == recipient_id
            and d["status"] == "pending"
            and d.get("claimed_by") == batch
        ]

    async def hold_digest(
        self, recipient_id: str, holder: str, at: datetime, lease: timedelta
    ) -> bool:
        held = self.digest_holds.get(recipient_id)
        if held and held["holder"] != holder and held["until"] > at:
            return False
        self.digest_holds[recipient_id] = {"holder": holder, "until": at + lease}
        return True

    async def drop_digest_hold(self, recipient_id: str, holder: str) -> None:
        if self.digest_holds.get(recipient_id, {}).get("holder") == holder:
            del self.digest_holds[recipient_id]

    async def unclaim(self, delivery_id: str, claimant: str) -> None:
        d = self.deliveries[delivery_id]
        if d.get("claimed_by") == claimant and d["status"] == "pending":
            d.update(claimed_by=None, claimed_until=None)

    async def digest_claimed_elsewhere(
        self, recipient_id: str, at: datetime, mine: list[str]
    ) -> int:
        return sum(
            1
            for d in self.deliveries.values()
            if d["recipient_id"] == recipient_id
            and d["digest"]
            and d["status"] == "pending"
            and utc(d["due_at"]) <= at
            and d["claimed_until"] is not None
            and d["claimed_until"] > at
            and d.get("claimed_by") not in mine
        )

    async def delivered(self, delivery_ids: list[str], at: datetime) -> None:
        for delivery_id in delivery_ids:
            d = self.deliveries[delivery_id]
            d.update(status="sent", sent_at=at, claimed_until=None, attempts=d["attempts"] + 1)
            d["log"].append({"at": at, "result": "sent"})

    async def failed(
        self, delivery_id: str, at: datetime, error: str, retry_at: datetime | None
    ) -> None:
        d = self.deliveries[delivery_id]
        d.update(attempts=d["attempts"] + 1, claimed_until=None, last_error=error[:500])
        d["log"].append({"at": at, "result": "error", "error": error[:500]})
        if retry_at is None:
            d["status"] = "failed"
        else:
            d["due_at"] = retry_at

    async def inbox(
        self, recipient_id: str, *, skip: int, limit: int, unread_only: bool
    ) -> tuple[list[Document], int, int]:
        mine = [n for n in self.notifications.values() if n["recipient_id"] == recipient_id]
        shown = sorted(
            (n for n in mine if not unread_only or not n["read"]),
            key=lambda n: n["created_at"],
            reverse=True,
        )
        unread = sum(1 for n in mine if not n["read"])
        return copy.deepcopy(shown[skip : skip + limit]), len(shown), unread

    async def find(self, notification_id: str) -> Document | None:
        return copy.deepcopy(self.notifications.get(notification_id))

    async def mark_read(self, notification_id: str) -> None:
        self.notifications[notification_id]["read"] = True

    async def preferences(self, user_id: str) -> Document | None:
        return copy.deepcopy(self.choices.get(user_id))

    async def save_preferences(self, user_id: str, fields: Document) -> None:
        self.choices[user_id] = {"_id": user_id, **self.choices.get(user_id, {}), **fields}

    async def schedule(self, job_id: str, kind: str, due_at: datetime, payload: Document) -> bool:
        if job_id in self.schedules:
            return False
        self.schedules[job_id] = {
            "_id": job_id,
            "kind": kind,
            "due_at": due_at,
            "payload": payload,
            "status": "pending",
        }
        return True

    async def claim_due_job(self, at: datetime, claimant: str, lease: timedelta) -> Document | None:
        for job in sorted(self.schedules.values(), key=lambda j: j["due_at"]):
            free = job["status"] == "pending" or (
                job["status"] == "claimed" and job["claimed_until"] <= at
            )
            if job["due_at"] <= at and free:
                job.update(status="claimed", claimed_by=claimant, claimed_until=at + lease)
                return copy.deepcopy(job)
        return None

    async def job_done(self, job_id: str, at: datetime) -> None:
        self.schedules[job_id].update(status="fired", fired_at=at, claimed_until=None)

    async def personal_data(self, user_id: str) -> dict[str, Any]:
        contact = self.contacts.get(user_id)
        return {
            "contact": asdict(contact) if contact else None,
            "notifications": [
                n for n in self.notifications.values() if n["recipient_id"] == user_id
            ],
            "preferences": self.choices.get(user_id),
        }

    async def erase(self, user_id: str) -> int:
        self.erased.add(user_id)
        self.contacts.pop(user_id, None)
        self.choices.pop(user_id, None)
        self.digest_holds.pop(user_id, None)
        self.deliveries = {k: d for k, d in self.deliveries.items() if d["recipient_id"] != user_id}
        gone = [k for k, n in self.notifications.items() if n["recipient_id"] == user_id]
        for key in gone:
            del self.notifications[key]
        return len(gone)


class RecordingSender:
    """An outbound channel that records what it was asked to send, or fails when told."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.sent: list[tuple[Contact, Message]] = []
        self.failing = False

    async def send(self, contact: Contact, message: Message) -> None:
        if self.failing:
            raise ConnectionError("mail server unreachable")
        self.sent.append((contact, message))


@dataclass(frozen=True)
class ServiceCopy:
    """One copy of the notifications service's use cases over one store, composed as
    `services/notifications/app.py` composes them; two made over one store are two copies
    sharing one database."""

    store: NotificationRepository
    notices: Notices
    deliveries: Deliveries
    reminders: Reminders
    inbox: Inbox

    @classmethod
    def of(
        cls,
        store: NotificationRepository,
        senders: dict[Channel, Sender],
        instance: str,
        clock: Callable[[], datetime],
    ) -> ServiceCopy:
        """The use cases over `store` with `senders`, claiming as `instance`, at `clock`."""
        notices = Notices(store, senders, clock=clock)
        deliveries = Deliveries(store, senders, instance=instance, clock=clock)
        return cls(store, notices, deliveries, Reminders(notices, deliveries), Inbox(store))


if TYPE_CHECKING:
    # mypy checks that the fake still has every method of the port, with its signature
    _port: NotificationRepository = FakeNotificationStore()
