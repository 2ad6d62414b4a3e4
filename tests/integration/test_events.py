"""The events service on the real database server and nats-server (issue 18): seats under
50 concurrent registrations never exceed the capacity and the waitlist keeps the order of
arrival; a freed seat goes to the first waiting; check-in once per sitting even from two
phones at once; the whole flow through the gateway."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from services.events.ports import EventsRepository
from services.events.repository import events_repository
from services.events.repository.schema import INDEXES
from services.events.seats import QuotaAudit, SeatAudit
from services.events.use_cases import UseCases, compose
from shared.contracts.base import Actor, Conflict, Role
from shared.contracts.events.events import EventKind
from shared.contracts.rpc.events.announcements import EventFields, EventView, Quota, SittingFields
from shared.contracts.rpc.events.attendance import CheckInFields
from shared.contracts.rpc.events.registrations import MemberFields, MemberList, RegistrationFields
from shared.infra.mongo import Database, Document, ensure_indexes
from shared.infra.settings import Settings
from shared.infra.testing import eventually
from shared.localtime import HCMC
from tests.integration.conftest import bearer, login, register

API = "/api/v1"
ADMIN = ("admin@govap.gov.vn", "quan-tri-vien-2026")
ORGANIZER = Actor(id="org-1", role=Role.ORGANIZER, organization="ward-committee-go-vap")


class NoOutbox:
    """The events' outbox is flushed by the relay in the running service; here only the
    seats and the order matter."""

    async def flush(self, collection: str, doc_id: str) -> int:
        return 0


def fields(capacity: int, starts_in: timedelta = timedelta(days=2)) -> EventFields:
    start = datetime.now(UTC) + starts_in
    return EventFields(
        title="Tập huấn khởi nghiệp đổi mới sáng tạo",
        kind=EventKind.TRAINING,
        organizers=["ward-committee-go-vap"],
        place="Hội trường UBND phường Gò Vấp",
        sittings=[SittingFields(starts_at=start, ends_at=start + timedelta(hours=3))],
        capacity=capacity,
        certificate=True,
    )


async def events_db(settings: Settings, mongo: AsyncMongoClient[Document]) -> Database:
    """The events database of the test on the real server, indexed."""
    db = mongo[settings.database_name("events")]
    await ensure_indexes(db, INDEXES)
    return db


@pytest.fixture
async def two_copies(
    settings: Settings, mongo: AsyncMongoClient[Document]
) -> tuple[UseCases, UseCases]:
    """Two copies of the use cases over one real database, as two service processes."""
    db = await events_db(settings, mongo)
    return (
        compose(events_repository(db), NoOutbox(), lambda: datetime.now(UTC)),
        compose(events_repository(db), NoOutbox(), lambda: datetime.now(UTC)),
    )


def person(n: int) -> Actor:
    return Actor(id=f"p-{n:03d}", role=Role.FOUNDER)


@pytest.mark.parametrize(("capacity", "people"), [(20, 50), (50, 50), (49, 50)])
async def test_concurrent_registrations_never_exceed_capacity_and_queue_in_arrival_order(
    two_copies: tuple[UseCases, UseCases], capacity: int, people: int
) -> None:
    a, b = two_copies
    event = await a.events.create(ORGANIZER, fields(capacity))
    await a.events.publish(ORGANIZER, event.id)

    async def sign_up(n: int) -> Any:
        copy = a if n % 2 else b
        return await copy.registrations.register(person(n), event.id, RegistrationFields())

    answers = await asyncio.gather(*(sign_up(n) for n in range(people)))
    seats = [r for r in answers if r.status == "seat"]
    waiting = [r for r in answers if r.status == "waitlist"]
    assert len(seats) == min(capacity, people)
    assert len(waiting) == people - min(capacity, people)
    seen = await a.events.get(ORGANIZER, event.id)
    assert (seen.seats_taken, seen.seats_left) == (len(seats), max(0, capacity - people))
    assert seen.waitlisted == len(waiting)
    listed = await a.registrations.registrations(ORGANIZER, event.id, "waitlist", 1, 100)
    # Numbered by one atomic increment each: 1..n without gaps or repeats, and the list
    # and the positions follow that order of arrival.
    numbers = [r.position for r in listed.items]
    assert numbers == list(range(1, len(waiting) + 1))
    # Nobody can register twice, even at the same moment on two copies.
    again = await asyncio.gather(
        a.registrations.register(person(0), event.id, RegistrationFields()),
        b.registrations.register(person(0), event.id, RegistrationFields()),
        return_exceptions=True,
    )
    assert all(isinstance(x, Conflict) for x in again)


async def test_cancellations_move_the_waitlist_up_in_order(
    two_copies: tuple[UseCases, UseCases],
) -> None:
    a, b = two_copies
    event = await a.events.create(ORGANIZER, fields(5))
    await a.events.publish(ORGANIZER, event.id)
    for n in range(8):
        await a.registrations.register(person(n), event.id, RegistrationFields())
    # Three seats cancelled at once, on two copies: the first three waiting get them.
    await asyncio.gather(
        a.registrations.cancel_registration(person(0), event.id),
        b.registrations.cancel_registration(person(1), event.id),
        a.registrations.cancel_registration(person(2), event.id),
    )
    seats = await a.registrations.registrations(ORGANIZER, event.id, "seat", 1, 100)
    assert sorted(r.user_id for r in seats.items) == [person(n).id for n in (3, 4, 5, 6, 7)]
    after = await a.events.get(ORGANIZER, event.id)
    assert (after.seats_taken, after.seats_left, after.waitlisted) == (5, 0, 0)


async def test_two_phones_check_the_same_ticket_in_once(
    two_copies: tuple[UseCases, UseCases],
) -> None:
    a, b = two_copies
    event = await a.events.create(ORGANIZER, fields(10))
    await a.events.publish(ORGANIZER, event.id)
    ticket = await a.registrations.register(person(1), event.id, RegistrationFields())
    assert ticket.code is not None
    tries = [
        (a if n % 2 else b).attendance.check_in(
            ORGANIZER, event.id, CheckInFields(code=ticket.code)
        )
        for n in range(10)
    ]
    results = await asyncio.gather(*tries, return_exceptions=True)
    assert sum(1 for r in results if not isinstance(r, Exception)) == 1
    assert all(
        isinstance(r, Conflict) and r.details["reason"] == "already_checked_in"
        for r in results
        if isinstance(r, Exception)
    )


# --- through the gateway, with the service on NATS -----------------------------------------


async def organizer(api: httpx.AsyncClient, email: str) -> dict[str, str]:
    admin = bearer((await login(api, *ADMIN))["access_token"])
    body = {
        "email": email,
        "password": "to-chuc-su-kien-2026",
        "full_name": "Phạm Thu Hà",
        "role": "organizer",
        "organization": "ward-committee-go-vap",
    }
    created = await api.post(f"{API}/admin/users", json=body, headers=admin)
    assert created.status_code == 201, created.text
    return bearer((await login(api, email, "to-chuc-su-kien-2026"))["access_token"])


async def attendee(api: httpx.AsyncClient, email: str) -> dict[str, str]:
    assert (await register(api, email)).status_code == 201
    return bearer((await login(api, email))["access_token"])


def body(capacity: int, **extra: Any) -> dict[str, Any]:
    start = datetime.now(UTC) + timedelta(days=3)
    return {
        "title": "Hội nghị phổ biến pháp luật về sở hữu trí tuệ",
        "kind": "law_dissemination",
        "organizers": ["ward-committee-go-vap"],
        "place": "Nhà văn hoá phường An Nhơn",
        "sittings": [
            {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat()},
            {
                "starts_at": (start + timedelta(days=1)).isoformat(),
                "ends_at": (start + timedelta(days=1, hours=2)).isoformat(),
            },
        ],
        "capacity": capacity,
        "certificate": True,
        **extra,
    }


async def test_announce_register_wait_cancel_check_in_through_the_api(
    events_api: httpx.AsyncClient,
) -> None:
    api = events_api
    org = await organizer(api, "to-chuc@govap.gov.vn")
    first, second, third = [await attendee(api, f"nguoi{n}@example.vn") for n in range(3)]

    bad = await api.post(f"{API}/events", json=body(0), headers=org)
    assert bad.status_code == 422
    assert (await api.post(f"{API}/events", json=body(10_001), headers=org)).status_code == 422
    assert (await api.post(f"{API}/events", json=body(2), headers=first)).status_code == 403
    created = await api.post(f"{API}/events", json=body(2), headers=org)
    assert created.status_code == 201, created.text
    event = created.json()
    assert event["status"] == "draft"
    local = datetime.fromisoformat(event["sittings"][0]["starts_at"]).astimezone(HCMC)
    assert event["sittings"][0]["date"] == local.strftime("%d/%m/%Y")
    path = f"{API}/events/{event['id']}"
    # A draft is the organizer's: nobody else sees or registers for it.
    assert (await api.get(path)).status_code == 404
    refused = await api.post(f"{path}/registrations", json={}, headers=first)
    assert refused.status_code == 409
    assert (await api.post(f"{path}/publish", headers=org)).status_code == 200

    one = await api.post(f"{path}/registrations", json={}, headers=first)
    assert one.status_code == 201, one.text
    assert one.json()["status"] == "seat" and one.json()["qr_svg"].startswith("data:image/svg")
    twice = await api.post(f"{path}/registrations", json={}, headers=first)
    assert twice.status_code == 409
    assert twice.headers["content-type"].startswith("application/problem+json")
    assert twice.json()["detail"] == "bạn đã đăng ký sự kiện này"
    assert (await api.post(f"{path}/registrations", json={}, headers=second)).json()[
        "status"
    ] == "seat"
    waiting = await api.post(f"{path}/registrations", json={}, headers=third)
    assert waiting.json()["status"] == "waitlist" and waiting.json()["position"] == 1

    # The first cancels: the third moves up to a seat.
    assert (await api.delete(f"{path}/registrations/me", headers=first)).status_code == 200
    mine = (await api.get(f"{API}/me/registrations", headers=third)).json()
    assert mine["items"][0]["status"] == "seat" and mine["items"][0]["code"]
    code = mine["items"][0]["code"]

    checked = await api.post(f"{path}/check-in", json={"code": code.lower()}, headers=org)
    assert checked.status_code == 200, checked.text
    assert checked.json()["sitting"] == 1
    again = await api.post(f"{path}/check-in", json={"code": code}, headers=org)
    assert again.status_code == 409
    second_sitting = await api.post(
        f"{path}/check-in", json={"code": code, "sitting": 2}, headers=org
    )
    assert second_sitting.json()["attended"] == [1, 2]
    # A cancelled ticket, and a ticket of another event, are refused with a clear reason.
    cancelled = (await api.get(f"{API}/me/registrations", headers=first)).json()["items"][0]
    assert cancelled["status"] == "cancelled" and cancelled["code"] is None
    other = (await api.post(f"{API}/events", json=body(5), headers=org)).json()
    await api.post(f"{API}/events/{other['id']}/publish", headers=org)
    foreign = await api.post(
        f"{API}/events/{other['id']}/check-in", json={"code": code}, headers=org
    )
    assert foreign.status_code == 409
    assert foreign.json()["detail"] == "mã vé thuộc một sự kiện khác"
    listed = (await api.get(f"{path}/registrations", headers=org)).json()
    assert [r["status"] for r in listed["items"]] == ["seat", "seat", "cancelled"]
    assert (await api.get(f"{path}/registrations", headers=second)).status_code == 403

    # Cancelling the event refuses new registrations in Vietnamese, English on request.
    cancel = await api.post(f"{path}/cancel", json={"reason": "Hoãn vì mưa bão"}, headers=org)
    assert cancel.json()["status"] == "cancelled"
    late = await api.post(
        f"{path}/registrations", json={}, headers={**first, "Accept-Language": "en"}
    )
    assert late.status_code == 409

    async def inbox() -> list[str]:
        found = (await api.get(f"{API}/notifications", headers=third)).json()
        return [item["title"] for item in found["items"]]

    await eventually(inbox, until=lambda titles: any("huỷ" in t for t in titles))


async def test_a_ward_committee_registers_its_members_within_its_quota(
    events_api: httpx.AsyncClient,
) -> None:
    api = events_api
    org = await organizer(api, "uy-ban@govap.gov.vn")
    ids = []
    for n in range(3):
        created = await register(api, f"thanh-vien{n}@example.vn")
        ids.append(created.json()["id"])
    quota = [{"organization": "ward-committee-go-vap", "seats": 2}]
    event = (await api.post(f"{API}/events", json=body(5, quotas=quota), headers=org)).json()
    path = f"{API}/events/{event['id']}"
    await api.post(f"{path}/publish", headers=org)
    members = {"members": [{"user_id": user, "consent": True} for user in ids]}
    answer = await api.post(f"{path}/group-registrations", json=members, headers=org)
    assert answer.status_code == 201, answer.text
    outcomes = answer.json()["outcomes"]
    assert [o["status"] for o in outcomes] == ["seat", "seat", None]
    assert outcomes[2]["reason"] == "quota_full"
    assert outcomes[2]["message"] == "đơn vị đã dùng hết chỉ tiêu"  # the user's own locale
    assert (await api.get(path)).json()["quotas"] == [
        {"organization": "ward-committee-go-vap", "seats": 2, "used": 2}
    ]
    member = bearer((await login(api, "thanh-vien0@example.vn"))["access_token"])
    mine = (await api.get(f"{API}/me/registrations", headers=member)).json()["items"]
    assert mine[0]["status"] == "seat" and mine[0]["code"]
    # A member who cannot come frees the committee's place for another member.
    gave_up = await api.delete(f"{path}/registrations/me", headers=member)
    assert gave_up.status_code == 200, gave_up.text
    assert (await api.get(path)).json()["quotas"][0]["used"] == 1
    third = {"members": [{"user_id": ids[2], "consent": True}]}
    again = await api.post(f"{path}/group-registrations", json=third, headers=org)
    assert again.status_code == 201, again.text
    assert [o["status"] for o in again.json()["outcomes"]] == ["seat"]
    assert (await api.get(path)).json()["quotas"][0]["used"] == 2
    # Taking the place up again on their own does not use the committee's quota.
    back = await api.post(f"{path}/registrations", json={}, headers=member)
    assert back.status_code == 201, back.text
    assert (await api.get(path)).json()["quotas"][0]["used"] == 2


class MovableClock:
    """A clock the test moves forward: the audit's two-minute grace without waiting."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
