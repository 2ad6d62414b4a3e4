"""A session's life through the gateway (issue 17) and mentoring's writes on a real database
server (issue 13): list, read, cancel, reschedule and no-show; matches and mentors read by
their parties; a second open request is a 409; a startup just created is found through the
registry; a replayed event counts nothing twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy
from pymongo import AsyncMongoClient

from services.mentoring.follow_ups import FollowUps
from services.mentoring.read_models import ReadModels
from services.mentoring.repository import MENTORS, STARTUPS, USERS, MentoringStore
from shared.contracts.base import Envelope, Role
from shared.contracts.events.identity import (
    UserDeletionRequestedV1,
    UserRegisteredV1,
    UserUpdatedV1,
)
from shared.contracts.events.mentoring import FeedbackRecordedV1, Mode, Referral, RequestOpenedV1
from shared.contracts.rpc.mentoring.figures import MentoringFigures, MentoringFiguresRequest
from shared.infra.broker import call
from shared.infra.mongo import Document
from shared.infra.settings import Settings
from shared.infra.testing import eventually
from tests.integration.test_mentoring import (
    API,
    Point,
    accepted_match,
    point,
    tomorrow_at,
)
from tests.integration.test_registry import startup as startup_body

__all__ = ["point"]  # the fixture, imported for pytest


def at(hour: int, minute: int = 0) -> dict[str, str]:
    return {"starts_at": tomorrow_at(hour, minute), "ends_at": tomorrow_at(hour + 1, minute)}


async def test_a_sessions_life_through_the_api(point: Point) -> None:
    api = point.api
    owner = await point.founder("vongdoi@example.vn")
    stranger = await point.founder("nguoila@example.vn")
    staff = await point.account("staff-s@hdn.govap.vn", Role.ASSOCIATION_STAFF)
    mentor, _ = await point.mentor("lich@hdn.govap.vn", ["ip"])
    startup_id = await point.startup(owner, "Bánh Mì Hạnh Thông")
    request = await point.request(owner, startup_id, ["ip"])

    # a second open request for the same startup and topic names the first
    again = await api.post(
        f"{API}/consultations",
        json={"startup_id": startup_id, "topics": ["IP", "legal"], "message": "Hỏi lại lần nữa."},
        headers=owner.headers,
    )
    assert again.status_code == 409
    assert again.json()["details"]["request_id"] == request["id"]

    # text that looks like a field name is a topic like any other; a NUL is refused, never a 500
    odd = await api.post(
        f"{API}/consultations",
        json={"startup_id": startup_id, "topics": ["a.b", "$x"], "message": "Chủ đề lạ mà hợp lệ."},
        headers=owner.headers,
    )
    assert odd.status_code == 201, odd.text
    assert [t["label"] for t in odd.json()["topic_labels"]] == ["a.b", "$x"]
    nul = await api.post(
        f"{API}/consultations",
        json={"startup_id": startup_id, "topics": ["gọi\u0000vốn"], "message": "Có ký tự NUL."},
        headers=owner.headers,
    )
    assert nul.status_code == 422
    match_id = await accepted_match(point, staff, mentor, request["id"])
    match = await api.get(f"{API}/matches/{match_id}", headers=owner.headers)
    assert match.json()["status"] == "accepted"
    assert (await api.get(f"{API}/matches/{match_id}", headers=stranger.headers)).status_code == 403
    mine = (await api.get(f"{API}/matches", headers=mentor.headers)).json()
    assert [m["id"] for m in mine["items"]] == [match_id]
    profile = await api.get(f"{API}/mentors/{mentor.id}", headers=owner.headers)
    assert profile.status_code == 200
    assert profile.json()["topics"] == [{"key": "ip", "label": "sở hữu trí tuệ", "need": "ip"}]
    for typed in ("sở hữu trí tuệ", "so huu tri tue", "Intellectual property", "IP"):
        found = await api.get(f"{API}/mentors", params={"topic": typed}, headers=staff.headers)
        assert [m["id"] for m in found.json()["items"]] == [mentor.id], typed
    assert (
        await api.get(f"{API}/mentors/{mentor.id}", headers=stranger.headers)
    ).status_code == 403

    booked = await api.post(
        f"{API}/sessions", json={"match_id": match_id, **at(9)}, headers=owner.headers
    )
    assert booked.status_code == 201, booked.text
    sid = booked.json()["id"]
    read = await api.get(f"{API}/sessions/{sid}", headers=mentor.headers)
    assert read.json()["status"] == "scheduled"
    assert (await api.get(f"{API}/sessions/{sid}", headers=stranger.headers)).status_code == 403

    # a reschedule is a cancel plus a new booking; the old time is free again
    moved = await api.post(
        f"{API}/sessions/{sid}/reschedule",
        json={**at(10), "reason": "Trùng lịch họp phường"},
        headers=mentor.headers,
    )
    assert moved.status_code == 200, moved.text
    new_id = moved.json()["id"]
    assert moved.json()["rescheduled_from"] == sid
    old = (await api.get(f"{API}/sessions/{sid}", headers=owner.headers)).json()
    assert (old["status"], old["rescheduled_to"]) == ("cancelled", new_id)
    outside = await api.post(
        f"{API}/sessions/{new_id}/reschedule",
        json={**at(20), "reason": "Buổi tối"},
        headers=owner.headers,
    )
    assert outside.status_code == 422  # outside the mentor's hours: the session stays
    nine = await api.post(
        f"{API}/sessions", json={"match_id": match_id, **at(9)}, headers=owner.headers
    )
    assert nine.status_code == 201, nine.text

    # either party cancels with a reason; not twice
    no_reason = await api.post(f"{API}/sessions/{new_id}/cancel", json={}, headers=owner.headers)
    assert no_reason.status_code == 422
    cancelled = await api.post(
        f"{API}/sessions/{new_id}/cancel", json={"reason": "Bị ốm"}, headers=owner.headers
    )
    assert cancelled.json()["status"] == "cancelled"
    twice = await api.post(
        f"{API}/sessions/{new_id}/cancel", json={"reason": "Ốm nặng"}, headers=mentor.headers
    )
    assert twice.status_code == 409

    # the other party and staff hear of it, with the reason; the one who cancelled does not
    async def inbox(person: Any) -> list[dict[str, Any]]:
        response = await api.get(f"{API}/notifications?page_size=50", headers=person.headers)
        return [i for i in response.json()["items"] if i["kind"] == "session_cancelled"]

    told = await eventually(lambda: inbox(mentor), until=lambda items: len(items) == 1)
    assert "Bị ốm" in told[0]["body"], told
    await eventually(lambda: inbox(staff), until=lambda items: len(items) == 2)
    assert len(await inbox(owner)) == 1  # the mentor's reschedule, not the founder's cancel

    # a no-show only once the session has started
    early = await api.post(
        f"{API}/sessions/{nine.json()['id']}/no-show",
        json={"absent": "founder"},
        headers=mentor.headers,
    )
    assert early.status_code == 409

    # lists: mine as founder, filters for staff
    listed = (await api.get(f"{API}/sessions", headers=owner.headers)).json()
    assert listed["total"] == 3
    assert (await api.get(f"{API}/sessions", headers=stranger.headers)).json()["total"] == 0
    scheduled = (
        await api.get(
            f"{API}/sessions",
            params={"status": "scheduled", "mentor_id": mentor.id},
            headers=staff.headers,
        )
    ).json()
    assert [s["id"] for s in scheduled["items"]] == [nine.json()["id"]]
    late = datetime.now(UTC) + timedelta(days=3)
    assert (
        await api.get(
            f"{API}/sessions", params={"starts_from": late.isoformat()}, headers=staff.headers
        )
    ).json()["total"] == 0
    assert (
        await api.get(f"{API}/sessions", params={"status": "nope"}, headers=staff.headers)
    ).status_code == 422

    async def figures() -> MentoringFigures:
        now = datetime.now(UTC)  # cancellations count on the day the session was to be held
        window = MentoringFiguresRequest(start=now, end=now + timedelta(days=3))
        return await call(point.broker, window, timeout=5)

    counted = await eventually(figures, until=lambda f: f.sessions_cancelled == 2)
    assert counted.sessions_held == 0
    assert counted.by_topic == {"ip": 1, "a.b": 1, "$x": 1}


async def test_a_consultation_right_after_registering_the_startup(
    point: Point,
    registry_api: httpx.AsyncClient,
    settings: Settings,
    mongo: AsyncMongoClient[Document],
) -> None:
    api = registry_api
    owner = await point.founder("vuadangky@example.vn")

    async def create() -> httpx.Response:
        return await api.post(
            f"{API}/startups", json=startup_body("Vừa Đăng Ký"), headers=owner.headers
        )

    created = await eventually(create, until=lambda r: r.status_code == 201)
    startup_id = created.json()["id"]
    # Make mentoring's read model miss the startup (as if the event were still on its way):
    startups = mongo[settings.database_name("mentoring")][STARTUPS]
    await eventually(lambda: startups.find_one({"_id": startup_id}), until=bool)
    await startups.delete_one({"_id": startup_id})

    asked = await api.post(
        f"{API}/consultations",
        json={
            "startup_id": startup_id,
            "topics": ["legal"],
            "message": "Hỏi ngay sau khi đăng ký.",
        },
        headers=owner.headers,
    )
    assert asked.status_code == 201, asked.text
    assert asked.json()["startup_name"] == "Vừa Đăng Ký"
    assert await startups.find_one({"_id": startup_id}) is not None
    unknown = await api.post(
        f"{API}/consultations",
        json={"startup_id": "khong-co", "topics": ["legal"], "message": "Không có dự án này."},
        headers=owner.headers,
    )
    assert unknown.status_code == 404


async def test_a_replayed_event_counts_nothing_twice_on_the_database(
    settings: Settings, mongo: AsyncMongoClient[Document]
) -> None:
    store = MentoringStore(mongo[settings.database_name("mentoring")])
    follow_ups = FollowUps(store)
    now = datetime.now(UTC)
    opened = Envelope.wrap(
        RequestOpenedV1(
            request_id="r1",
            startup_id="s1",
            founder_id="f1",
            topics=("a.b", "$x", "gọi vốn"),
            mode=Mode.ONLINE,
            language="vi",
            referred_by=Referral.SELF,
            ward="go-vap",
            opened_at=now,
        ),
        aggregate_id="r1",
    )
    await store.insert(MENTORS, {"_id": "m1", "rating_sum": 0, "rating_count": 0, "version": 1}, [])
    rated = Envelope.wrap(
        FeedbackRecordedV1(session_id="x1", mentor_id="m1", founder_id="f1", rating=5),
        aggregate_id="x1",
    )
    for _ in range(3):  # the delivery, a redelivery, a dead-letter replay
        await follow_ups.count_event(opened)
        await follow_ups.count_event(rated)
        await follow_ups.rating_recorded(rated, rated.event())  # type: ignore[arg-type]

    figures = await follow_ups.figures(now - timedelta(hours=1), now + timedelta(hours=1))
    assert figures.requests == 1
    assert figures.by_topic == {"a.b": 1, "$x": 1, "gọi vốn": 1}
    assert figures.average_rating == 5.0
    mentor: dict[str, Any] | None = await store.get(MENTORS, "m1")
    assert mentor is not None
    assert (mentor["rating_sum"], mentor["rating_count"]) == (5, 1)


async def test_identity_versions_and_tombstones_on_the_database(
    settings: Settings, mongo: AsyncMongoClient[Document]
) -> None:
    store = MentoringStore(mongo[settings.database_name("mentoring")])
    read_models = ReadModels(store)

    def seen(kind: type, version: int | None, name: str) -> Any:
        return kind(
            user_id="u-7", email="u7@example.vn", full_name=name, role=Role.MENTOR, version=version
        )

    await read_models.user_seen(seen(UserRegisteredV1, None, "Tên Cũ"))  # an old event
    await read_models.user_seen(seen(UserUpdatedV1, 3, "Phạm Thị Ba"))
    await read_models.user_seen(seen(UserUpdatedV1, 2, "Phạm Thị Hai"))
    await read_models.user_seen(seen(UserUpdatedV1, 3, "Phạm Thị Ba"))  # a redelivery
    kept = await store.get(USERS, "u-7")
    assert kept is not None
    assert (kept["full_name"], kept["version"]) == ("Phạm Thị Ba", 3)

    await read_models.erase_person(
        UserDeletionRequestedV1(user_id="u-7", request_id="d7", requested_at=datetime.now(UTC))
    )
    await read_models.user_seen(seen(UserUpdatedV1, 9, "Phạm Thị Chín"))
    await read_models.user_seen(seen(UserRegisteredV1, 1, "Phạm Thị Một"))
    assert await store.get(USERS, "u-7") is None


async def test_a_proposal_whose_match_write_is_lost_converges_through_the_consumer(
    point: Point, monkeypatch: pytest.MonkeyPatch, js: JetStreamContext
) -> None:
    """The process 'dies' between the request's write and the match's: the match is made
    from the proposal event by mentoring's consumer, and the mentor can accept it."""
    api = point.api
    owner = await point.founder("hoitu@example.vn")
    staff = await point.account("staff-h@hdn.govap.vn", Role.ASSOCIATION_STAFF)
    mentor, _ = await point.mentor("hoitu@hdn.govap.vn", ["legal"])
    request = await point.request(owner, await point.startup(owner, "Hội Tụ"), ["legal"])
    real = FollowUps.match_proposed
    calls: list[str] = []

    async def lost_once(self: FollowUps, envelope: Envelope, event: Any) -> None:
        calls.append(envelope.id)
        if len(calls) == 1:
            raise ConnectionError("the database went away between the two writes")
        await real(self, envelope, event)

    monkeypatch.setattr(FollowUps, "match_proposed", lost_once)
    proposed = await api.post(
        f"{API}/consultations/{request['id']}/match",
        json={"mentor_id": mentor.id},
        headers=staff.headers,
    )
    assert proposed.status_code == 201, proposed.text
    match_id = proposed.json()["id"]

    async def accept() -> httpx.Response:
        return await api.post(f"{API}/matches/{match_id}/accept", headers=mentor.headers)

    accepted = await eventually(accept, until=lambda r: r.status_code != 404)
    assert accepted.json()["status"] == "accepted"
    assert len(calls) >= 2  # the use case's attempt, then the consumer's
    matched = await eventually(
        lambda: api.get(f"{API}/consultations/{request['id']}", headers=owner.headers),
        until=lambda r: r.json()["status"] == "matched",
    )
    assert matched.json()["match_id"] == match_id
    # the follow-ups start from their consumer's creation, never replaying older history
    info = await js.consumer_info("MENTORING", "mentoring-follow-ups")
    assert info.config.deliver_policy == DeliverPolicy.NEW


