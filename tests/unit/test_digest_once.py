"""One digest per person when two copies of notifications run (issue 13): the copy holding
the person's digest sends every due item; the other stands back. Against the fake store,
two copies of the use cases sharing it as two copies share one database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from services.notifications import directory
from services.notifications.deliveries import LEASE
from services.notifications.domain import Channel, Kind
from shared.contracts.base import Actor, Role
from shared.contracts.events.identity import UserRegisteredV1
from shared.contracts.rpc.notifications import NotificationPreferences
from tests.unit.fakes.notifications import FakeNotificationStore, RecordingSender, ServiceCopy

MORNING = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 10:00 in Gò Vấp
EVENING = datetime(2026, 3, 2, 11, 5, tzinfo=UTC)  # 18:05: the digest is due


class Copies:
    def __init__(self) -> None:
        self.now = MORNING
        self.store = FakeNotificationStore()
        self.email = RecordingSender(Channel.EMAIL)
        self.first, self.second = (
            ServiceCopy.of(
                self.store, {Channel.EMAIL: self.email}, instance=name, clock=lambda: self.now
            )
            for name in ("copy-1", "copy-2")
        )

    async def digest_of_three(self) -> None:
        event = UserRegisteredV1(
            user_id="u1", email="u1@example.vn", full_name="Nguyễn Thị Lan", role=Role.FOUNDER
        )
        await directory.user_registered(self.first.notices, "welcome-u1", event)
        assert await self.first.deliveries.deliver_due() == 1  # the welcome goes at once
        actor = Actor(id="u1", role=Role.FOUNDER)
        await self.first.inbox.save_preferences(actor, NotificationPreferences(digest=True))
        contact = await self.store.contact("u1")
        assert contact is not None
        for n, name in enumerate(("Một", "Hai", "Ba")):
            await self.first.notices.notify(
                Kind.STARTUP_VERIFIED, contact, event_id=f"e{n}", startup=name, reason=""
            )
        self.now = EVENING


async def test_two_copies_claiming_items_of_one_digest_send_one_email() -> None:
    copies = Copies()
    await copies.digest_of_three()
    mine = await copies.store.claim_due_delivery(copies.now, "copy-1", LEASE)
    theirs = await copies.store.claim_due_delivery(copies.now, "copy-2", LEASE)
    assert mine and theirs and mine["_id"] != theirs["_id"]

    sent = await asyncio.gather(
        copies.first.deliveries._deliver(mine, copies.now),
        copies.second.deliveries._deliver(theirs, copies.now),
    )

    assert sorted(sent) == [0, 3]
    digests = [message for _, message in copies.email.sent[1:]]
    assert [m.title for m in digests] == ["InnoHub: 3 thông báo trong ngày"]
    assert all(f"“{name}”" in digests[0].body for name in ("Một", "Hai", "Ba"))
    assert copies.store.digest_holds == {}  # the hold ends with the send
    first, second = copies.first.deliveries, copies.second.deliveries
    assert await first.deliver_due() + await second.deliver_due() == 0


async def test_a_copy_that_finds_the_digest_held_stops_until_the_next_tick() -> None:
    copies = Copies()
    await copies.digest_of_three()
    assert await copies.store.hold_digest("u1", "copy-1:x", copies.now, LEASE)

    # held elsewhere: nothing sent, no spin
    assert await copies.second.deliveries.deliver_due() == 0
    assert all(
        d.get("claimed_by") is None
        for d in copies.store.deliveries.values()
        if d["status"] == "pending"
    )
    # the holder died: once its lease ends, the next tick sends the digest
    copies.now = EVENING + LEASE + timedelta(seconds=1)
    assert await copies.second.deliveries.deliver_due() == 3
    assert len(copies.email.sent) == 2


async def test_a_digest_that_failed_is_retried_whole() -> None:
    copies = Copies()
    await copies.digest_of_three()
    copies.email.failing = True
    assert await copies.first.deliveries.deliver_due() == 0
    pending = [d for d in copies.store.deliveries.values() if d["status"] == "pending"]
    assert len(pending) == 3 and len({d["due_at"] for d in pending}) == 1
    copies.email.failing = False
    copies.now = pending[0]["due_at"]
    assert await copies.second.deliveries.deliver_due() == 3
    assert [m.title for _, m in copies.email.sent[1:]] == ["InnoHub: 3 thông báo trong ngày"]