async def one_copy(
    settings: Settings, mongo: AsyncMongoClient[Document]
) -> tuple[EventsRepository, UseCases]:
    """The store and the use cases of one copy over the real database."""
    store = events_repository(await events_db(settings, mongo))
    return store, compose(store, NoOutbox(), lambda: datetime.now(UTC))


async def test_a_seat_taken_by_a_copy_that_crashed_is_returned_to_the_waitlist(
    one_copy: tuple[EventsRepository, UseCases],
) -> None:
    store, service = one_copy
    event = await service.events.create(ORGANIZER, fields(2))
    await service.events.publish(ORGANIZER, event.id)
    await service.registrations.register(person(1), event.id, RegistrationFields())
    # A copy took the last seat and died before writing the registration: the next person
    # is waitlisted although only one seat is held.
    assert await store.seats.take_seat(event.id)
    waiting = await service.registrations.register(person(2), event.id, RegistrationFields())
    assert waiting.status == "waitlist"
    clock = MovableClock()
    audit = SeatAudit(store, service.waitlist.fill_free_seats, clock)
    assert await audit.once() == {}  # first sighting of the counter
    clock.at += timedelta(minutes=1)
    assert await audit.once() == {}  # within the grace: it may be a registration in flight
    clock.at += timedelta(minutes=2)
    # Standing and wrong: but a cancellation's give-back could be a moment behind its
    # write, so only the same finding at the next audit resets it.
    assert await audit.once() == {}
    clock.at += timedelta(minutes=1)
    assert await audit.once() == {event.id: 1}
    seats = await service.registrations.registrations(ORGANIZER, event.id, "seat", 1, 10)
    assert sorted(r.user_id for r in seats.items) == [person(1).id, person(2).id]
    after = await service.events.get(ORGANIZER, event.id)
    assert (after.seats_taken, after.seats_left, after.waitlisted) == (2, 0, 0)
    # Agreeing counters are left alone, however long they stand still.
    clock.at += timedelta(minutes=10)
    assert await audit.once() == {}


