"""Notification use cases against a fake repository and a recording sender (no NATS, no
database, no mail server): an event becomes one inbox item per recipient, a redelivery
adds nothing, outward deliveries go out once and are retried on failure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notifications import directory, startup_notices
from services.notifications.domain import Channel
from services.notifications.service import RecipientNotYetKnown
from shared.contracts.base import Actor, Forbidden, Role, new_id
from shared.contracts.events.identity import (
    UserDeletionRequestedV1,
    UserRegisteredV1,
    UserUpdatedV1,
)
from shared.contracts.events.registry import StartupRegisteredV1, StartupSnapshot
from shared.contracts.rpc.notifications import ListInbox, MarkRead
from tests.unit.fakes.notifications import FakeNotificationStore, RecordingSender, ServiceCopy

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 10:00 in Gò Vấp, outside quiet hours


class World:
    def __init__(self) -> None:
        self.now = NOW
        self.store = FakeNotificationStore()
        self.email = RecordingSender(Channel.EMAIL)
        self.copy = ServiceCopy.of(
            self.store, {Channel.EMAIL: self.email}, instance="test-1", clock=lambda: self.now
        )
        self.notices = self.copy.notices


@pytest.fixture
def world() -> World:
    return World()


def registered(user_id: str, role: Role = Role.FOUNDER) -> UserRegisteredV1:
    return UserRegisteredV1(
        user_id=user_id, email=f"{user_id}@example.vn", full_name="Nguyễn Thị Lan", role=role
    )


async def test_an_event_becomes_one_inbox_item_and_a_redelivery_adds_none(world: World) -> None:
    event_id = new_id()
    await directory.user_registered(world.notices, event_id, registered("u1"))
    await directory.user_registered(world.notices, event_id, registered("u1"))  # redelivered

    page = await world.copy.inbox.list_inbox(ListInbox(actor=Actor(id="u1", role="founder")))
    assert page.total == 1
    assert page.unread == 1
    assert page.items[0].kind == "welcome"
    assert "Nguyễn Thị Lan" in page.items[0].title + page.items[0].body
    assert len(world.store.deliveries) == 1  # one email planned, not two


async def test_another_event_is_another_item(world: World) -> None:
    await directory.user_registered(world.notices, new_id(), registered("u1"))
    await directory.user_registered(world.notices, new_id(), registered("u1"))
    assert len(world.store.notifications) == 2


async def test_a_registered_startup_reaches_its_founder_and_every_staff_member(
    world: World,
) -> None:
    await directory.user_registered(world.notices, new_id(), registered("founder"))
    await directory.user_registered(
        world.notices, new_id(), registered("s1", Role.ASSOCIATION_STAFF)
    )
    await directory.user_registered(
        world.notices, new_id(), registered("s2", Role.ASSOCIATION_STAFF)
    )
    snapshot = StartupSnapshot.model_validate(
        {
            "startup_id": "st1",
            "owner_id": "founder",
            "name": "Rau Sạch",
            "summary": "Giao rau sạch tới bếp",
            "sector": "agritech",
            "stage": "idea",
            "ward": "hanh-thong",
            "status": "submitted",
            "visibility": "public",
            "women_led": True,
            "youth_led": False,
            "registered_at": NOW,
            "updated_at": NOW,
            "version": 1,
        }
    )
    event = StartupRegisteredV1(startup=snapshot, actor_id="founder")
    event_id = new_id()

    await startup_notices.startup_registered(world.notices, event_id, event)
    await startup_notices.startup_registered(world.notices, event_id, event)

    about = [n for n in world.store.notifications.values() if n["event_id"] == event_id]
    assert sorted((n["recipient_id"], n["kind"]) for n in about) == [
        ("founder", "startup_received"),
        ("s1", "startup_awaits_verification"),
        ("s2", "startup_awaits_verification"),
    ]


async def test_a_due_email_goes_out_once(world: World) -> None:
    await directory.user_registered(world.notices, new_id(), registered("u1"))

    assert await world.copy.deliveries.deliver_due(NOW) == 1
    assert await world.copy.deliveries.deliver_due(NOW) == 0

    assert [contact.user_id for contact, _ in world.email.sent] == ["u1"]
    (delivery,) = world.store.deliveries.values()
    assert delivery["status"] == "sent"


async def test_a_failed_email_is_retried_later(world: World) -> None:
    await directory.user_registered(world.notices, new_id(), registered("u1"))
    world.email.failing = True

    assert await world.copy.deliveries.deliver_due(NOW) == 0
    (delivery,) = world.store.deliveries.values()
    assert delivery["status"] == "pending"
    assert delivery["attempts"] == 1
    assert delivery["due_at"] > NOW

    world.email.failing = False
    assert await world.copy.deliveries.deliver_due(delivery["due_at"] + timedelta(seconds=1)) == 1
    assert len(world.email.sent) == 1


async def test_only_the_recipient_marks_an_item_read(world: World) -> None:
    await directory.user_registered(world.notices, new_id(), registered("u1"))
    (item_id,) = world.store.notifications

    with pytest.raises(Forbidden):
        await world.copy.inbox.mark_read(
            MarkRead(actor=Actor(id="u2", role="founder"), notification_id=item_id)
        )
    marked = await world.copy.inbox.mark_read(
        MarkRead(actor=Actor(id="u1", role="founder"), notification_id=item_id)
    )
    assert marked.read is True
    assert marked.unread == 0


def startup_of(owner_id: str) -> StartupRegisteredV1:
    snapshot = StartupSnapshot.model_validate(
        {
            "startup_id": "st2",
            "owner_id": owner_id,
            "name": "Cà Phê Muối",
            "summary": "Cà phê muối từ nông sản địa phương",
            "sector": "food",
            "stage": "idea",
            "ward": "go-vap",
            "status": "submitted",
            "visibility": "public",
            "women_led": False,
            "youth_led": True,
            "registered_at": NOW,
            "updated_at": NOW,
            "version": 1,
        }
    )
    return StartupRegisteredV1(startup=snapshot, actor_id=owner_id)


async def test_a_notice_for_someone_not_yet_known_waits_instead_of_being_dropped(
    world: World,
) -> None:
    """The startup's event can arrive before its founder's account event (two streams):
    the handler refuses it for now, so it is redelivered, and the founder is told."""
    event_id = new_id()
    with pytest.raises(RecipientNotYetKnown):
        await startup_notices.startup_registered(world.notices, event_id, startup_of("late"))
    await directory.user_registered(world.notices, new_id(), registered("late"))
    await startup_notices.startup_registered(
        world.notices, event_id, startup_of("late")
    )  # redelivered
    kinds = [n["kind"] for n in world.store.notifications.values() if n["recipient_id"] == "late"]
    assert sorted(kinds) == ["startup_received", "welcome"]


async def test_an_erased_person_is_not_waited_for_nor_brought_back(world: World) -> None:
    await directory.user_registered(world.notices, new_id(), registered("gone"))
    await directory.erase_person(
        world.notices, UserDeletionRequestedV1(user_id="gone", request_id="r1", requested_at=NOW)
    )
    await directory.user_updated(
        world.notices,
        UserUpdatedV1(
            user_id="gone", email="gone@example.vn", full_name="Lại Là Tôi", role=Role.FOUNDER
        ),
    )
    await startup_notices.startup_registered(world.notices, new_id(), startup_of("gone"))
    assert await world.store.contact("gone") is None
    assert [n for n in world.store.notifications.values() if n["recipient_id"] == "gone"] == []
