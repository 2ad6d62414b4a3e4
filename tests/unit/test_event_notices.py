"""Who hears what of the events service (issue 18), with the notifications fakes: a seat
is confirmed with two reminders (the day before, two hours before), a waitlist place gives
its position, a promotion is told, and a cancelled seat, a cancelled event or a new time
silences the old reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notifications import directory, event_notices
from services.notifications.domain import Channel
from shared.contracts.base import Role, new_id
from shared.contracts.events.events import (
    EventCancelledV1,
    EventChangedV1,
    EventKind,
    EventSummary,
    RegistrationCancelledV1,
    RegistrationConfirmedV1,
    RegistrationPromotedV1,
    RegistrationStatus,
)
from shared.contracts.events.identity import UserRegisteredV1
from tests.unit.fakes.notifications import FakeNotificationStore, RecordingSender, ServiceCopy

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 10:00 in Gò Vấp
START = NOW + timedelta(days=3)


class World:
    def __init__(self) -> None:
        self.now = NOW
        self.store = FakeNotificationStore()
        self.copy = ServiceCopy.of(
            self.store,
            {Channel.EMAIL: RecordingSender(Channel.EMAIL)},
            instance="test-1",
            clock=lambda: self.now,
        )
        self.n = self.copy.notices

    def kinds(self, user_id: str) -> list[str]:
        return [
            n["kind"] for n in self.store.notifications.values() if n["recipient_id"] == user_id
        ]


def summary(start: datetime = START) -> EventSummary:
    return EventSummary(
        event_id="ev1",
        title="Tập huấn khởi nghiệp",
        kind=EventKind.TRAINING,
        place="Hội trường phường An Nhơn",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )


@pytest.fixture
async def world() -> World:
    world = World()
    for user in ("u1", "u2"):
        await directory.user_registered(
            world.n,
            new_id(),
            UserRegisteredV1(
                user_id=user, email=f"{user}@example.vn", full_name="Lê Văn An", role=Role.FOUNDER
            ),
        )
    return world


def seat(
    user: str, status: RegistrationStatus = RegistrationStatus.SEAT
) -> RegistrationConfirmedV1:
    return RegistrationConfirmedV1(
        registration_id=f"r-{user}",
        user_id=user,
        event=summary(),
        status=status,
        position=None if status == RegistrationStatus.SEAT else 2,
    )


async def fire(world: World, at: datetime) -> None:
    world.now = at
    await world.copy.reminders.run_due_jobs(at)


async def test_a_seat_is_confirmed_and_reminded_the_day_before_and_two_hours_before(
    world: World,
) -> None:
    await event_notices.confirmed(world.n, new_id(), seat("u1"))
    assert "event_registered" in world.kinds("u1")
    await fire(world, START - timedelta(days=1))
    assert "event_reminder" in world.kinds("u1")
    await fire(world, START - timedelta(hours=2))
    assert "event_reminder_soon" in world.kinds("u1")
    inbox = [n for n in world.store.notifications.values() if n["kind"] == "event_reminder"]
    assert "Tập huấn khởi nghiệp" in inbox[0]["title"]


async def test_the_waitlist_gives_its_position_and_a_promotion_is_told(world: World) -> None:
    await event_notices.confirmed(world.n, new_id(), seat("u2", RegistrationStatus.WAITLIST))
    waiting = [n for n in world.store.notifications.values() if n["kind"] == "event_waitlisted"]
    assert "2" in waiting[0]["body"]
    await fire(world, START - timedelta(hours=2))
    assert "event_reminder_soon" not in world.kinds("u2")  # no seat, no reminder
    promoted = RegistrationPromotedV1(registration_id="r-u2", user_id="u2", event=summary())
    await event_notices.promoted(world.n, new_id(), promoted)
    assert "event_promoted" in world.kinds("u2")


async def test_cancelled_seats_events_and_moved_times_silence_old_reminders(world: World) -> None:
    await event_notices.confirmed(world.n, new_id(), seat("u1"))
    await event_notices.confirmed(world.n, new_id(), seat("u2"))
    await event_notices.registration_cancelled(
        world.n, RegistrationCancelledV1(registration_id="r-u2", user_id="u2", event_id="ev1")
    )
    later = START + timedelta(days=2)
    changed = EventChangedV1(event=summary(later), registrant_ids=["u1"])
    await event_notices.changed(world.n, new_id(), changed)
    assert "event_changed" in world.kinds("u1")
    await fire(world, START - timedelta(days=1))
    assert "event_reminder" not in world.kinds("u1") + world.kinds("u2")
    await fire(world, later - timedelta(days=1))
    assert world.kinds("u1").count("event_reminder") == 1
    cancelled = EventCancelledV1(event=summary(later), reason="Mưa bão", registrant_ids=["u1"])
    await event_notices.cancelled(world.n, new_id(), cancelled)
    body = [n for n in world.store.notifications.values() if n["kind"] == "event_cancelled"]
    assert "Mưa bão" in body[0]["body"]
    await fire(world, later - timedelta(hours=2))
    assert "event_reminder_soon" not in world.kinds("u1")