async def test_the_seat_audit_never_touches_a_counter_that_moved(
    one_copy: tuple[EventsRepository, UseCases],
) -> None:
    store, service = one_copy
    event = await service.events.create(ORGANIZER, fields(3))
    await service.events.publish(ORGANIZER, event.id)
    assert await store.seats.take_seat(event.id)  # a copy dies holding this seat
    clock = MovableClock()
    audit = SeatAudit(store, service.waitlist.fill_free_seats, clock)
    other = SeatAudit(store, service.waitlist.fill_free_seats, clock)
    await audit.once()
    clock.at += timedelta(minutes=3)
    # Someone registers: the counter moved since the sighting, so it may hold a
    # registration in flight and is not reset, however wrong it looks.
    await service.registrations.register(person(1), event.id, RegistrationFields())
    assert await audit.once() == {}
    assert (await service.events.get(ORGANIZER, event.id)).seats_left == 1
    # Two copies auditing the same standing, wrong counter at once reset it once.
    await asyncio.gather(audit.once(), other.once())
    clock.at += timedelta(minutes=3)
    assert list(await asyncio.gather(audit.once(), other.once())) == [{}, {}]  # found once
    clock.at += timedelta(minutes=1)
    results = await asyncio.gather(audit.once(), other.once())
    assert sorted(len(r) for r in results) == [0, 1]
    assert (await service.events.get(ORGANIZER, event.id)).seats_left == 2


