"""The Consultation Point through the gateway, with mentoring and notifications running
against a real nats-server. Mentoring learns startups only from registry events: the tests
publish real `StartupRegisteredV1` envelopes, as the registry would."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from faststream.nats import NatsBroker

from services.mentoring.app import build_app as build_mentoring
from shared.contracts.base import Actor, Envelope, Event, Role, new_id
from shared.contracts.events.registry import (
    StartupRegisteredV1,
    StartupSnapshot,
    StartupStatus,
    StartupStatusChangedV1,
    StartupUpdatedV1,
    Visibility,
)
from shared.contracts.rpc.common import (
    ExportPersonalData,
    personal_data_subject,
)
from shared.contracts.rpc.mentoring.figures import MentoringFigures, MentoringFiguresRequest
from shared.infra.broker import call, make_broker, publish_event
from shared.infra.settings import Settings
from shared.infra.testing import eventually
from tests.integration.conftest import bearer, login, register, running_service

API = "/api/v1"
ADMIN = ("admin@govap.gov.vn", "quan-tri-vien-2026")
HCMC_OFFSET = timedelta(hours=7)
EVERY_DAY = [{"weekday": d, "start": "08:00", "end": "17:00"} for d in range(7)]


@dataclass
class Person:
    id: str
    headers: dict[str, str]


@dataclass
class Point:
    """The gateway with mentoring running, and a broker to publish registry events."""

    api: httpx.AsyncClient
    broker: NatsBroker
    admin: dict[str, str]

    async def founder(self, email: str) -> Person:
        assert (await register(self.api, email)).status_code == 201
        headers = bearer((await login(self.api, email))["access_token"])
        me = (await self.api.get(f"{API}/me", headers=headers)).json()
        return Person(me["id"], headers)

    async def account(self, email: str, role: Role, name: str = "Trần Thu Hà") -> Person:
        body = {
            "email": email,
            "password": "tai-khoan-2026",
            "full_name": name,
            "role": role.value,
            "organization": "business_association",
        }
        created = await self.api.post(f"{API}/admin/users", json=body, headers=self.admin)
        assert created.status_code == 201, created.text
        headers = bearer((await login(self.api, email, "tai-khoan-2026"))["access_token"])
        me = (await self.api.get(f"{API}/me", headers=headers)).json()
        return Person(me["id"], headers)

    async def mentor(
        self, email: str, expertise: list[str], *, name: str = "Chuyên gia", **extra: Any
    ) -> tuple[Person, dict[str, Any]]:
        """A mentor account with a profile and availability every day 08:00–17:00."""
        person = await self.account(email, Role.MENTOR, name)
        body = {
            "expertise": expertise,
            "sectors": ["agriculture"],
            "stages": ["mvp"],
            "monthly_capacity": 4,
            "bio": f"{name}: hơn mười năm tư vấn cho doanh nghiệp nhỏ.",
            **extra,
        }

        async def create() -> httpx.Response:
            return await self.api.post(f"{API}/mentors", json=body, headers=person.headers)

        # the profile links to the account once mentoring has heard of it from identity
        created = await eventually(create, until=lambda r: r.status_code != 422)
        assert created.status_code == 201, created.text
        assert created.json()["full_name"] == name
        slots = await self.api.put(
            f"{API}/mentors/{person.id}/availability",
            json={"slots": EVERY_DAY},
            headers=person.headers,
        )
        assert slots.status_code == 200, slots.text
        profile: dict[str, Any] = slots.json()
        return person, profile

    async def startup(self, owner: Person, name: str, **fields: Any) -> str:
        startup_id = new_id()
        await self.publish(
            StartupRegisteredV1(
                startup=snapshot(startup_id, owner.id, name, 1, **fields), actor_id=owner.id
            )
        )
        return startup_id

    async def publish(self, event: Event, aggregate_id: str | None = None) -> None:
        startup = getattr(event, "startup", None)
        key = aggregate_id or (startup.startup_id if startup else new_id())
        await publish_event(self.broker, Envelope.wrap(event, aggregate_id=key))

    async def request(
        self, owner: Person, startup_id: str, topics: list[str], **extra: Any
    ) -> dict[str, Any]:
        body = {
            "startup_id": startup_id,
            "topics": topics,
            "message": "Chúng tôi cần tư vấn đăng ký nhãn hiệu và hợp đồng.",
            "referred_by": "womens_union",
            **extra,
        }

        async def attempt() -> httpx.Response:
            return await self.api.post(f"{API}/consultations", json=body, headers=owner.headers)

        # mentoring learns the startup from the registry's event, then knows its owner
        response = await eventually(attempt, until=lambda r: r.status_code != 404)
        assert response.status_code == 201, response.text
        opened: dict[str, Any] = response.json()
        return opened

    async def figures(self) -> MentoringFigures:
        now = datetime.now(UTC)
        return await call(
            self.broker,
            # a session recorded late counts when it took place, a few hours back
            MentoringFiguresRequest(start=now - timedelta(days=1), end=now + timedelta(hours=1)),
            timeout=5,
        )

    async def export(self, user_id: str) -> dict[str, Any]:
        admin = Actor(id="admin", role=Role.ADMIN)
        answer = await call(
            self.broker,
            ExportPersonalData(user_id=user_id, actor=admin),
            timeout=5,
            subject=personal_data_subject("mentoring"),
        )
        return answer.data


def snapshot(
    startup_id: str, owner_id: str, name: str, version: int, **fields: Any
) -> StartupSnapshot:
    values: dict[str, Any] = {
        "sector": "agriculture",
        "stage": "mvp",
        "ward": "go-vap",
        "status": StartupStatus.SUBMITTED,
        "visibility": Visibility.PUBLIC,
        "women_led": True,
        "youth_led": False,
        "needs": ("legal", "ip"),
        "registered_at": datetime.now(UTC),
        **fields,
    }
    return StartupSnapshot(
        startup_id=startup_id, owner_id=owner_id, name=name, version=version, **values
    )


@pytest.fixture
async def point(settings: Settings, api: httpx.AsyncClient) -> AsyncIterator[Point]:
    async with running_service(build_mentoring, settings, "mentoring"):
        broker = make_broker(settings)
        await broker.connect()
        try:
            admin = bearer((await login(api, *ADMIN))["access_token"])
            yield Point(api, broker, admin)
        finally:
            await broker.stop()


def tomorrow_at(hour: int, minute: int = 0) -> str:
    local = datetime.now(UTC) + HCMC_OFFSET + timedelta(days=1)
    return f"{local.date().isoformat()}T{hour:02d}:{minute:02d}:00+07:00"


async def suggestions(point: Point, staff: Person, request_id: str) -> list[dict[str, Any]]:
    response = await point.api.get(
        f"{API}/consultations/{request_id}/suggestions", headers=staff.headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def accepted_match(point: Point, staff: Person, mentor: Person, request_id: str) -> str:
    proposed = await point.api.post(
        f"{API}/consultations/{request_id}/match",
        json={"mentor_id": mentor.id},
        headers=staff.headers,
    )
    assert proposed.status_code == 201, proposed.text
    match_id: str = proposed.json()["id"]
    accepted = await point.api.post(f"{API}/matches/{match_id}/accept", headers=mentor.headers)
    assert accepted.json()["status"] == "accepted"
    return match_id


async def test_the_whole_consultation(point: Point) -> None:
    api = point.api
    owner = await point.founder("tuvan@example.vn")
    other = await point.founder("khac@example.vn")
    staff = await point.account("staff-m@hdn.govap.vn", Role.ASSOCIATION_STAFF)
    lawyer, _ = await point.mentor("luatsu@hdn.govap.vn", ["ip", "legal", "Hợp đồng"])
    banker, _ = await point.mentor("nganhang@hdn.govap.vn", ["funding"], sectors=[])
    startup_id = await point.startup(owner, "Nước Mắm Gò Vấp")
    request = await point.request(owner, startup_id, ["ip", "legal"])
    rid = request["id"]
    assert request["status"] == "open"

    stolen = {"startup_id": startup_id, "topics": ["ip"], "message": "Không phải dự án của tôi."}
    assert (
        await api.post(f"{API}/consultations", json=stolen, headers=other.headers)
    ).status_code == 403

    ranked = await suggestions(point, staff, rid)
    assert [s["mentor_id"] for s in ranked] == [lawyer.id, banker.id]
    assert ranked[0]["score"] > ranked[1]["score"]
    assert "chuyên môn: sở hữu trí tuệ, pháp lý" in ranked[0]["reasons"]
    # free tags match without accents and are explained in the mentor's own words
    # (on a second startup: the first already has an open request about `legal`)
    second_startup = await point.startup(owner, "Nước Mắm Gò Vấp Hai")
    tagged = await point.request(owner, second_startup, ["hop dong", "Pháp lý"])
    assert tagged["topics"] == ["hop dong", "legal"]
    best = (await suggestions(point, staff, tagged["id"]))[0]
    assert best["mentor_id"] == lawyer.id
    assert best["reasons"][0] == "chuyên môn: hợp đồng, pháp lý"
    listed = await api.get(f"{API}/mentors?topic=HOP%20DONG", headers=staff.headers)
    assert [m["id"] for m in listed.json()["items"]] == [lawyer.id]
    assert listed.json()["items"][0]["expertise"] == ["ip", "legal", "hợp đồng"]
    assert all(s["reasons"] for s in ranked)
    assert (
        await api.get(f"{API}/consultations/{rid}/suggestions", headers=owner.headers)
    ).status_code == 403

    # the lawyer declines: the request reopens and the lawyer is not suggested again
    match = (
        await api.post(
            f"{API}/consultations/{rid}/match", json={"mentor_id": lawyer.id}, headers=staff.headers
        )
    ).json()
    assert match["status"] == "proposed"
    not_yours = await api.post(f"{API}/matches/{match['id']}/accept", headers=banker.headers)
    assert not_yours.status_code == 403
    declined = await api.post(f"{API}/matches/{match['id']}/decline", headers=lawyer.headers)
    assert declined.json()["status"] == "declined"
    reopened = (await api.get(f"{API}/consultations/{rid}", headers=owner.headers)).json()
    assert reopened["status"] == "open"
    assert [s["mentor_id"] for s in await suggestions(point, staff, rid)] == [banker.id]
    again = await api.post(
        f"{API}/consultations/{rid}/match", json={"mentor_id": lawyer.id}, headers=staff.headers
    )
    assert again.status_code == 409
    match_id = await accepted_match(point, staff, banker, rid)

    # sessions: only for the match, inside availability, no double booking of the mentor
    session = {
        "match_id": match_id,
        "starts_at": tomorrow_at(9),
        "ends_at": tomorrow_at(10),
        "mode": "online",
    }
    stranger = await api.post(f"{API}/sessions", json=session, headers=other.headers)
    assert stranger.status_code == 403
    booked = await api.post(f"{API}/sessions", json=session, headers=owner.headers)
    assert booked.status_code == 201, booked.text
    overlap = {**session, "starts_at": tomorrow_at(9, 30), "ends_at": tomorrow_at(11)}
    clash = await api.post(f"{API}/sessions", json=overlap, headers=banker.headers)
    assert clash.status_code == 409
    assert clash.headers["content-type"].startswith("application/problem+json")
    evening = {**session, "starts_at": tomorrow_at(20), "ends_at": tomorrow_at(21)}
    assert (
        await api.post(f"{API}/sessions", json=evening, headers=owner.headers)
    ).status_code == 422
    sid = booked.json()["id"]
    early = await api.post(
        f"{API}/sessions/{sid}/feedback", json={"rating": 5}, headers=owner.headers
    )
    assert early.status_code == 409
    outcome = {"notes": "Hướng dẫn đăng ký nhãn hiệu tại Cục SHTT.", "duration_minutes": 60}
    by_founder = await api.post(
        f"{API}/sessions/{sid}/complete", json=outcome, headers=owner.headers
    )
    assert by_founder.status_code == 403  # the founder's role may not log an outcome
    ahead = await api.post(f"{API}/sessions/{sid}/complete", json=outcome, headers=banker.headers)
    assert ahead.status_code == 409  # tomorrow's session has not started
    # a session held two hours ago: the founder hears about the past, the mentor records it
    held = datetime.now(UTC) - timedelta(hours=2)
    past = {
        "match_id": match_id,
        "starts_at": held.isoformat(),
        "ends_at": (held + timedelta(hours=1)).isoformat(),
        "mode": "online",
    }
    refused = await api.post(f"{API}/sessions", json=past, headers=owner.headers)
    assert refused.status_code == 422
    assert "đã qua" in refused.json()["detail"]
    recorded = await api.post(f"{API}/sessions", json=past, headers=banker.headers)
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["recorded_late"] is True
    sid = recorded.json()["id"]
    done = await api.post(f"{API}/sessions/{sid}/complete", json=outcome, headers=banker.headers)
    assert done.json()["status"] == "completed"

    # only the startup's founder rates, once, 1–5
    rating = {"rating": 4, "comment": "Rất hữu ích"}
    assert (
        await api.post(f"{API}/sessions/{sid}/feedback", json=rating, headers=other.headers)
    ).status_code == 403
    assert (
        await api.post(f"{API}/sessions/{sid}/feedback", json=rating, headers=banker.headers)
    ).status_code == 403
    rated = await api.post(f"{API}/sessions/{sid}/feedback", json=rating, headers=owner.headers)
    assert rated.json()["rating"] == 4
    twice = await api.post(
        f"{API}/sessions/{sid}/feedback", json={"rating": 5}, headers=owner.headers
    )
    assert twice.status_code == 409
    assert (
        await api.post(f"{API}/sessions/{sid}/feedback", json={"rating": 6}, headers=owner.headers)
    ).status_code == 422

    # figures are summed from mentoring's own events a moment after each change
    figures = await eventually(point.figures, until=lambda f: f.average_rating is not None)
    assert figures.requests == 2
    assert figures.matched == 1
    assert figures.sessions_held == 1
    assert figures.sessions_recorded_late == 1
    assert figures.hours == 1.0
    assert figures.average_rating == 4.0
    assert figures.by_topic == {"ip": 1, "legal": 2, "hop dong": 1}
    assert figures.by_referral == {"womens_union": 2}
    assert figures.by_ward == {"go-vap": 2}

    # the founder hears of the proposal and the session
    async def kinds() -> set[str]:
        response = await api.get(f"{API}/notifications?page_size=50", headers=owner.headers)
        return {str(i["kind"]) for i in response.json()["items"]}

    await eventually(kinds, until=lambda k: {"match_proposed", "session_scheduled"} <= k)


async def test_exclusions_and_batch_matching_beats_greedy(point: Point) -> None:
    api = point.api
    owner = await point.founder("batch@example.vn")
    staff = await point.account("staff-b@hdn.govap.vn", Role.ASSOCIATION_STAFF)
    # the generalist also likes the startup's stage, so it is every request's first choice
    generalist, _ = await point.mentor("tong-hop@hdn.govap.vn", ["ip", "legal"], monthly_capacity=1)
    specialist, _ = await point.mentor("shtt@hdn.govap.vn", ["ip"], stages=[], monthly_capacity=1)
    paused, profile = await point.mentor("nghi@hdn.govap.vn", ["ip", "legal"])
    full, _ = await point.mentor("day@hdn.govap.vn", ["ip", "legal"], monthly_capacity=1)
    pause = await api.patch(
        f"{API}/mentors/{paused.id}",
        json={"version": profile["version"], "paused": True},
        headers=paused.headers,
    )
    assert pause.json()["paused"] is True
    stale = await api.patch(
        f"{API}/mentors/{paused.id}",
        json={"version": profile["version"], "bio": "cũ"},
        headers=paused.headers,
    )
    assert stale.status_code == 409

    first = (await point.request(owner, await point.startup(owner, "Dự án Một"), ["ip"]))["id"]
    second = (await point.request(owner, await point.startup(owner, "Dự án Hai"), ["legal"]))["id"]
    third = (await point.request(owner, await point.startup(owner, "Dự án Ba"), ["ip"]))["id"]
    # the full mentor's only seat this month goes to the third request
    taken = await api.post(
        f"{API}/consultations/{third}/match", json={"mentor_id": full.id}, headers=staff.headers
    )
    assert taken.status_code == 201

    for_first = await suggestions(point, staff, first)
    for_second = await suggestions(point, staff, second)
    assert [s["mentor_id"] for s in for_first] == [generalist.id, specialist.id]
    assert [s["mentor_id"] for s in for_second] == [generalist.id, specialist.id]
    assert all(s["reasons"] and 0 <= s["score"] <= 1 for s in for_first + for_second)
    assert "giai đoạn: sản phẩm khả dụng tối thiểu" in for_first[0]["reasons"]
    assert "lĩnh vực: Nông nghiệp công nghệ cao" in for_first[0]["reasons"]
    score = {
        (rid, s["mentor_id"]): s["score"]
        for rid, items in ((first, for_first), (second, for_second))
        for s in items
    }
    greedy = score[first, generalist.id] + score[second, specialist.id]
    optimal = score[first, specialist.id] + score[second, generalist.id]
    assert optimal > greedy

    result = await api.post(
        f"{API}/consultations/batch-match",
        json={"request_ids": [first, second]},
        headers=staff.headers,
    )
    assert result.status_code == 200, result.text
    body = result.json()
    assert {(m["request_id"], m["mentor_id"]) for m in body["proposed"]} == {
        (first, specialist.id),
        (second, generalist.id),
    }
    assert body["unmatched"] == []
    assert body["total_score"] == pytest.approx(optimal, abs=1e-3)

    # every seat is now promised: a further request is left unmatched, not overbooked
    fourth = (await point.request(owner, await point.startup(owner, "Dự án Bốn"), ["ip"]))["id"]
    assert await suggestions(point, staff, fourth) == []
    ours = next(m for m in body["proposed"] if m["mentor_id"] == generalist.id)
    accept = await api.post(f"{API}/matches/{ours['id']}/accept", headers=generalist.headers)
    assert accept.status_code == 200
    assert await suggestions(point, staff, fourth) == []  # accepted, not yet booked: seat held
    more = await api.post(f"{API}/consultations/batch-match", headers=staff.headers)
    assert more.json() == {"proposed": [], "unmatched": [fourth], "total_score": 0.0}
    forbidden = await api.post(f"{API}/consultations/batch-match", headers=owner.headers)
    assert forbidden.status_code == 403


async def test_one_startup_is_never_in_two_sessions_at_once(point: Point) -> None:
    owner = await point.founder("haiphien@example.vn")
    staff = await point.account("staff-s@hdn.govap.vn", Role.ASSOCIATION_STAFF)
    lawyer, _ = await point.mentor("ls2@hdn.govap.vn", ["legal"])
    investor, _ = await point.mentor("ndt@hdn.govap.vn", ["funding"])
    startup_id = await point.startup(owner, "Gốm Xanh")
    legal = (await point.request(owner, startup_id, ["legal"]))["id"]
    money = (await point.request(owner, startup_id, ["funding"]))["id"]
    with_lawyer = await accepted_match(point, staff, lawyer, legal)
    with_investor = await accepted_match(point, staff, investor, money)
    at_nine = {"starts_at": tomorrow_at(9), "ends_at": tomorrow_at(10), "mode": "in_person"}
    first = await point.api.post(
        f"{API}/sessions", json={**at_nine, "match_id": with_lawyer}, headers=owner.headers
    )
    assert first.status_code == 201, first.text
    clash = await point.api.post(
        f"{API}/sessions", json={**at_nine, "match_id": with_investor}, headers=owner.headers
    )
    assert clash.status_code == 409
    later = {"starts_at": tomorrow_at(10), "ends_at": tomorrow_at(11), "mode": "in_person"}
    back_to_back = await point.api.post(
        f"{API}/sessions", json={**later, "match_id": with_investor}, headers=owner.headers
    )
    assert back_to_back.status_code == 201, back_to_back.text

    # two bookings racing for the same hour: exactly one wins
    at_two = {"starts_at": tomorrow_at(14), "ends_at": tomorrow_at(15), "mode": "online"}
    racing = await asyncio.gather(
        point.api.post(
            f"{API}/sessions", json={**at_two, "match_id": with_lawyer}, headers=owner.headers
        ),
        point.api.post(
            f"{API}/sessions", json={**at_two, "match_id": with_investor}, headers=owner.headers
        ),
    )
    assert sorted(r.status_code for r in racing) == [201, 409]


async def test_read_model_keeps_the_newest_startup_snapshot(point: Point) -> None:
    owner = await point.founder("docgia@example.vn")
    startup_id = await point.startup(owner, "Trà Sen")
    await point.request(owner, startup_id, ["market"])  # learnt from the registered event
    rejected = snapshot(startup_id, owner.id, "Trà Sen", 3, status=StartupStatus.REJECTED)
    await point.publish(
        StartupStatusChangedV1(
            startup=rejected,
            from_status=StartupStatus.SUBMITTED,
            to_status=StartupStatus.REJECTED,
            reason="Hồ sơ chưa đủ",
            actor_id="staff",
        )
    )
    # an older update arrives late: it must not bring the rejected startup back
    older = snapshot(startup_id, owner.id, "Trà Sen", 2)
    await point.publish(StartupUpdatedV1(startup=older, changed=("summary",), actor_id=owner.id))
    marker = await point.startup(owner, "Dấu mốc")
    await point.request(owner, marker, ["market"])  # the consumer has passed the late event
    body = {"startup_id": startup_id, "topics": ["market"], "message": "Xin tư vấn thị trường."}
    refused = await point.api.post(f"{API}/consultations", json=body, headers=owner.headers)
    assert refused.status_code == 422, refused.text
    assert "từ chối" in refused.json()["detail"]


async def test_personal_data_export_and_erasure_keep_the_counts(point: Point) -> None:
    api = point.api
    owner = await point.founder("xoa@example.vn")
    staff = await point.account("staff-x@hdn.govap.vn", Role.ASSOCIATION_STAFF)
    mentor, _ = await point.mentor("xoa-cg@hdn.govap.vn", ["ip"], name="Ngô Bảo Châu")
    rid = (await point.request(owner, await point.startup(owner, "Mây Tre"), ["ip"]))["id"]
    match_id = await accepted_match(point, staff, mentor, rid)
    held = datetime.now(UTC) - timedelta(hours=3)
    slot = {
        "match_id": match_id,
        "starts_at": held.isoformat(),
        "ends_at": (held + timedelta(hours=1)).isoformat(),
    }
    sid = (await api.post(f"{API}/sessions", json=slot, headers=mentor.headers)).json()["id"]
    outcome = {"notes": "Đã rà soát hồ sơ nhãn hiệu.", "duration_minutes": 45}
    await api.post(f"{API}/sessions/{sid}/complete", json=outcome, headers=mentor.headers)
    await api.post(
        f"{API}/sessions/{sid}/feedback",
        json={"rating": 5, "comment": "Tuyệt vời"},
        headers=owner.headers,
    )

    mine = (await api.get(f"{API}/me/data", headers=mentor.headers)).json()
    held = mine["services"]["mentoring"]
    assert held["mentor_profile"]["bio"].startswith("Ngô Bảo Châu")
    assert held["sessions"][0]["notes"] == "Đã rà soát hồ sơ nhãn hiệu."
    before = await eventually(
        point.figures, until=lambda f: f.sessions_held == 1 and f.average_rating is not None
    )

    for person in (owner, mentor):
        assert (await api.delete(f"{API}/me", headers=person.headers)).status_code == 202

    async def erased() -> dict[str, Any]:
        return await point.export(mentor.id)

    # Erasure is several writes (profile, then each session): wait for the last of them,
    # not the first, before asserting what the person can still be found by.
    data = await eventually(
        erased,
        until=lambda d: (
            d["mentor_profile"]["bio"] == ""
            and all(session["notes"] == "" for session in d["sessions"])
        ),
    )
    assert data["mentor_profile"]["full_name"] is None
    assert data["mentor_profile"]["active"] is False
    assert data["sessions"][0]["notes"] == ""
    founder_data = await eventually(
        lambda: point.export(owner.id),
        until=lambda d: (
            d["consultation_requests"][0]["message"] == ""
            and all(session["comment"] == "" for session in d["sessions"])
        ),
    )
    assert founder_data["sessions"][0]["comment"] == ""
    listed = (await api.get(f"{API}/mentors", headers=staff.headers)).json()
    assert mentor.id not in [m["id"] for m in listed["items"]]
    assert await point.figures() == before  # the district's counts do not change
