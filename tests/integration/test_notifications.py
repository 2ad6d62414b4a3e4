"""Notifications: inbox after each kind of event, email over a real SMTP server, retries,
quiet hours, preferences, digests, and reminders that fire once with two copies running."""

from __future__ import annotations

import asyncio
import email
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from email.header import decode_header, make_header
from email.message import Message as MailMessage

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler
from nats.js import JetStreamContext
from pymongo import AsyncMongoClient

from services.notifications import competition_notices, directory, mentoring_notices
from services.notifications.delivery import senders
from services.notifications.domain import Kind
from services.notifications.repository import NotificationStore
from services.registry.app import build_app as build_registry
from shared.contracts.base import Envelope, Locale, Role
from shared.contracts.events.identity import UserRegisteredV1
from shared.infra.mongo import Database, Document
from shared.infra.servers import free_port
from shared.infra.settings import Settings
from shared.infra.testing import eventually
from shared.localtime import HCMC
from tests.integration.conftest import bearer, login, register, running_service
from tests.integration.test_registry import founder, staff
from tests.unit.fakes.notifications import ServiceCopy

API = "/api/v1"


class Mailbox(MessageHandler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[MailMessage] = []

    def handle_message(self, message: MailMessage) -> None:
        self.messages.append(message)


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.mailbox = Mailbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def smtp(smtp_port: int) -> Iterator[SmtpServer]:
    server = SmtpServer(smtp_port)
    server.start()
    yield server
    server.stop()


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def subject(message: MailMessage) -> str:
    return str(make_header(decode_header(message["Subject"])))


def body(message: MailMessage) -> str:
    parsed = email.message_from_bytes(message.as_bytes())
    payload = parsed.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode("utf-8")


def use_cases(
    settings: Settings, smtp_port: int, clock: Clock, db: Database, name: str
) -> ServiceCopy:
    mail = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp_port})
    return ServiceCopy.of(NotificationStore(db), senders(mail), instance=name, clock=clock)


async def both_fire(first: ServiceCopy, second: ServiceCopy) -> list[int]:
    """Two copies fire their due jobs at the same moment: how many each fired."""
    return list(
        await asyncio.gather(first.reminders.run_due_jobs(), second.reminders.run_due_jobs())
    )


async def welcome(service: ServiceCopy, user_id: str = "u1", locale: Locale = Locale.VI) -> None:
    event = UserRegisteredV1(
        user_id=user_id,
        email=f"{user_id}@example.vn",
        full_name="Nguyễn Thị Lan",
        role=Role.FOUNDER,
        locale=locale,
    )
    await directory.user_registered(
        service.notices, Envelope.wrap(event, aggregate_id=user_id).id, event
    )


async def test_email_goes_out_over_smtp_with_a_utf8_vietnamese_subject(
    mongo: AsyncMongoClient[Document], settings: Settings, smtp: SmtpServer
) -> None:
    clock = Clock(datetime(2026, 11, 28, 9, 0, tzinfo=HCMC))
    service = use_cases(settings, smtp.port, clock, mongo[settings.database_name("n1")], "a")
    await welcome(service)
    assert await service.deliveries.deliver_due() == 1
    [message] = smtp.mailbox.messages
    assert subject(message) == "Chào mừng Nguyễn Thị Lan đến với Gò Vấp InnoHub"
    assert message["To"] == "u1@example.vn"
    assert "Điểm tư vấn khởi nghiệp" in body(message)
    assert await service.deliveries.deliver_due() == 0  # sent once


async def test_english_users_get_english(
    mongo: AsyncMongoClient[Document], settings: Settings, smtp: SmtpServer
) -> None:
    clock = Clock(datetime(2026, 11, 28, 9, 0, tzinfo=HCMC))
    service = use_cases(settings, smtp.port, clock, mongo[settings.database_name("n2")], "a")
    await welcome(service, "en-user", Locale.EN)
    await service.deliveries.deliver_due()
    assert subject(smtp.mailbox.messages[0]) == "Welcome to Gò Vấp InnoHub, Nguyễn Thị Lan"