async def committee_event(service: UseCases) -> tuple[EventView, str]:
    """A published event of 10 seats giving the organizer's committee a quota of 2, one of
    them used by `person(1)`; and the committee's code."""
    unit = ORGANIZER.organization or ""
    with_quota = fields(10).model_copy(update={"quotas": [Quota(organization=unit, seats=2)]})
    event = await service.events.create(ORGANIZER, with_quota)
    await service.events.publish(ORGANIZER, event.id)
    members = MemberList(members=[MemberFields(user_id=person(1).id, consent=True)])
    assert (await service.registrations.register_members(ORGANIZER, event.id, members)).used == 1
    return event, unit


async def test_a_units_place_taken_by_a_copy_that_crashed_is_returned_to_its_quota(
    one_copy: tuple[EventsRepository, UseCases],
) -> None:
    store, service = one_copy
    event, unit = await committee_event(service)
    # A copy took the committee's second place and died before writing the registration.
    assert await store.quotas.take_quota(event.id, unit, 2)
    late = MemberList(members=[MemberFields(user_id=person(2).id, consent=True)])
    refused = await service.registrations.register_members(ORGANIZER, event.id, late)
    assert refused.outcomes[0].reason == "quota_full"
    clock = MovableClock()
    audit = QuotaAudit(store, clock)
    other = QuotaAudit(store, clock)
    assert await audit.once() == {}  # first sighting
    clock.at += timedelta(minutes=1)
    assert await audit.once() == {}  # within the grace: an enrolment may be in flight
    clock.at += timedelta(minutes=2)
    assert list(await asyncio.gather(audit.once(), other.once())) == [{}, {}]  # found once
    clock.at += timedelta(minutes=1)
    # Found again at the next audit: two copies auditing at once return the place once.
    results = await asyncio.gather(audit.once(), other.once())
    assert sorted(results, key=len) == [{}, {f"{event.id}:{unit}": 1}]
    seated = await service.registrations.register_members(ORGANIZER, event.id, late)
    assert [o.status for o in seated.outcomes] == ["seat"] and seated.used == 2
    # An agreeing counter is left alone however long it stands still.
    clock.at += timedelta(minutes=10)
    assert await audit.once() == {}
    assert await audit.once() == {}


