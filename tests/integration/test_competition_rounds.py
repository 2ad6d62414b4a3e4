"""A two-round competition with public winners and verifiable certificates, end to end
through the gateway against real NATS and the database server (issue 17): a draft edited
with its version, a second round with its own judge, a withdrawn entry, a cut with a tie at
the line, results naming startups with ranks, ties, prizes and winners, and certificates
for winners, participants and judges (JSON, PDF, one's own list, revocation)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import httpx
import pypdf
from faststream.nats import NatsBroker
from pymongo import AsyncMongoClient

from shared.contracts.base import Envelope, new_id
from shared.contracts.events.registry import StartupRegisteredV1, StartupSnapshot
from shared.infra.broker import publish_event
from shared.infra.mongo import Document
from shared.infra.settings import Settings
from shared.infra.testing import eventually
from tests.integration.conftest import bearer, login, register
from tests.integration.test_competitions import (  # noqa: F401 (fixtures)
    API,
    PASSWORD,
    User,
    broker,
    capi,
    competition,
    known,
    staff,
)


async def named_founder(api: httpx.AsyncClient, email: str, full_name: str) -> User:
    registered = await register(api, email, password=PASSWORD, full_name=full_name)
    assert registered.status_code == 201, registered.text
    token = (await login(api, email, PASSWORD))["access_token"]
    return User(registered.json()["id"], bearer(token))


async def startup_of(bus: NatsBroker, owner: User, name: str) -> str:
    startup_id = new_id()
    snapshot = StartupSnapshot(
        startup_id=startup_id,
        owner_id=owner.id,
        name=name,
        sector="energy",
        stage="mvp",
        ward="go-vap",
        status="verified",
        visibility="public",
        women_led=False,
        youth_led=True,
        team_size=2,
        registered_at=datetime.now(UTC),
        version=2,
    )
    event = StartupRegisteredV1(startup=snapshot, actor_id=owner.id)
    await publish_event(bus, Envelope.wrap(event, aggregate_id=startup_id))
    return startup_id


def all_criteria(value: float) -> dict[str, Any]:
    return {"scores": {"Tính sáng tạo": value, "Tính khả thi": value, "Trình bày": value}}


async def test_two_rounds_public_winners_and_certificates(
    capi: httpx.AsyncClient,  # noqa: F811
    broker: NatsBroker,  # noqa: F811
) -> None:
    api = capi
    organizer = await staff(api, "btc@vong.govap.vn", "organizer", "youth_union")
    other = await staff(api, "btc@khac.govap.vn", "organizer", "womens_union")
    j1 = await staff(api, "gk-v1a@example.vn", "judge", "economic_division")
    j2 = await staff(api, "gk-v1b@example.vn", "judge", "education_division")
    j3 = await staff(api, "gk-v2@example.vn", "judge", "youth_union")
    names = ["Năng Lượng Xanh", "Rau Sạch Gò Vấp", "Gạo Ngon Việt", "Trà Sữa Ấm", "Bánh Mì Rút"]
    founders = [
        await named_founder(api, f"sang-lap-{i}@vong.example.vn", f"Nguyễn Thị Ngọc Ánh {i}")
        for i in range(5)
    ]
    startups = [await startup_of(broker, f, n) for f, n in zip(founders, names, strict=True)]

    # a draft is edited with the version read; a stale version is a 409
    body = competition(
        12,
        kind="youth_startup",
        eligibility={"entrants": "startup"},
        winners=1,
        title="Khởi nghiệp Thanh niên — bản nháp",
    )
    created = await api.post(f"{API}/competitions", json=body, headers=organizer.headers)
    assert created.status_code == 201, created.text
    cid, version = created.json()["id"], created.json()["version"]
    url = f"{API}/competitions/{cid}"
    edit = {"version": version, "title": "Cuộc thi Khởi nghiệp Thanh niên Gò Vấp 2026"}
    edited = await api.patch(url, json=edit, headers=organizer.headers)
    assert edited.status_code == 200, edited.text
    assert edited.json()["title"] == edit["title"]
    assert (await api.patch(url, json=edit, headers=organizer.headers)).status_code == 409
    assert (await api.patch(url, json=edit, headers=other.headers)).status_code == 404

    # the final round: its own judge, deadline and rubric
    final = {
        "title": "Chung kết",
        "judging_deadline": (datetime.now(UTC) + timedelta(hours=3)).isoformat(),
        "rubric": body["rubric"],
        "judges": [j3.id],
        "judges_per_entry": 1,
        "normalisation": "raw_mean",
    }

    async def add_final() -> httpx.Response:
        return await api.post(f"{url}/rounds", json=final, headers=organizer.headers)

    added = await eventually(add_final, until=lambda r: r.status_code != 422)
    assert added.status_code == 201, added.text
    assert [r["number"] for r in added.json()["rounds"]] == [1, 2]
    published = await api.post(f"{url}/publish", headers=organizer.headers)
    assert published.status_code == 200, published.text
    fresh = {"version": published.json()["version"], "title": "Đổi tên sau khi mở"}
    assert (await api.patch(url, json=fresh, headers=organizer.headers)).status_code == 409

    async def enter(i: int) -> httpx.Response:
        entry = {"startup_id": startups[i], "title": names[i], "description": "Mô tả dự án"}
        return await api.post(f"{url}/entries", json=entry, headers=founders[i].headers)

    entries = []
    for i in range(5):
        entered = await eventually(partial(enter, i), until=lambda r: r.status_code != 422)
        assert entered.status_code == 201, entered.text
        entries.append(entered.json()["id"])
    # the fifth withdraws before the deadline (only their own)
    assert (
        await api.post(f"{API}/entries/{entries[4]}/withdraw", headers=founders[0].headers)
    ).status_code == 403
    withdrawn = await api.post(f"{API}/entries/{entries[4]}/withdraw", headers=founders[4].headers)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["withdrawn_at"] is not None
    for judge in (j1, j2):
        await known(api, organizer, cid, judge)

    async def judging_plan() -> dict[str, list[str]]:
        view = await api.get(f"{url}/judging", headers=organizer.headers)
        plan: dict[str, list[str]] = view.json()["assignments"]
        return plan

    plan = await eventually(judging_plan, timeout=20)
    assert set(plan) == set(entries[:4])  # the withdrawn entry is not judged
    late = await api.post(f"{API}/entries/{entries[0]}/withdraw", headers=founders[0].headers)
    assert late.status_code == 409

    marks = dict(zip(entries[:4], [9.0, 7.0, 7.0, 5.0], strict=True))
    judges = {j.id: j for j in (j1, j2, j3)}
    for entry_id, ids in plan.items():
        for judge_id in ids:
            scored = await api.post(
                f"{API}/entries/{entry_id}/scores",
                json=all_criteria(marks[entry_id]),
                headers=judges[judge_id].headers,
            )
            assert scored.status_code == 200, scored.text

    # round 1 closes: the top 2, and the entry tied with the second goes on too
    assert (
        await api.post(f"{url}/rounds/2/advance", json={"top": 2}, headers=organizer.headers)
    ).status_code == 409
    advanced = await api.post(f"{url}/rounds/1/advance", json={"top": 2}, headers=organizer.headers)
    assert advanced.status_code == 200, advanced.text
    assert advanced.json()["advanced"] == entries[:3]
    assert advanced.json()["eliminated"] == [entries[3]]
    assert advanced.json()["tie_at_cut"] is True

    round_two = await api.get(f"{url}/judging", headers=organizer.headers)
    assert round_two.json()["judges"] == [j3.id]
    assert set(round_two.json()["assignments"]) == set(entries[:3])
    old_judge = await api.post(
        f"{API}/entries/{entries[0]}/scores", json=all_criteria(5), headers=j1.headers
    )
    assert old_judge.status_code == 403  # round 1's judges do not score the final
    for entry_id, value in zip(entries[:3], [8.0, 9.0, 9.0], strict=True):
        scored = await api.post(
            f"{API}/entries/{entry_id}/scores", json=all_criteria(value), headers=j3.headers
        )
        assert scored.status_code == 200, scored.text

    published_results = await api.post(f"{url}/results/publish", headers=organizer.headers)
    assert published_results.status_code == 200, published_results.text
    told = published_results.json()
    assert told["tie_at_prize_line"] is True and told["notice"]

    results = (await api.get(f"{url}/results")).json()
    assert results["rounds"] == 2
    assert results["tie_break_label"] == "Các bài đồng điểm cùng hạng, cùng giải"
    rows = results["rows"]
    assert [(r["entrant"], r["rank"], r["tied"], r["prize"], r["winner"]) for r in rows] == [
        (names[1], 1, True, "Giải Nhất", True),
        (names[2], 1, True, "Giải Nhất", True),
        (names[0], 3, False, None, False),
    ]
    assert rows[0]["final_score"] == 9.0  # raw mean in the final round

    # certificates: winners, participants (the eliminated too), judges; not the withdrawn
    async def mine(user: User) -> list[dict[str, Any]]:
        page = await api.get(f"{API}/me/certificates", headers=user.headers)
        assert page.status_code == 200, page.text
        items: list[dict[str, Any]] = page.json()["items"]
        return items

    winner = await eventually(lambda: mine(founders[1]), until=lambda items: len(items) == 1)
    assert (winner[0]["kind"], winner[0]["detail"], winner[0]["valid"]) == (
        "winner",
        "Giải Nhất",
        True,
    )
    assert winner[0]["holder_name"] == f"Nguyễn Thị Ngọc Ánh 1 — {names[1]}"
    assert [c["kind"] for c in await mine(founders[3])] == ["participant"]
    assert [c["kind"] for c in await mine(founders[0])] == ["participant"]
    assert [c["kind"] for c in await mine(j1)] == ["judge"]
    assert [c["kind"] for c in await mine(j3)] == ["judge"]
    assert await mine(founders[4]) == []

    code = winner[0]["code"]
    public = await api.get(f"{API}/certificates/{code}")
    assert public.status_code == 200
    assert public.json()["holder_id"] is None  # the account id only to the holder
    assert public.json()["subject_title"] == "Cuộc thi Khởi nghiệp Thanh niên Gò Vấp 2026"
    own = await api.get(f"{API}/certificates/{code}", headers=founders[1].headers)
    assert own.json()["holder_id"] == founders[1].id
    pdf = await api.get(f"{API}/certificates/{code}.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Nguyễn Thị Ngọc Ánh 1" in text
    assert f"/verify/{code}" in text.replace("\n", "")

    unknown = "CT-" + "A" * 24
    assert (await api.get(f"{API}/certificates/{unknown}")).status_code == 404
    assert (await api.get(f"{API}/certificates/not-a-code")).status_code == 422

    reason = {"reason": "Trao nhầm người nhận"}
    refused = await api.post(
        f"{API}/certificates/{code}/revoke", json=reason, headers=other.headers
    )
    assert refused.status_code == 403
    revoked = await api.post(
        f"{API}/certificates/{code}/revoke", json=reason, headers=organizer.headers
    )
    assert revoked.status_code == 200, revoked.text
    after = (await api.get(f"{API}/certificates/{code}")).json()
    assert after["valid"] is False and after["revoked_reason"] == reason["reason"]
    pdf = await api.get(f"{API}/certificates/{code}.pdf")
    assert "ĐÃ THU HỒI" in pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()


async def test_criteria_named_like_database_operators_are_scored_and_ranked(
    capi: httpx.AsyncClient,  # noqa: F811
    broker: NatsBroker,  # noqa: F811
) -> None:
    """User text is never a field name in the database (issue 14): criteria called "a.b"
    and "$x" are stored, scored, revised and ranked like any other; a NUL in a name is
    refused as text (422), never a 500."""
    api = capi
    organizer = await staff(api, "btc@tieuchi.govap.vn", "organizer", "youth_union")
    judge = await staff(api, "gk@tieuchi.example.vn", "judge", "economic_division")
    owner = await named_founder(api, "sang-lap@tieuchi.example.vn", "Phạm Quốc Đạt")
    startup_id = await startup_of(broker, owner, "Đèn Năng Lượng")
    rubric = {
        "criteria": [{"name": "a.b", "weight": 0.5}, {"name": "$x", "weight": 0.5}],
        "min_score": 0,
        "max_score": 10,
    }
    nul = {**rubric, "criteria": [{"name": "a\x00b", "weight": 1}]}
    body = competition(6, kind="youth_startup", eligibility={"entrants": "startup"})
    refused = await api.post(
        f"{API}/competitions", json={**body, "rubric": nul}, headers=organizer.headers
    )
    assert refused.status_code == 422
    created = await api.post(
        f"{API}/competitions",
        json={**body, "rubric": rubric, "judges_per_entry": 1},
        headers=organizer.headers,
    )
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    assert [c["name"] for c in created.json()["rubric"]["criteria"]] == ["a.b", "$x"]
    assert (
        await api.post(f"{API}/competitions/{cid}/publish", headers=organizer.headers)
    ).status_code == 200
    entry = {"startup_id": startup_id, "title": "Đèn đường", "description": "Mô tả"}

    async def enter() -> httpx.Response:
        return await api.post(
            f"{API}/competitions/{cid}/entries", json=entry, headers=owner.headers
        )

    entered = await eventually(enter, until=lambda r: r.status_code != 422)
    assert entered.status_code == 201, entered.text
    await known(api, organizer, cid, judge)

    async def assigned() -> list[dict[str, Any]]:
        page = await api.get(f"{API}/judging/assignments", headers=judge.headers)
        items: list[dict[str, Any]] = page.json()["items"]
        return items

    await eventually(assigned, timeout=20)
    url = f"{API}/entries/{entered.json()['id']}/scores"
    first = await api.post(url, json={"scores": {"a.b": 6, "$x": 8}}, headers=judge.headers)
    assert first.status_code == 200, first.text
    assert first.json()["scores"] == {"a.b": 6, "$x": 8}
    revised = await api.post(url, json={"scores": {"a.b": 7, "$x": 9}}, headers=judge.headers)
    assert revised.json()["revision"] == 2
    assert (await assigned())[0]["scores"] == {"a.b": 7, "$x": 9}
    published = await api.post(
        f"{API}/competitions/{cid}/results/publish", headers=organizer.headers
    )
    assert published.status_code == 200, published.text
    row = (await api.get(f"{API}/competitions/{cid}/results")).json()["rows"][0]
    assert row["criteria_means"] == {"a.b": 7, "$x": 9}
    assert row["raw_mean"] == 8


async def test_entering_right_after_verification_reads_the_registry(
    registry_api: httpx.AsyncClient,
    capi: httpx.AsyncClient,  # noqa: F811
    settings: Settings,
    mongo: AsyncMongoClient[Document],
) -> None:
    """Read-your-writes (issue 13): when competitions has not seen the startup (here: its
    copy removed, as if the events were still on their way), the entry asks the registry
    by request–reply, as the founder, and is accepted."""
    api = capi
    organizer = await staff(api, "btc@ryw.govap.vn", "organizer", "youth_union")
    checker = await staff(api, "hdn@ryw.govap.vn", "association_staff", "business_association")
    owner = await named_founder(api, "sang-lap@ryw.example.vn", "Đỗ Thị Hồng Nhung")
    created = await api.post(
        f"{API}/startups",
        json={
            "name": "Xanh Hạnh Thông",
            "summary": "Ứng dụng kết nối nông dân với bếp ăn trường học ở Gò Vấp.",
            "sector": "agriculture",
            "stage": "mvp",
            "ward": "go-vap",
            "youth_led": True,
            "needs": ["legal"],
        },
        headers=owner.headers,
    )
    assert created.status_code == 201, created.text
    sid = created.json()["id"]
    verified = await api.post(
        f"{API}/startups/{sid}/verify", json={"version": 1}, headers=checker.headers
    )
    assert verified.status_code == 200, verified.text
    copies = mongo[settings.database_name("competitions")]["startups"]

    async def seen() -> dict[str, Any] | None:
        return await copies.find_one({"_id": sid, "status": "verified"})

    await eventually(seen, timeout=20)
    await copies.delete_one({"_id": sid})  # competitions has not seen it (yet)

    body = competition(60, kind="youth_startup")
    body["eligibility"] = {"entrants": "startup", "verified_only": True}
    comp = await api.post(f"{API}/competitions", json=body, headers=organizer.headers)
    cid = comp.json()["id"]
    assert (
        await api.post(f"{API}/competitions/{cid}/publish", headers=organizer.headers)
    ).status_code == 200
    entry = {"startup_id": sid, "title": "Rau sạch cho trường", "description": "Mô tả"}
    entered = await api.post(f"{API}/competitions/{cid}/entries", json=entry, headers=owner.headers)
    assert entered.status_code == 201, entered.text
    assert entered.json()["startup_name"] == "Xanh Hạnh Thông"
    kept = await copies.find_one({"_id": sid})
    assert kept is not None and kept["version"] == verified.json()["version"]