async def test_smtp_down_then_up_is_delivered_after_retry(
    mongo: AsyncMongoClient[Document], settings: Settings, smtp_port: int
) -> None:
    clock = Clock(datetime(2026, 11, 28, 9, 0, tzinfo=HCMC))
    db = mongo[settings.database_name("n3")]
    service = use_cases(settings, smtp_port, clock, db, "a")
    await welcome(service)
    inbox = await service.store.inbox("u1", skip=0, limit=10, unread_only=False)
    assert inbox[1] == 1  # the inbox does not wait for the mail server
    assert await service.deliveries.deliver_due() == 0  # nothing listens yet
    [delivery] = await db.deliveries.find().to_list()
    assert delivery["status"] == "pending"
    assert delivery["attempts"] == 1
    assert "Error" in delivery["last_error"]

    server = SmtpServer(smtp_port)
    server.start()
    try:
        clock.now += timedelta(seconds=30)
        assert await service.deliveries.deliver_due() == 0  # backing off
        clock.now += timedelta(seconds=31)
        assert await service.deliveries.deliver_due() == 1
        assert len(server.mailbox.messages) == 1
    finally:
        server.stop()
    [delivery] = await db.deliveries.find().to_list()
    assert delivery["status"] == "sent"
    assert [entry["result"] for entry in delivery["log"]] == ["error", "sent"]


async def test_a_failing_email_is_finally_marked_failed(
    mongo: AsyncMongoClient[Document], settings: Settings, smtp_port: int
) -> None:
    clock = Clock(datetime(2026, 11, 28, 9, 0, tzinfo=HCMC))
    db = mongo[settings.database_name("n4")]
    service = use_cases(settings, smtp_port, clock, db, "a")
    await welcome(service)
    for _ in range(8):
        await service.deliveries.deliver_due()
        clock.now += timedelta(hours=3)
    [delivery] = await db.deliveries.find().to_list()
    assert delivery["status"] == "failed"
    assert delivery["attempts"] == 5


async def test_quiet_hours_and_preferences(
    mongo: AsyncMongoClient[Document], settings: Settings, smtp: SmtpServer
) -> None:
    clock = Clock(datetime(2026, 11, 28, 23, 0, tzinfo=HCMC))
    service = use_cases(settings, smtp.port, clock, mongo[settings.database_name("n5")], "a")
    await welcome(service)
    # The person just signed up and waits for it: a welcome is not held by quiet hours.
    assert await service.deliveries.deliver_due() == 1
    contact = await service.store.contact("u1")
    assert contact is not None
    await service.notices.notify(
        Kind.STARTUP_VERIFIED, contact, event_id="q1", startup="Một", reason=""
    )
    assert await service.deliveries.deliver_due() == 0  # 23:00: news waits for the morning
    clock.now = datetime(2026, 11, 29, 7, 0, tzinfo=HCMC)
    assert await service.deliveries.deliver_due() == 1
    assert len(smtp.mailbox.messages) == 2

    from shared.contracts.base import Actor
    from shared.contracts.rpc.notifications import ChannelChoice, NotificationPreferences

    actor = Actor(id="u2", role=Role.FOUNDER)
    prefs = NotificationPreferences(channels={"welcome": ChannelChoice(email=False)})
    await service.inbox.save_preferences(actor, prefs)
    await welcome(service, "u2")
    assert await service.deliveries.deliver_due() == 0
    assert len(smtp.mailbox.messages) == 2
    page = await service.store.inbox("u2", skip=0, limit=5, unread_only=False)
    assert page[1] == 1  # still in the inbox


