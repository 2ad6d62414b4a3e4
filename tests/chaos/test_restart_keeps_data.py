"""`make run`, stop, `make run` again: every user, startup, score and locked report is still
there (issue 11). The data lives in the embedded database server's files under the data
folder, and the streams in nats-server's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.infra.testing import eventually
from tests.chaos.conftest import launch
from tests.integration.conftest import bearer
from tests.integration.test_competitions import PASSWORD, competition, known, staff, team
from tests.integration.test_idempotency import owned
from tests.integration.test_registry import startup

pytestmark = pytest.mark.chaos

API = "/api/v1"
FOUNDER = {"email": "ben@example.vn", "password": "mat-khau-ben-2026", "full_name": "Phạm Văn Bền"}
SCORES = {"scores": {"Tính sáng tạo": 8, "Tính khả thi": 7, "Trình bày": 9}}


async def first_run(http: httpx.AsyncClient) -> dict[str, Any]:
    """Everything a district would lose first: an account, a startup, a score, a lock."""
    created = await http.post(f"{API}/auth/register", json={**FOUNDER, "consent": True})
    assert created.status_code == 201, created.text
    login = await http.post(f"{API}/auth/login", json=FOUNDER)
    founder = bearer(login.json()["access_token"])

    async def registered() -> httpx.Response:
        return await http.post(f"{API}/startups", json=startup("Bền Vững Xanh"), headers=founder)

    startup_response = await eventually(registered, until=lambda r: r.status_code == 201)

    organizer = await staff(http, "btc@pgd.govap.vn", "organizer", "education_division")
    advisor = await staff(http, "gv@thcs-go-vap.edu.vn", "school_advisor", "thcs-go-vap")
    judges = [
        await staff(http, "gk1@example.vn", "judge", "youth_union"),
        await staff(http, "gk2@example.vn", "judge", "womens_union"),
    ]
    body = competition(seconds=15)
    made = await http.post(f"{API}/competitions", json=body, headers=organizer.headers)
    assert made.status_code == 201, made.text
    cid = made.json()["id"]
    published = await http.post(f"{API}/competitions/{cid}/publish", headers=organizer.headers)
    assert published.status_code == 200, published.text
    entered = await http.post(
        f"{API}/competitions/{cid}/entries",
        json=team("Đội Ong Vàng", "thcs-go-vap"),
        headers=advisor.headers,
    )
    assert entered.status_code == 201, entered.text
    for judge in judges:
        await known(http, organizer, cid, judge)

    async def assignments() -> list[dict[str, Any]]:
        page = await http.get(f"{API}/judging/assignments", headers=judges[0].headers)
        items: list[dict[str, Any]] = page.json()["items"]
        return items

    await eventually(assignments, timeout=60)
    entry_id = entered.json()["id"]
    scored = await http.post(
        f"{API}/entries/{entry_id}/scores", json=SCORES, headers=judges[0].headers
    )
    assert scored.status_code == 200, scored.text
    assert scored.json()["revision"] == 1

    locked = await http.post(
        f"{API}/reports/district/lock",
        params={"period": "2026-10"},
        headers=await admin_headers(http),
    )
    assert locked.status_code == 201, locked.text
    return {
        "startup_id": startup_response.json()["id"],
        "entry_id": entry_id,
    }


async def test_stop_and_start_again_keeps_everything(tmp_path: Path) -> None:
    stack = launch(tmp_path)
    try:
        async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as http:
            kept = await first_run(http)
    finally:
        assert stack.stop() == 0

    again = launch(tmp_path)  # the same data folder, as a second `make run`
    try:
        async with httpx.AsyncClient(base_url=again.base_url, timeout=30) as http:
            login = await http.post(f"{API}/auth/login", json=FOUNDER)
            assert login.status_code == 200, login.text
            founder = bearer(login.json()["access_token"])
            assert [s["id"] for s in await owned(http, founder)] == [kept["startup_id"]]
            # The judge's score is still there: scoring again is its second revision.
            judge_login = await http.post(
                f"{API}/auth/login",
                json={"email": "gk1@example.vn", "password": PASSWORD},
            )
            judge = bearer(judge_login.json()["access_token"])
            rescored = await http.post(
                f"{API}/entries/{kept['entry_id']}/scores", json=SCORES, headers=judge
            )
            assert rescored.status_code == 200, rescored.text
            assert rescored.json()["revision"] == 2
            versions = await http.get(
                f"{API}/reports/district/versions",
                params={"period": "2026-10"},
                headers=await admin_headers(http),
            )
            assert versions.status_code == 200, versions.text
            assert [v["version"] for v in versions.json()["items"]] == [1]
    finally:
        assert again.stop() == 0


async def admin_headers(http: httpx.AsyncClient) -> dict[str, str]:
    admin = await http.post(
        f"{API}/auth/login", json={"email": "admin@govap.gov.vn", "password": "quan-tri-vien-2026"}
    )
    return bearer(admin.json()["access_token"])
