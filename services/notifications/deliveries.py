"""The delivery log's use case: send what is due on its channel, a digest as one message
per person, a failure retried with backoff and finally marked failed. Runs beside the
inbox (`reminders.Reminders.run` drives it), so a dead mail server never holds up anyone's
inbox. The channels themselves are in `delivery`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from services.notifications import domain
from services.notifications.delivery import Message, Sender
from services.notifications.domain import Channel, Contact
from services.notifications.ports import NotificationRepository
from shared.infra.logging import get_logger

log = get_logger(__name__)
#: How long a copy's claim on a due delivery (or job, `reminders`) lasts before another
#: copy may take it over.
LEASE = timedelta(minutes=2)
#: How long the copy sending a digest waits for another copy to release an item it claimed.
DIGEST_GATHER_SECONDS = 2.0


class Deliveries:
    """Sends the due outward deliveries that `service.Notices` planned. `senders` by
    channel; `instance` names this copy in claims; `clock` gives aware UTC moments."""

    def __init__(
        self,
        store: NotificationRepository,
        senders: dict[Channel, Sender],
        *,
        instance: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.senders = senders
        self.instance = instance
        self.clock = clock

    async def deliver_due(self, now: datetime | None = None) -> int:
        """Send what is due; a failure is retried with backoff and finally marked failed.
        Runs beside the inbox, so a dead mail server never holds up anyone's inbox."""
        sent = 0
        at = now or self.clock()
        while delivery := await self.store.claim_due_delivery(at, self.instance, LEASE):
            done = await self._deliver_or_stand_back(delivery, at)
            if done is None:
                break  # another copy is sending that person's digest: try again next tick
            sent += done
        return sent

    async def _deliver(self, delivery: dict[str, Any], at: datetime) -> int:
        """Send one claimed delivery (with the rest of its digest); how many went out."""
        return await self._deliver_or_stand_back(delivery, at) or 0

    async def _deliver_or_stand_back(self, delivery: dict[str, Any], at: datetime) -> int | None:
        """Send a claimed delivery; None when it belongs to a digest another copy is
        sending (the claim is released so that copy's batch takes it)."""
        contact = await self.store.contact(delivery["recipient_id"])
        sender = self.senders.get(Channel(delivery["channel"]))
        if contact is None or sender is None:
            await self.store.failed(delivery["_id"], at, "no contact or channel", None)
            return 0
        if not delivery.get("digest"):
            return await self._send(contact, sender, delivery, [delivery], at)
        # One digest per person (issue 13): with two copies each may claim a different item
        # of the same digest at once; the one that holds the person's digest sends it all,
        # the other stands back and releases its item.
        token = f"{self.instance}:{delivery['_id']}"
        if not await self.store.hold_digest(contact.user_id, token, at, LEASE):
            await self.store.unclaim(delivery["_id"], self.instance)
            return None
        try:
            batch = await self._claim_digest(contact.user_id, at, token)
            others = [item for item in batch if item["_id"] != delivery["_id"]]
            return await self._send(contact, sender, delivery, [delivery, *others], at)
        finally:
            await self.store.drop_digest_hold(contact.user_id, token)

    async def _claim_digest(
        self, recipient_id: str, at: datetime, token: str
    ) -> list[dict[str, Any]]:
        """Claim the person's due digest items under `token`, waiting (up to
        `DIGEST_GATHER_SECONDS`) for a copy that claimed one of them to stand back; an item
        whose claimant died stays out and goes at its lease's end."""
        deadline = asyncio.get_running_loop().time() + DIGEST_GATHER_SECONDS
        mine = [token, self.instance]
        batch: list[dict[str, Any]] = []
        while True:
            # Look first, then claim: done once no one else holds an item and the claim
            # after that look found nothing new (an item released meanwhile is taken).
            elsewhere = await self.store.digest_claimed_elsewhere(recipient_id, at, mine)
            claimed = await self.store.claim_digest_batch(recipient_id, at, token, LEASE)
            if not elsewhere and len(claimed) == len(batch):
                return claimed
            batch = claimed
            if asyncio.get_running_loop().time() > deadline:
                return batch
            if elsewhere:
                await asyncio.sleep(0.05)  # the other copy is releasing its claim

    async def _send(
        self,
        contact: Contact,
        sender: Sender,
        delivery: dict[str, Any],
        batch: list[dict[str, Any]],
        at: datetime,
    ) -> int:
        message = await self._message(contact, batch)
        try:
            await sender.send(contact, message)
        except Exception as exc:  # any transport failure: retry later, never forever
            attempts = int(delivery.get("attempts", 0)) + 1
            retry = domain.retry_at(at, attempts)
            # A digest's items are retried together, so the retry is again one email.
            for item in batch:
                await self.store.failed(item["_id"], at, f"{type(exc).__name__}: {exc}", retry)
            log.warning(
                "delivery.failed",
                channel=delivery["channel"],
                attempts=attempts,
                gave_up=retry is None,
                error=str(exc)[:200],
            )
            return 0
        await self.store.delivered([item["_id"] for item in batch], at)
        return len(batch)

    async def _message(self, contact: Contact, batch: list[dict[str, Any]]) -> Message:
        notifications = [await self.store.find(item["notification_id"]) for item in batch]
        found = [n for n in notifications if n]
        # What this email delivers: sent again after a crash, it is the same email.
        key = ",".join(sorted(str(item["_id"]) for item in batch))
        if len(found) == 1:
            return Message(title=found[0]["title"], body=found[0]["body"], key=key)
        title = (
            f"InnoHub: {len(found)} thông báo trong ngày"
            if contact.locale.value == "vi"
            else f"InnoHub: {len(found)} notifications today"
        )
        body = "\n\n".join(f"• {n['title']}\n{n['body']}" for n in found)
        return Message(title=title, body=body, key=key)