async def test_an_audit_between_a_cancellation_and_its_give_back_returns_nothing(
    one_copy: tuple[EventsRepository, UseCases],
) -> None:
    store, service = one_copy
    event, unit = await committee_event(service)
    clock = MovableClock()
    seats, quotas = (
        SeatAudit(store, service.waitlist.fill_free_seats, clock),
        QuotaAudit(store, clock),
    )
    for audit in (seats, quotas):
        assert await audit.once() == {}
    clock.at += timedelta(minutes=3)
    # The member's cancellation is written; its seat and place are not given back yet
    # when both audits run on the standing counters.
    mine = await store.registrations.registration_of(event.id, person(1).id)
    assert mine is not None
    moved = {"status": "cancelled", "status_order": 2, "cancelled_at": clock.at}
    assert await store.registrations.move_registration(mine["_id"], "seat", moved, [])
    assert await seats.once() == {}
    assert await quotas.once() == {}
    await store.seats.give_back_seat(event.id)
    await store.quotas.give_back_quota(event.id, unit)
    clock.at += timedelta(minutes=1)
    assert await seats.once() == {}
    assert await quotas.once() == {}
    after = await service.events.get(ORGANIZER, event.id)
    assert after.seats_left == 10
    assert after.quotas[0].used == 0


async def test_the_youth_union_names_itself_as_organizer_in_the_event_form(
    events_api: httpx.AsyncClient,
) -> None:
    api = events_api
    admin = bearer((await login(api, *ADMIN))["access_token"])
    body = {
        "email": "doan@quandoan.govap.vn",
        "password": "to-chuc-su-kien-2026",
        "full_name": "Lê Văn Đoàn",
        "role": "organizer",
        "organization": "youth_union",
    }
    assert (await api.post(f"{API}/admin/users", json=body, headers=admin)).status_code == 201
    form = await api.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    signed_in = await api.post(
        "/login",
        data={"csrf_token": token.group(1), "email": body["email"], "password": body["password"]},
    )
    assert signed_in.status_code == 303, signed_in.text
    page = await api.get("/events/new")
    assert page.status_code == 200
    # The unions and divisions are offered by name beside the ward committees.
    assert re.search(r'<option value="youth_union"[^>]*>[^<]*Đoàn', page.text), page.text[:2000]
    assert 'value="ward-committee-go-vap"' in page.text
