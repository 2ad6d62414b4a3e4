"""What the notification use cases need of storage (the port);
`repository.NotificationStore` is the MongoDB adapter, the unit tests' fake keeps dicts.
Documents are plain dicts keyed by string `_id`; moments are aware UTC datetimes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from services.notifications.domain import Contact, Delivery, Notification
from shared.infra.mongo import Document


class NotificationRepository(Protocol):
    """What the notification use cases need of storage; `repository.NotificationStore`
    is the MongoDB one. Datetimes are aware UTC."""

    async def save_contact(self, contact: Contact) -> None:
        """Keep the contact (the latest wins), unless the person was erased."""
        ...

    async def contact(self, user_id: str) -> Contact | None:
        """The contact, or None."""
        ...

    async def is_erased(self, user_id: str) -> bool:
        """Whether the person asked for erasure (a tombstone is kept)."""
        ...

    async def contacts_with_roles(self, roles: list[str]) -> list[Contact]:
        """Every contact whose role is one of `roles`."""
        ...

    async def save_label(self, key: str, name: str) -> None:
        """Keep a ward's or sector's display name under its `kind:code` key."""
        ...

    async def label(self, key: str) -> str | None:
        """A display name kept by `save_label`, or None."""
        ...

    async def add(self, notification: Notification) -> bool:
        """Insert once; False when this (event, recipient) already has it."""
        ...

    async def add_delivery(self, delivery: Delivery) -> bool:
        """Queue an outward delivery once; False when it is already queued."""
        ...

    async def claim_due_delivery(
        self, at: datetime, claimant: str, lease: timedelta
    ) -> Document | None:
        """Atomically take one delivery due by `at` for `lease`, or None when none is due."""
        ...

    async def claim_digest_batch(
        self, recipient_id: str, at: datetime, batch: str, lease: timedelta
    ) -> list[Document]:
        """Atomically claim for `batch` the recipient's due, unclaimed digest deliveries;
        return those `batch` holds."""
        ...

    async def hold_digest(
        self, recipient_id: str, holder: str, at: datetime, lease: timedelta
    ) -> bool:
        """Become the one sender of the recipient's digest until `at + lease`; False while
        another holder's lease runs."""
        ...

    async def drop_digest_hold(self, recipient_id: str, holder: str) -> None:
        """End `holder`'s hold on the recipient's digest."""
        ...

    async def unclaim(self, delivery_id: str, claimant: str) -> None:
        """Release `claimant`'s claim on a pending delivery."""
        ...

    async def digest_claimed_elsewhere(
        self, recipient_id: str, at: datetime, mine: list[str]
    ) -> int:
        """How many of the recipient's due digest deliveries others hold under live claims."""
        ...

    async def delivered(self, delivery_ids: list[str], at: datetime) -> None:
        """Mark the deliveries sent at `at` and release their claims."""
        ...

    async def failed(
        self, delivery_id: str, at: datetime, error: str, retry_at: datetime | None
    ) -> None:
        """Record a failed attempt; retry at `retry_at`, or give up when it is None."""
        ...

    async def inbox(
        self, recipient_id: str, *, skip: int, limit: int, unread_only: bool
    ) -> tuple[list[Document], int, int]:
        """A page of the recipient's inbox, newest first: items, total, unread count."""
        ...

    async def find(self, notification_id: str) -> Document | None:
        """The inbox item, or None."""
        ...

    async def mark_read(self, notification_id: str) -> None:
        """Mark the inbox item read now."""
        ...

    async def preferences(self, user_id: str) -> Document | None:
        """The person's stored preferences, or None (the defaults apply)."""
        ...

    async def save_preferences(self, user_id: str, fields: Document) -> None:
        """Keep the person's preferences."""
        ...

    async def schedule(self, job_id: str, kind: str, due_at: datetime, payload: Document) -> bool:
        """Create the job once; False when it already exists (pending or fired)."""
        ...

    async def claim_due_job(self, at: datetime, claimant: str, lease: timedelta) -> Document | None:
        """Atomically take one job due by `at` for `lease`, or None when none is due."""
        ...

    async def job_done(self, job_id: str, at: datetime) -> None:
        """Mark a claimed job fired at `at`."""
        ...

    async def personal_data(self, user_id: str) -> dict[str, Any]:
        """What the service holds about the person (PDPL 91/2025/QH15 access request)."""
        ...

    async def erase(self, user_id: str) -> int:
        """Delete everything about the person but a tombstone; return how many inbox items went."""
        ...
