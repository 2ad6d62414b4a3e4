"""The Consultation Point through the gateway, with the registry, mentoring and
notifications services running against a real nats-server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from services.mentoring.app import build_app as build_mentoring
from services.registry.app import build_app as build_registry
from shared.contracts.rpc.common import FiguresRequest, figures_subject
from shared.contracts.rpc.mentoring import MentoringFigures
from shared.infra.broker import call, make_broker
from shared.infra.settings import Settings
from shared.infra.testing import eventually
from tests.integration.conftest import bearer, login, running_service
from tests.integration.test_registry import create, founder, staff, wait_ready

API = "/api/v1"
ADMIN = ("admin@govap.gov.vn", "quan-tri-vien-2026")
HCMC_OFFSET = timedelta(hours=7)
EVERY_DAY = [{"weekday": d, "start": "08:00", "end": "17:00"} for d in range(7)]


@pytest.fixture
async def consultation_point(
    settings: Settings, api: httpx.AsyncClient
) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        running_service(build_registry, settings, "registry"),
        running_service(build_mentoring, settings, "mentoring"),
    ):
        yield api


async def mentor_account(api: httpx.AsyncClient, email: str, name: str) -> dict[str, str]:
    admin = bearer((await login(api, *ADMIN))["access_token"])
    body = {
        "email": email,
        "password": "chuyen-gia-2026",
        "full_name": name,
        "role": "mentor",
        "organization": "business_association",
    }
    assert (await api.post(f"{API}/admin/users", json=body, headers=admin)).status_code == 201
    return bearer((await login(api, email, "chuyen-gia-2026"))["access_token"])


async def profile(
    api: httpx.AsyncClient, headers: dict[str, str], expertise: list[str], **extra: object
) -> str:
    body = {
        "expertise": expertise,
        "sectors": ["agriculture"],
        "stages": ["mvp"],
        "monthly_capacity": 4,
        **extra,
    }
    created = await api.post(f"{API}/mentors", json=body, headers=headers)
    assert created.status_code == 201, created.text
    mentor_id: str = created.json()["id"]
    slots = await api.put(
        f"{API}/mentors/{mentor_id}/availability", json={"slots": EVERY_DAY}, headers=headers
    )
    assert slots.status_code == 200, slots.text
    return mentor_id


async def open_request(
    api: httpx.AsyncClient, headers: dict[str, str], startup_id: str, topics: list[str]
) -> dict[str, object]:
    body = {
        "startup_id": startup_id,
        "topics": topics,
        "message": "Chúng tôi cần tư vấn đăng ký nhãn hiệu và hợp đồng.",
        "referred_by": "womens_union",
    }

    async def attempt() -> httpx.Response:
        return await api.post(f"{API}/consultations", json=body, headers=headers)

    # the mentoring service learns the startup from the registry's event
    response = await eventually(attempt, until=lambda r: r.status_code != 404)
    assert response.status_code == 201, response.text
    opened: dict[str, object] = response.json()
    return opened


def tomorrow_at(hour: int) -> str:
    local = datetime.now(UTC) + HCMC_OFFSET + timedelta(days=1)
    return f"{local.date().isoformat()}T{hour:02d}:00:00+07:00"


async def test_the_whole_consultation(
    consultation_point: httpx.AsyncClient, settings: Settings
) -> None:
    api = consultation_point
    owner = await founder(api, "tuvan@example.vn")
    await wait_ready(api, owner)
    checker = await staff(api, "staff-m@hdn.govap.vn")
    lawyer = await mentor_account(api, "luatsu@hdn.govap.vn", "Luật sư Hà")
    banker = await mentor_account(api, "nganhang@hdn.govap.vn", "Chuyên gia Tài")
    lawyer_id = await profile(api, lawyer, ["ip", "legal", "Hợp đồng"])
    banker_id = await profile(api, banker, ["funding"], sectors=[])
    startup = await create(api, owner, name="Nước Mắm Gò Vấp")
    request = await open_request(api, owner, startup["id"], ["ip", "legal"])
    rid = request["id"]
    assert request["status"] == "open"

    other = await founder(api, "khac@example.vn")
    stolen = await api.post(
        f"{API}/consultations",
        json={
            "startup_id": startup["id"],
            "topics": ["ip"],
            "message": "Không phải dự án của tôi.",
        },
        headers=other,
    )
    assert stolen.status_code == 403

    ranked = (await api.get(f"{API}/consultations/{rid}/suggestions", headers=checker)).json()[
        "items"
    ]
    assert [s["mentor_id"] for s in ranked] == [lawyer_id, banker_id]
    assert ranked[0]["score"] > ranked[1]["score"]
    assert "chuyên môn: sở hữu trí tuệ, pháp lý" in ranked[0]["reasons"]
    assert (
        await api.get(f"{API}/consultations/{rid}/suggestions", headers=owner)
    ).status_code == 403

    # the lawyer declines: the request reopens and the lawyer is not suggested again
    match = (
        await api.post(
            f"{API}/consultations/{rid}/match", json={"mentor_id": lawyer_id}, headers=checker
        )
    ).json()
    assert (
        await api.post(f"{API}/matches/{match['id']}/accept", headers=banker)
    ).status_code == 403
    declined = await api.post(f"{API}/matches/{match['id']}/decline", headers=lawyer)
    assert declined.json()["status"] == "declined"
    reopened = (await api.get(f"{API}/consultations/{rid}", headers=owner)).json()
    assert reopened["status"] == "open"
    again = (await api.get(f"{API}/consultations/{rid}/suggestions", headers=checker)).json()[
        "items"
    ]
    assert [s["mentor_id"] for s in again] == [banker_id]
    match = (
        await api.post(
            f"{API}/consultations/{rid}/match", json={"mentor_id": banker_id}, headers=checker
        )
    ).json()
    accepted = await api.post(f"{API}/matches/{match['id']}/accept", headers=banker)
    assert accepted.json()["status"] == "accepted"

    # sessions: inside availability, no double booking
    session = {
        "match_id": match["id"],
        "starts_at": tomorrow_at(9),
        "ends_at": tomorrow_at(10),
        "mode": "online",
    }
    booked = await api.post(f"{API}/sessions", json=session, headers=owner)
    assert booked.status_code == 201, booked.text
    overlap = {
        **session,
        "starts_at": tomorrow_at(9).replace(":00:00", ":30:00"),
        "ends_at": tomorrow_at(11),
    }
    assert (await api.post(f"{API}/sessions", json=overlap, headers=banker)).status_code == 409
    evening = {**session, "starts_at": tomorrow_at(20), "ends_at": tomorrow_at(21)}
    assert (await api.post(f"{API}/sessions", json=evening, headers=owner)).status_code == 422
    sid = booked.json()["id"]
    early = await api.post(f"{API}/sessions/{sid}/feedback", json={"rating": 5}, headers=owner)
    assert early.status_code == 409
    done = await api.post(
        f"{API}/sessions/{sid}/complete",
        json={"notes": "Hướng dẫn đăng ký nhãn hiệu tại Cục SHTT.", "duration_minutes": 60},
        headers=banker,
    )
    assert done.json()["status"] == "completed"
    assert (
        await api.post(f"{API}/sessions/{sid}/feedback", json={"rating": 4}, headers=other)
    ).status_code == 403
    rated = await api.post(
        f"{API}/sessions/{sid}/feedback",
        json={"rating": 4, "comment": "Rất hữu ích"},
        headers=owner,
    )
    assert rated.json()["rating"] == 4
    assert (
        await api.post(f"{API}/sessions/{sid}/feedback", json={"rating": 5}, headers=owner)
    ).status_code == 409
    assert (
        await api.post(f"{API}/sessions/{sid}/feedback", json={"rating": 6}, headers=owner)
    ).status_code == 422

    broker = make_broker(settings)
    await broker.connect()
    try:
        now = datetime.now(UTC)
        figures = await call(
            broker,
            FiguresRequest(start=now - timedelta(hours=1), end=now + timedelta(hours=1)),
            MentoringFigures,
            timeout=5,
            subject=figures_subject("mentoring"),
        )
    finally:
        await broker.stop()
    assert figures.requests == 1
    assert figures.matched == 1
    assert figures.sessions_held == 1
    assert figures.hours == 1.0
    assert figures.average_rating == 4.0
    assert figures.by_topic == {"ip": 1, "legal": 1}
    assert figures.by_referral == {"womens_union": 1}
    assert figures.by_ward == {"go-vap": 1}

    # the founder hears of the proposal and the session
    async def kinds() -> set[str]:
        items = (await api.get(f"{API}/notifications?page_size=50", headers=owner)).json()["items"]
        return {str(i["kind"]) for i in items}

    await eventually(kinds, until=lambda k: {"match_proposed", "session_scheduled"} <= k)


async def test_batch_matching_respects_capacity(consultation_point: httpx.AsyncClient) -> None:
    api = consultation_point
    owner = await founder(api, "batch@example.vn")
    await wait_ready(api, owner)
    checker = await staff(api, "staff-b@hdn.govap.vn")
    solo = await mentor_account(api, "solo@hdn.govap.vn", "Chuyên gia Một")
    await profile(api, solo, ["ip", "legal"], monthly_capacity=1)
    requests = []
    for number in range(3):
        startup = await create(api, owner, name=f"Dự án {number}")
        requests.append((await open_request(api, owner, startup["id"], ["ip"]))["id"])
    result = await api.post(
        f"{API}/consultations/batch-match", json={"request_ids": requests}, headers=checker
    )
    assert result.status_code == 200, result.text
    body = result.json()
    assert len(body["proposed"]) == 1  # one seat left this month
    assert len(body["unmatched"]) == 2
    assert (await api.post(f"{API}/consultations/batch-match", headers=owner)).status_code == 403
