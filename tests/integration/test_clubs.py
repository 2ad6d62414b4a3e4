"""School clubs through the gateway: an advisor registers their school's club and logs its
activities; coverage of schools against the 50% target, overall, by ward and by level."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from faststream.nats import NatsBroker

from shared.contracts.rpc.competitions.figures import CompetitionsFiguresRequest
from shared.infra.broker import call
from tests.integration.conftest import bearer, login
from tests.integration.test_competitions import ADMIN, API, broker, capi, staff  # noqa: F401

HCMC = ZoneInfo("Asia/Ho_Chi_Minh")
SCHOOLS = 20  # the gateway's seeded reference data


async def test_clubs_activities_and_coverage(capi: httpx.AsyncClient, broker: NatsBroker) -> None:  # noqa: F811
    api = capi
    started = datetime.now(UTC) - timedelta(minutes=1)
    advisor = await staff(api, "gv.stem@thcs-go-vap.edu.vn", "school_advisor", "thcs-go-vap")
    neighbour = await staff(api, "gv@th-kim-dong.edu.vn", "school_advisor", "th-kim-dong")
    # A mistyped school code is refused when the account is made (issue 17), not later
    # when the teacher registers the club.
    admin = bearer((await login(api, *ADMIN))["access_token"])
    mistyped = await api.post(
        f"{API}/admin/users",
        json={
            "email": "gv@truong-la.edu.vn",
            "password": "mat-khau-2026",
            "full_name": "Lê Văn Lạ",
            "role": "school_advisor",
            "organization": "truong-khong-co",
        },
        headers=admin,
    )
    assert mistyped.status_code == 422
    assert mistyped.json()["errors"][0]["loc"] == ["body", "organization"]
    club = {"kind": "stem", "name": "CLB STEM Gò Vấp", "members_count": 35, "founded": "2025-09-05"}

    assert (await api.post(f"{API}/clubs", json=club)).status_code == 401
    other_school = await api.post(
        f"{API}/clubs", json={**club, "school": "th-kim-dong"}, headers=advisor.headers
    )
    assert other_school.status_code == 403
    created = await api.post(f"{API}/clubs", json=club, headers=advisor.headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["school"] == "thcs-go-vap"
    assert body["ward"] == "go-vap" and body["level"] == "lower_secondary"
    assert body["active"] is False
    assert (await api.post(f"{API}/clubs", json=club, headers=advisor.headers)).status_code == 409
    club_id = body["id"]

    # a club without activity is not active: no school is covered yet
    coverage = (await api.get(f"{API}/clubs/coverage")).json()
    assert coverage["overall"] == {
        "schools": SCHOOLS,
        "covered": 0,
        "share": 0.0,
        "meets_target": False,
    }
    assert coverage["target"] == 0.5

    today = datetime.now(HCMC).date()
    activity = {"date": today.isoformat(), "title": "Lắp ráp robot dò line", "participants": 24}
    url = f"{API}/clubs/{club_id}/activities"
    assert (await api.post(url, json=activity, headers=neighbour.headers)).status_code == 403
    future = {**activity, "date": (today + timedelta(days=3)).isoformat()}
    assert (await api.post(url, json=future, headers=advisor.headers)).status_code == 422
    logged = await api.post(url, json=activity, headers=advisor.headers)
    assert logged.status_code == 201, logged.text
    assert logged.json()["active"] is True
    assert logged.json()["last_activity"] == today.isoformat()

    recent = (today - timedelta(days=30)).isoformat()
    other_club = {**club, "name": "CLB Robot Kim Đồng", "kind": "robotics", "founded": recent}
    old = await api.post(f"{API}/clubs", json=other_club, headers=neighbour.headers)
    old_id = old.json()["id"]
    long_ago = {**activity, "date": (today - timedelta(days=200)).isoformat()}
    assert (
        await api.post(f"{API}/clubs/{old_id}/activities", json=long_ago, headers=neighbour.headers)
    ).status_code == 422  # before the club was founded
    old_club = {**other_club, "name": "CLB Khoa học Kim Đồng", "founded": "2020-01-01"}
    old_id = (await api.post(f"{API}/clubs", json=old_club, headers=neighbour.headers)).json()["id"]
    assert (
        await api.post(f"{API}/clubs/{old_id}/activities", json=long_ago, headers=neighbour.headers)
    ).status_code == 201

    coverage = (await api.get(f"{API}/clubs/coverage")).json()
    assert coverage["overall"]["covered"] == 1  # the old club's activity is past 180 days
    assert coverage["overall"]["share"] == 0.05
    assert coverage["by_ward"]["go-vap"]["covered"] == 1
    assert coverage["by_ward"]["hanh-thong"]["covered"] == 0
    assert coverage["by_level"]["lower_secondary"]["schools"] == 8
    assert coverage["by_level"]["lower_secondary"]["covered"] == 1

    listed = (await api.get(f"{API}/clubs", params={"active": "true"})).json()
    assert [c["id"] for c in listed["items"]] == [club_id]
    assert (await api.get(f"{API}/clubs", params={"ward": "hanh-thong"})).json()["total"] == 2
    assert (await api.get(f"{API}/clubs/{club_id}")).json()["activities"][0]["participants"] == 24

    figures = await call(
        broker,
        CompetitionsFiguresRequest(start=started, end=datetime.now(UTC) + timedelta(minutes=1)),
        timeout=2,
    )
    assert figures.clubs.registered == 3  # the STEM club and the two of Kim Đồng
    assert figures.clubs.active == 1
    assert figures.clubs.schools == SCHOOLS
    assert figures.clubs.schools_with_active_club == 1
    assert figures.clubs.covered_by_ward["go-vap"] == 1
    assert figures.clubs.meets_target is False