async def test_requests_asked_at_the_same_moment_open_one_per_topic(point: Point) -> None:
    api = point.api
    owner = await point.founder("cungluc@example.vn")
    staff = await point.account("staff-c@hdn.govap.vn", Role.ASSOCIATION_STAFF)
    mentor, _ = await point.mentor("cungluc@hdn.govap.vn", ["funding"])
    startup_id = await point.startup(owner, "Cà Phê Cùng Lúc")
    await point.request(owner, startup_id, ["legal"])  # the startup is known to mentoring

    async def ask(n: int) -> httpx.Response:
        body = {"startup_id": startup_id, "topics": ["funding"], "message": f"Lần hỏi {n}."}
        return await api.post(f"{API}/consultations", json=body, headers=owner.headers)

    # A double tap on two phones: the responders answer concurrently, the index decides.
    answers = await asyncio.gather(*(ask(n) for n in range(8)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * 7, [a.text for a in answers]
    opened = next(a.json() for a in answers if a.status_code == 201)
    assert all(a.json()["code"] == "conflict" for a in answers if a.status_code == 409), [
        a.json() for a in answers
    ]
    # Once matched, the startup may ask about the same topic again.
    await accepted_match(point, staff, mentor, opened["id"])

    async def matched() -> bool:
        seen = await api.get(f"{API}/consultations/{opened['id']}", headers=owner.headers)
        return bool(seen.json()["status"] == "matched")

    await eventually(matched)
    assert (await ask(9)).status_code == 201