async def test_daily_digest_sends_one_email(
    mongo: AsyncMongoClient[Document], settings: Settings, smtp: SmtpServer
) -> None:
    from shared.contracts.base import Actor
    from shared.contracts.rpc.notifications import NotificationPreferences

    clock = Clock(datetime(2026, 11, 28, 9, 0, tzinfo=HCMC))
    service = use_cases(settings, smtp.port, clock, mongo[settings.database_name("n6")], "a")
    await welcome(service)
    await service.inbox.save_preferences(
        Actor(id="u1", role=Role.FOUNDER), NotificationPreferences(digest=True)
    )
    contact = await service.store.contact("u1")
    assert contact is not None
    await service.notices.notify(
        Kind.STARTUP_VERIFIED, contact, event_id="e1", startup="Một", reason=""
    )
    await service.notices.notify(
        Kind.STARTUP_REJECTED, contact, event_id="e2", startup="Hai", reason="thiếu"
    )
    # only the welcome, sent before digest was chosen
    assert await service.deliveries.deliver_due() == 1
    clock.now = datetime(2026, 11, 28, 18, 0, tzinfo=HCMC)
    assert await service.deliveries.deliver_due() == 2
    assert len(smtp.mailbox.messages) == 2
    digest = smtp.mailbox.messages[1]
    assert subject(digest) == "InnoHub: 2 thông báo trong ngày"
    assert "“Một”" in body(digest)
    assert "“Hai”" in body(digest)


async def test_two_copies_never_put_one_item_in_two_digests(
    mongo: AsyncMongoClient[Document], settings: Settings, smtp: SmtpServer
) -> None:
    """Issue 13: each copy claims a different digest item of the same person at the same
    moment; every item goes out in exactly one email, and that is one digest (the day of
    work on two copies found two)."""
    from services.notifications.deliveries import LEASE
    from shared.contracts.base import Actor
    from shared.contracts.rpc.notifications import NotificationPreferences

    db = mongo[settings.database_name("n6b")]
    clock = Clock(datetime(2026, 11, 28, 9, 0, tzinfo=HCMC))
    first = use_cases(settings, smtp.port, clock, db, "copy-1")
    second = use_cases(settings, smtp.port, clock, db, "copy-2")
    await welcome(first)
    await first.inbox.save_preferences(
        Actor(id="u1", role=Role.FOUNDER), NotificationPreferences(digest=True)
    )
    assert await first.deliveries.deliver_due() == 1  # the welcome
    contact = await first.store.contact("u1")
    assert contact is not None
    for n, startup in enumerate(("Một", "Hai", "Ba")):
        await first.notices.notify(
            Kind.STARTUP_VERIFIED, contact, event_id=f"d{n}", startup=startup, reason=""
        )
    clock.now = datetime(2026, 11, 28, 18, 0, tzinfo=HCMC)
    # Both copies take a due item before either builds its digest.
    held_by_first = await first.store.claim_due_delivery(clock.now, "copy-1", LEASE)
    held_by_second = await second.store.claim_due_delivery(clock.now, "copy-2", LEASE)
    assert held_by_first and held_by_second
    assert held_by_first["_id"] != held_by_second["_id"]
    sent = await asyncio.gather(
        first.deliveries._deliver(held_by_first, clock.now),
        second.deliveries._deliver(held_by_second, clock.now),
    )
    sent_later = await first.deliveries.deliver_due() + await second.deliveries.deliver_due()
    assert sum(sent) + sent_later == 3
    digests = [body(message) for message in smtp.mailbox.messages[1:]]
    for startup in ("Một", "Hai", "Ba"):
        assert sum(f"“{startup}”" in text for text in digests) == 1, digests
    assert len(digests) == 1, digests


async def test_report_reminder_fires_once_with_two_copies_at_the_right_time(
    mongo: AsyncMongoClient[Document], settings: Settings, smtp: SmtpServer
) -> None:
    db = mongo[settings.database_name("n7")]
    clock = Clock(datetime(2026, 11, 28, 9, 0, tzinfo=HCMC))
    first = use_cases(settings, smtp.port, clock, db, "copy-1")
    second = use_cases(settings, smtp.port, clock, db, "copy-2")
    for user_id, role in (("org", Role.ORGANIZER), ("adm", Role.ADMIN), ("f", Role.FOUNDER)):
        event = UserRegisteredV1(
            user_id=user_id, email=f"{user_id}@x.vn", full_name="Cán bộ", role=role
        )
        await directory.user_updated(first.notices, event)  # type: ignore[arg-type]
    await asyncio.gather(
        first.reminders.plan_report_reminders(), second.reminders.plan_report_reminders()
    )
    jobs = await NotificationStore(db).jobs("report_deadline")
    due = sorted(job["due_at"] for job in jobs)
    assert len(jobs) == len({job["_id"] for job in jobs})
    # the next deadline is 5 December 2026 (the November report): reminder 2 December 08:00
    assert due[0].astimezone(HCMC) == datetime(2026, 12, 2, 8, 0, tzinfo=HCMC)

    clock.now = datetime(2026, 12, 2, 7, 59, tzinfo=HCMC)
    assert await both_fire(first, second) == [0, 0]
    clock.now = datetime(2026, 12, 2, 8, 0, tzinfo=HCMC)
    fired = await both_fire(first, second)
    assert sum(fired) == 1
    for user_id in ("org", "adm"):
        items, total, _ = await first.store.inbox(user_id, skip=0, limit=5, unread_only=False)
        assert total == 1
        assert items[0]["title"] == "Sắp đến hạn báo cáo tháng (05/12/2026)"
    assert (await first.store.inbox("f", skip=0, limit=5, unread_only=False))[1] == 0
    clock.now += timedelta(days=1)
    assert await both_fire(first, second) == [0, 0]


# --- over NATS: each kind of event reaches the right inbox, once -------------------------


@pytest.fixture
async def stack(settings: Settings, api: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    async with running_service(build_registry, settings, "registry"):
        yield api


async def inbox(api: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, object]]:
    response = await api.get(f"{API}/notifications", headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


async def test_inbox_after_each_kind_of_startup_event(stack: httpx.AsyncClient) -> None:
    api = stack
    checker = await staff(api, "staff-n@hdn.govap.vn")
    owner = await founder(api, "notified@example.vn")

    async def owner_inbox() -> list[dict[str, object]]:
        return await inbox(api, owner)

    await eventually(owner_inbox, until=lambda items: len(items) == 1)  # welcome

    async def registered() -> int:
        probe = await api.post(f"{API}/startups", json=_startup(), headers=owner)
        return probe.status_code

    await eventually(registered, until=lambda s: s == 201)
    items = await eventually(owner_inbox, until=lambda items: len(items) == 2)
    assert items[0]["kind"] == "startup_received"

    async def staff_inbox() -> list[dict[str, object]]:
        return await inbox(api, checker)

    staff_items = await eventually(
        staff_inbox,
        until=lambda items: any(i["kind"] == "startup_awaits_verification" for i in items),
    )
    waiting = next(i for i in staff_items if i["kind"] == "startup_awaits_verification")
    assert waiting["title"] == "Dự án mới chờ xác minh: “Rau Sạch Gò Vấp”"
    assert "Phường Gò Vấp" in str(waiting["body"])

    sid = (await api.get(f"{API}/startups", headers=owner)).json()["items"][0]["id"]
    await api.post(
        f"{API}/startups/{sid}/reject", json={"reason": "thiếu giấy tờ"}, headers=checker
    )
    items = await eventually(owner_inbox, until=lambda items: len(items) == 3)
    assert items[0]["kind"] == "startup_rejected"
    assert "thiếu giấy tờ" in str(items[0]["body"])
    await api.post(f"{API}/startups/{sid}/status", json={"to_status": "submitted"}, headers=owner)
    await api.post(f"{API}/startups/{sid}/verify", headers=checker)
    items = await eventually(
        owner_inbox, until=lambda items: items[0]["kind"] == "startup_verified"
    )
    assert items[0]["title"] == "Dự án “Rau Sạch Gò Vấp” đã được xác minh"


async def test_redelivered_event_gives_no_duplicate(
    api: httpx.AsyncClient, js: JetStreamContext
) -> None:
    await register(api, "once@example.vn")
    headers = bearer((await login(api, "once@example.vn"))["access_token"])
    await eventually(lambda: inbox(api, headers), until=lambda items: len(items) == 1)
    stored = await js.get_last_msg("IDENTITY", "identity.user.registered.v1")
    assert stored.data is not None
    for attempt in ("again-1", "again-2"):  # as JetStream would beyond its duplicate window
        await js.publish(
            "identity.user.registered.v1", stored.data, headers={"Nats-Msg-Id": attempt}
        )

    async def consumer_done() -> int:
        info = await js.consumer_info("IDENTITY", "notifications-identity")
        return (info.num_pending or 0) + (info.num_ack_pending or 0)

    await eventually(consumer_done, until=lambda n: n == 0)
    assert len(await inbox(api, headers)) == 1


async def test_preferences_over_http(api: httpx.AsyncClient) -> None:
    await register(api, "prefs@example.vn")
    headers = bearer((await login(api, "prefs@example.vn"))["access_token"])
    current = (await api.get(f"{API}/notification-preferences", headers=headers)).json()
    assert {k["kind"] for k in current["kinds"]} >= {"welcome", "startup_verified"}
    assert current["quiet_hours"] == {"start": "22:00", "end": "07:00"}
    saved = await api.put(
        f"{API}/notification-preferences",
        json={"channels": {"startup_verified": {"email": False, "sms": True}}, "digest": True},
        headers=headers,
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["channels"]["startup_verified"]["sms"] is True
    inbox_off = await api.put(
        f"{API}/notification-preferences",
        json={"channels": {"welcome": {"inbox": False}}},
        headers=headers,
    )
    assert inbox_off.status_code == 422
    unknown = await api.put(
        f"{API}/notification-preferences", json={"channels": {"weather": {}}}, headers=headers
    )
    assert unknown.status_code == 422
    bad_time = await api.put(
        f"{API}/notification-preferences", json={"quiet_hours": {"start": "25:00"}}, headers=headers
    )
    assert bad_time.status_code == 422
    assert (await api.get(f"{API}/notification-preferences")).status_code == 401


def _startup() -> dict[str, object]:
    return {
        "name": "Rau Sạch Gò Vấp",
        "summary": "Giao rau sạch từ nông trại đến các bếp ăn gia đình.",
        "sector": "agriculture",
        "stage": "idea",
        "ward": "go-vap",
    }


async def test_session_reminder_fires_24_hours_before_once(
    mongo: AsyncMongoClient[Document], settings: Settings, smtp: SmtpServer
) -> None:
    from shared.contracts.events.mentoring import Mode, SessionScheduledV1

    db = mongo[settings.database_name("n8")]
    clock = Clock(datetime(2026, 12, 1, 9, 0, tzinfo=HCMC))
    first = use_cases(settings, smtp.port, clock, db, "copy-1")
    second = use_cases(settings, smtp.port, clock, db, "copy-2")
    for user_id, role in (("founder", Role.FOUNDER), ("mentor", Role.MENTOR)):
        await directory.user_updated(
            first.notices,
            UserRegisteredV1(user_id=user_id, email=f"{user_id}@x.vn", full_name="Hạnh", role=role),  # type: ignore[arg-type]
        )
    starts = datetime(2026, 12, 3, 14, 0, tzinfo=HCMC)
    event = SessionScheduledV1(
        session_id="s1",
        match_id="m1",
        mentor_id="mentor",
        founder_id="founder",
        startup_name="Cà Phê Muối",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        mode=Mode.ONLINE,
    )
    await mentoring_notices.session_scheduled(first.notices, "event-1", event)
    await mentoring_notices.session_scheduled(first.notices, "event-1", event)  # redelivered

    async def kinds(user_id: str) -> list[str]:
        items, _, _ = await first.store.inbox(user_id, skip=0, limit=10, unread_only=False)
        return [i["kind"] for i in items]

    assert await kinds("founder") == ["session_scheduled"]
    clock.now = starts - timedelta(hours=24, minutes=1)
    assert await both_fire(first, second) == [0, 0]
    clock.now = starts - timedelta(hours=24)
    assert sum(await both_fire(first, second)) == 1
    assert await kinds("founder") == ["session_reminder", "session_scheduled"]
    assert await kinds("mentor") == ["session_reminder", "session_scheduled"]
    items, _, _ = await first.store.inbox("founder", skip=0, limit=1, unread_only=False)
    assert items[0]["title"] == "Nhắc lịch: buổi tư vấn lúc 14:00 03/12/2026"
    assert "trực tuyến" in items[0]["body"]


async def test_judges_entrants_and_initiative_filers_hear_of_their_events(
    mongo: AsyncMongoClient[Document], settings: Settings, smtp: SmtpServer
) -> None:
    from shared.contracts.events.competitions import (
        CompetitionKind,
        CompetitionPublishedV1,
        EntrySubmittedV1,
        InitiativeDecidedV1,
        JudgeAssignedV1,
        RankedEntry,
        ResultsPublishedV1,
    )

    clock = Clock(datetime(2026, 12, 1, 9, 0, tzinfo=HCMC))
    service = use_cases(settings, smtp.port, clock, mongo[settings.database_name("n9")], "a")
    # Every entrant has an account: a notice for someone unknown waits (is redelivered).
    people = ("judge", Role.JUDGE), ("team", Role.FOUNDER), ("author", Role.FOUNDER)
    for user_id, role in (*people, ("someone-else", Role.FOUNDER)):
        await directory.user_updated(
            service.notices,
            UserRegisteredV1(user_id=user_id, email=f"{user_id}@x.vn", full_name="Thảo", role=role),  # type: ignore[arg-type]
        )
    now = clock.now
    await competition_notices.competition_seen(
        service.notices,
        CompetitionPublishedV1(
            competition_id="c1",
            title="Khởi nghiệp trẻ 2026",
            kind=CompetitionKind.YOUTH_STARTUP,
            organizer_id="o",
            entry_deadline=now,
            judging_deadline=now + timedelta(days=7),
            judges_per_entry=2,
        ),
    )
    for entry_id, entrant in (("e1", "team"), ("e2", "someone-else")):
        await competition_notices.competition_seen(
            service.notices,
            EntrySubmittedV1(
                competition_id="c1",
                entry_id=entry_id,
                entrant_id=entrant,
                title=f"Bài {entry_id}",
                submitted_at=now,
            ),
        )
    await competition_notices.judge_assigned(
        service.notices,
        "ev-1",
        JudgeAssignedV1(competition_id="c1", judge_id="judge", entry_ids=("e1", "e2")),
    )
    ranking = (
        RankedEntry(rank=1, entry_id="e2", final_score=0.7, raw_mean=8.0),
        RankedEntry(rank=2, entry_id="e1", final_score=-0.7, raw_mean=6.0),
    )
    await competition_notices.results_published(
        service.notices,
        "ev-2",
        ResultsPublishedV1(
            competition_id="c1",
            title="Khởi nghiệp trẻ 2026",
            ranking=ranking,
            winners=1,
            published_at=now,
        ),
    )
    await competition_notices.initiative_decided(
        service.notices,
        "ev-3",
        InitiativeDecidedV1(
            initiative_id="i1",
            title="Sổ tay số",
            filed_by="author",
            recognised=True,
            scope="cấp cơ sở",
            votes_for=5,
            council_size=7,
            decided_at=now,
        ),
    )

    async def first(user_id: str) -> dict[str, object]:
        items, _, _ = await service.store.inbox(user_id, skip=0, limit=1, unread_only=False)
        return items[0]

    assert (await first("judge"))["title"] == "Phân công chấm thi: “Khởi nghiệp trẻ 2026”"
    assert "2 bài dự thi" in str((await first("judge"))["body"])
    assert "“Bài e1” của bạn xếp hạng 2/2" in str((await first("team"))["body"])
    assert (await first("author"))["title"] == "Sáng kiến “Sổ tay số” được công nhận"
