"""Competitions through the gateway against a real nats-server: rubric validation,
eligibility, deadlines, consent, conflict exclusion (school, declared), blind review,
judging that begins by itself, scores, results, figures and permissions.

The registry is not started: its startup events are published here, as it would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from faststream.nats import NatsBroker
from nats.js import JetStreamContext

from services.competitions.app import build_app as build_competitions
from shared.contracts.base import Envelope, new_id
from shared.contracts.events.registry import StartupRegisteredV1, StartupSnapshot
from shared.contracts.rpc.competitions.figures import CompetitionsFiguresRequest
from shared.contracts.streams import ALL_STREAMS
from shared.infra.broker import call, ensure_streams, make_broker, publish_event
from shared.infra.settings import Settings
from shared.infra.testing import eventually
from tests.integration.conftest import bearer, login, register, running_service

API = "/api/v1"
ADMIN = ("admin@govap.gov.vn", "quan-tri-vien-2026")
PASSWORD = "mat-khau-cuoc-thi-2026"
CONSENT = {
    "student_agreed": True,
    "guardian_agreed": True,
    "guardian_name": "Phạm Thị Hoa",
    "recorded_at": "2026-03-02T09:00:00+07:00",
    "notice_version": "2026-01",
}


@dataclass
class User:
    id: str
    headers: dict[str, str]


@pytest.fixture
async def broker(settings: Settings, js: JetStreamContext) -> AsyncIterator[NatsBroker]:
    broker = make_broker(settings)
    await broker.connect()
    await ensure_streams(broker, ALL_STREAMS)
    yield broker
    await broker.stop()


@pytest.fixture
async def capi(settings: Settings, api: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    async with running_service(build_competitions, settings, "competitions"):
        # schools reach the read model from the gateway's reference events
        async def schools() -> int:
            coverage = await api.get(f"{API}/clubs/coverage")
            return int(coverage.json()["overall"]["schools"]) if coverage.status_code == 200 else 0

        await eventually(schools, until=lambda n: n >= 20)
        yield api


async def staff(api: httpx.AsyncClient, email: str, role: str, organization: str) -> User:
    admin = bearer((await login(api, *ADMIN))["access_token"])
    body = {
        "email": email,
        "password": PASSWORD,
        "full_name": "Nguyễn Văn Thành",
        "role": role,
        "organization": organization,
    }
    created = await api.post(f"{API}/admin/users", json=body, headers=admin)
    assert created.status_code == 201, created.text
    return User(created.json()["id"], bearer((await login(api, email, PASSWORD))["access_token"]))


async def founder(api: httpx.AsyncClient, email: str) -> User:
    registered = await register(api, email, password=PASSWORD)
    assert registered.status_code == 201, registered.text
    return User(
        registered.json()["id"], bearer((await login(api, email, PASSWORD))["access_token"])
    )


async def known(api: httpx.AsyncClient, organizer: User, competition_id: str, user: User) -> None:
    """Wait until the competitions service has the account in its read model."""

    async def attempt() -> int:
        body = {"user_id": user.id}
        response = await api.post(
            f"{API}/competitions/{competition_id}/judges", json=body, headers=organizer.headers
        )
        return response.status_code

    await eventually(attempt, until=lambda s: s == 200)


def competition(seconds: float = 4.0, **extra: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "title": "Hội thi Học sinh Gò Vấp sáng tạo 2026",
        "kind": "school_creativity",
        "description": "Ngày hội Học sinh Gò Vấp cùng trải nghiệm sáng tạo.",
        "eligibility": {"entrants": "school_team"},
        "entry_deadline": (now + timedelta(seconds=seconds)).isoformat(),
        "judging_deadline": (now + timedelta(hours=2)).isoformat(),
        "rubric": {
            "criteria": [
                {"name": "Tính sáng tạo", "weight": 0.5},
                {"name": "Tính khả thi", "weight": 0.3},
                {"name": "Trình bày", "weight": 0.2},
            ],
            "min_score": 0,
            "max_score": 10,
        },
        "judges_per_entry": 2,
        **extra,
    }


def team(name: str, school: str, *, consent: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "title": "Máy tưới cây tự động",
        "description": "Cảm biến độ ẩm đất điều khiển bơm nước cho vườn trường.",
        "team": {
            "name": name,
            "school": school,
            "students": [
                {"full_name": "Lê Hoàng Minh Khôi", "grade": 8, "consent": CONSENT},
                {"full_name": "Trần Ngọc Bảo Anh", "grade": 8, "consent": consent or CONSENT},
            ],
        },
    }


async def create_published(api: httpx.AsyncClient, organizer: User, **body: Any) -> dict[str, Any]:
    created = await api.post(
        f"{API}/competitions", json=competition(**body), headers=organizer.headers
    )
    assert created.status_code == 201, created.text
    published = await api.post(
        f"{API}/competitions/{created.json()['id']}/publish", headers=organizer.headers
    )
    assert published.status_code == 200, published.text
    result: dict[str, Any] = published.json()
    return result


async def test_rubric_validation_drafts_and_permissions(capi: httpx.AsyncClient) -> None:
    api = capi
    organizer = await staff(api, "btc@quandoan.govap.vn", "organizer", "youth_union")
    other = await staff(api, "btc@hlhpn.govap.vn", "organizer", "womens_union")
    someone = await founder(api, "sang.lap@example.vn")

    bad = competition()
    bad["rubric"]["criteria"][2]["weight"] = 0.25  # sums to 1.05
    refused = await api.post(f"{API}/competitions", json=bad, headers=organizer.headers)
    assert refused.status_code == 422
    assert "tổng trọng số" in refused.json()["detail"]
    zero = competition()
    zero["rubric"]["criteria"][2]["weight"] = 0
    assert (
        await api.post(f"{API}/competitions", json=zero, headers=organizer.headers)
    ).status_code == 422
    naive = competition()
    naive["entry_deadline"] = "2030-01-01T00:00:00"  # no offset
    assert (
        await api.post(f"{API}/competitions", json=naive, headers=organizer.headers)
    ).status_code == 422

    assert (await api.post(f"{API}/competitions", json=competition())).status_code == 401
    assert (
        await api.post(f"{API}/competitions", json=competition(), headers=someone.headers)
    ).status_code == 403

    created = await api.post(f"{API}/competitions", json=competition(60), headers=organizer.headers)
    assert created.status_code == 201, created.text
    draft = created.json()
    assert draft["status"] == "draft"
    cid = draft["id"]
    # a draft is the organizer's alone
    assert (await api.get(f"{API}/competitions/{cid}")).status_code == 404
    listed = (await api.get(f"{API}/competitions")).json()
    assert cid not in [c["id"] for c in listed["items"]]
    assert (
        await api.post(f"{API}/competitions/{cid}/publish", headers=other.headers)
    ).status_code == 404
    published = await api.post(f"{API}/competitions/{cid}/publish", headers=organizer.headers)
    assert published.json()["status"] == "published"
    again = await api.post(f"{API}/competitions/{cid}/publish", headers=organizer.headers)
    assert again.status_code == 409
    public = (await api.get(f"{API}/competitions/{cid}")).json()
    assert public["judges"] is None  # the jury list is the organizer's
    assert (
        await api.post(
            f"{API}/competitions/{cid}/judges", json={"user_id": someone.id}, headers=other.headers
        )
    ).status_code == 403


async def test_school_contest_from_entries_to_published_results(capi: httpx.AsyncClient) -> None:
    api = capi
    organizer = await staff(api, "btc@pgd.govap.vn", "organizer", "education_division")
    adv1 = await staff(api, "gv@thcs-go-vap.edu.vn", "school_advisor", "thcs-go-vap")
    adv2 = await staff(api, "gv@thcs-nguyen-du.edu.vn", "school_advisor", "thcs-nguyen-du")
    adv3 = await staff(api, "gv@thpt-go-vap.edu.vn", "school_advisor", "thpt-go-vap")
    j_school = await staff(api, "gk1@example.vn", "judge", "thcs-go-vap")
    j_youth = await staff(api, "gk2@example.vn", "judge", "youth_union")
    j_edu = await staff(api, "gk3@example.vn", "judge", "education_division")
    j_late = await staff(api, "gk4@example.vn", "judge", "womens_union")
    someone = await founder(api, "hoc.sinh@example.vn")

    comp = await create_published(api, organizer, seconds=5)
    cid = comp["id"]
    entries_url = f"{API}/competitions/{cid}/entries"

    # consent of the student and a parent or guardian, for every student
    no_guardian = {**CONSENT, "guardian_agreed": False}
    refused = await api.post(
        entries_url,
        json=team("Đội Ong Vàng", "thcs-go-vap", consent=no_guardian),
        headers=adv1.headers,
    )
    assert refused.status_code == 422
    assert refused.json().get("students_without_consent") == [2] or "đồng ý" in refused.text
    # an advisor enters their own school's teams only
    other_school = await api.post(
        entries_url, json=team("Đội Ong Vàng", "thcs-nguyen-du"), headers=adv1.headers
    )
    assert other_school.status_code == 403
    first = await api.post(
        entries_url, json=team("Đội Ong Vàng", "thcs-go-vap"), headers=adv1.headers
    )
    assert first.status_code == 201, first.text
    assert first.json()["students"][0]["full_name"] == "Lê Hoàng Minh Khôi"  # the advisor's own
    twice = await api.post(
        entries_url, json=team("Đội ong vàng", "thcs-go-vap"), headers=adv1.headers
    )
    assert twice.status_code == 409
    second = await api.post(
        entries_url, json=team("Đội Sóc Nâu", "thcs-nguyen-du"), headers=adv2.headers
    )
    third = await api.post(
        entries_url, json=team("Đội Cá Heo", "thpt-go-vap"), headers=adv3.headers
    )
    assert second.status_code == third.status_code == 201
    e1, e2, e3 = first.json()["id"], second.json()["id"], third.json()["id"]
    # a startup cannot enter a school contest
    startup_entry = {"startup_id": "s-1", "title": "Dự án", "description": "Mô tả dự án"}
    not_for_startups = await api.post(entries_url, json=startup_entry, headers=someone.headers)
    assert not_for_startups.status_code == 422
    assert "đội học sinh" in not_for_startups.json()["detail"]

    # students' names are never shown publicly, nor to the organizer
    organizer_view = (await api.get(entries_url, headers=organizer.headers)).json()
    assert organizer_view["total"] == 3
    assert all(item["students"] is None for item in organizer_view["items"])
    assert "Minh Khôi" not in (await api.get(entries_url, headers=organizer.headers)).text
    own = (await api.get(entries_url, headers=adv2.headers)).json()
    assert [item["id"] for item in own["items"]] == [e2]

    for judge in (j_school, j_youth, j_edu):
        await known(api, organizer, cid, judge)
    not_a_judge = await api.post(
        f"{API}/competitions/{cid}/judges", json={"user_id": someone.id}, headers=organizer.headers
    )
    assert not_a_judge.status_code == 422
    declared = await api.post(
        f"{API}/entries/{e2}/conflicts",
        json={"reason": "Con tôi học ở trường này"},
        headers=j_youth.headers,
    )
    assert declared.status_code == 200, declared.text

    # judging begins by itself at the entry deadline
    async def assigned() -> list[dict[str, Any]]:
        page = await api.get(f"{API}/judging/assignments", headers=j_youth.headers)
        items: list[dict[str, Any]] = page.json()["items"]
        return items

    items = await eventually(assigned, timeout=15)
    late = await api.post(entries_url, json=team("Đội Muộn", "thpt-go-vap"), headers=adv3.headers)
    assert late.status_code == 409

    judging = (await api.get(f"{API}/competitions/{cid}/judging", headers=organizer.headers)).json()
    assert judging["status"] == "judging"
    plan = judging["assignments"]
    assert j_school.id not in plan[e1]  # own school
    assert j_youth.id not in plan[e2]  # declared conflict
    assert all(len(ids) == 2 for ids in plan.values())
    assert judging["short_entries"] == []
    assert sorted(judging["load"].values()) == [2, 2, 2]

    # blind review: content, never the team, school or students
    assert {item["entry_id"] for item in items} == {
        e for e, ids in plan.items() if j_youth.id in ids
    }
    blind = items[0]
    assert blind["description"].startswith("Cảm biến")
    assert blind["team_name"] is None and blind["school"] is None and blind["startup_id"] is None
    raw = (await api.get(f"{API}/judging/assignments", headers=j_youth.headers)).text
    assert "Đội" not in raw and "Minh Khôi" not in raw and "thcs" not in raw

    # a judge added during judging and a new conflict recompute what is not yet scored
    await known(api, organizer, cid, j_late)
    mine = [e for e, ids in plan.items() if j_edu.id in ids]
    conflict = await api.post(
        f"{API}/entries/{mine[0]}/conflicts",
        json={"reason": "Người quen của đội"},
        headers=j_edu.headers,
    )
    assert conflict.json()["reassigned"] is True
    judging = (await api.get(f"{API}/competitions/{cid}/judging", headers=organizer.headers)).json()
    plan = judging["assignments"]
    assert j_edu.id not in plan[mine[0]] and len(plan[mine[0]]) == 2
    assert judging["load"][j_late.id] >= 1
    # the organizer sees the declared conflicts, the judges by name, and nothing scored yet
    conflicts = {(c["judge_id"], c["entry_id"]): c for c in judging["conflicts"]}
    assert conflicts[(j_edu.id, mine[0])]["reason"] == "Người quen của đội"
    assert conflicts[(j_edu.id, mine[0])]["reassigned"] is True
    assert (j_youth.id, e2) in conflicts
    assert judging["judge_names"][j_late.id] == "Nguyễn Văn Thành"
    assert set(judging["scored"].values()) == {0}
    # judges are found by name, tones optional; other roles may not list them
    found = await api.get(f"{API}/judges", params={"q": "nguyen thanh"}, headers=organizer.headers)
    assert found.status_code == 200, found.text
    assert {j_school.id, j_youth.id, j_edu.id, j_late.id} <= {
        i["id"] for i in found.json()["items"]
    }
    assert someone.id not in {i["id"] for i in found.json()["items"]}  # a founder, not a judge
    nobody = await api.get(f"{API}/judges", params={"q": "zzz"}, headers=organizer.headers)
    assert nobody.json()["total"] == 0
    assert (await api.get(f"{API}/judges", headers=j_youth.headers)).status_code == 403
    too_long = await api.get(f"{API}/judges", params={"q": "x" * 81}, headers=organizer.headers)
    assert too_long.status_code == 422

    # scoring: assigned entries only, every criterion in range
    url = f"{API}/entries/{{}}/scores"
    unassigned = next(e for e, ids in plan.items() if j_youth.id not in ids)
    good = {"scores": {"Tính sáng tạo": 8, "Tính khả thi": 7, "Trình bày": 9}}
    assert (
        await api.post(url.format(unassigned), json=good, headers=j_youth.headers)
    ).status_code == 403
    some = next(e for e, ids in plan.items() if j_youth.id in ids)
    out_of_range = {"scores": {"Tính sáng tạo": 11, "Tính khả thi": 7, "Trình bày": 9}}
    assert (
        await api.post(url.format(some), json=out_of_range, headers=j_youth.headers)
    ).status_code == 422
    missing = {"scores": {"Tính sáng tạo": 8}}
    assert (
        await api.post(url.format(some), json=missing, headers=j_youth.headers)
    ).status_code == 422

    # results wait for the scores still owed, and say how many in the reader's language
    early = await api.post(
        f"{API}/competitions/{cid}/results/publish",
        headers={**organizer.headers, "Accept-Language": "vi"},
    )
    assert early.status_code == 409, early.text
    assert early.json()["details"]["reason"] == "scores_missing"
    assert early.json()["details"]["entries"] == 3
    assert f"Còn {early.json()['details']['scores']} lượt chấm của 3 bài" in early.json()["detail"]

    judges = {j.id: j for j in (j_school, j_youth, j_edu, j_late)}
    marks = {e1: 9.0, e2: 6.0, e3: 7.5}
    for entry_id, ids in plan.items():
        for judge_id in ids:
            value = marks[entry_id]
            body = {"scores": {"Tính sáng tạo": value, "Tính khả thi": value, "Trình bày": value}}
            scored = await api.post(
                url.format(entry_id), json=body, headers=judges[judge_id].headers
            )
            assert scored.status_code == 200, scored.text
            assert scored.json()["weighted_total"] == pytest.approx(value)
    judging = (await api.get(f"{API}/competitions/{cid}/judging", headers=organizer.headers)).json()
    assert judging["scored"] == judging["load"]  # everyone scored all they hold
    revised = await api.post(
        url.format(some),
        json={"scores": {"Tính sáng tạo": 9, "Tính khả thi": 9, "Trình bày": 9}},
        headers=j_youth.headers,
    )
    assert revised.json()["revision"] == 2
    # a judge who has scored an entry can no longer declare a conflict on it
    too_late = await api.post(
        f"{API}/entries/{some}/conflicts",
        json={"reason": "Nhớ ra là người quen"},
        headers=j_youth.headers,
    )
    assert too_late.status_code == 409

    assert (await api.get(f"{API}/competitions/{cid}/results")).status_code == 404
    assert (
        await api.post(f"{API}/competitions/{cid}/results/publish", headers=j_youth.headers)
    ).status_code == 403
    published = await api.post(
        f"{API}/competitions/{cid}/results/publish", headers=organizer.headers
    )
    assert published.status_code == 200, published.text
    results = (await api.get(f"{API}/competitions/{cid}/results")).json()
    rows = results["rows"]
    assert [r["rank"] for r in rows] == [1, 2, 3]
    assert {r["entry_id"] for r in rows} == {e1, e2, e3}
    assert set(rows[0]["criteria_means"]) == {"Tính sáng tạo", "Tính khả thi", "Trình bày"}
    assert all({"final_score", "raw_mean"} <= r.keys() for r in rows)
    public = (await api.get(f"{API}/competitions/{cid}/results")).text
    assert "Minh Khôi" not in public and "Bảo Anh" not in public
    # without the students' and guardians' consent to show names: the school's group
    assert all(r["entrant"].startswith("Nhóm học sinh trường ") for r in rows)
    assert all(r["school_name"] and r["school_name"] in r["entrant"] for r in rows)
    assert [r["winner"] for r in rows] == [True, True, True]  # three winners by default
    assert [r["prize"] for r in rows] == ["Giải Nhất", "Giải Nhì", "Giải Ba"]
    # frozen: no more scores
    assert (await api.post(url.format(some), json=good, headers=j_youth.headers)).status_code == 409
    assert (await api.get(f"{API}/judging/assignments", headers=j_youth.headers)).json()[
        "total"
    ] == 0
    # archived: off the active lists, results still public
    early = await api.post(f"{API}/competitions/{cid}/archive", headers=j_youth.headers)
    assert early.status_code == 403
    archived = await api.post(f"{API}/competitions/{cid}/archive", headers=organizer.headers)
    assert archived.json()["status"] == "archived"
    assert (await api.get(f"{API}/competitions/{cid}/results")).status_code == 200
    again = await api.post(f"{API}/competitions/{cid}/archive", headers=organizer.headers)
    assert again.status_code in (409, 422)


def startup_event(owner: User, *, youth_led: bool, ward: str = "go-vap") -> tuple[str, Envelope]:
    startup_id = new_id()
    snapshot = StartupSnapshot(
        startup_id=startup_id,
        owner_id=owner.id,
        name="Xanh Gò Vấp",
        sector="energy",
        stage="mvp",
        ward=ward,
        status="verified",
        visibility="public",
        women_led=False,
        youth_led=youth_led,
        team_size=3,
        registered_at=datetime.now(UTC),
        version=2,
    )
    event = StartupRegisteredV1(startup=snapshot, actor_id=owner.id)
    return startup_id, Envelope.wrap(event, aggregate_id=startup_id)


async def test_startup_eligibility_short_entries_and_figures(
    capi: httpx.AsyncClient, broker: NatsBroker
) -> None:
    api = capi
    organizer = await staff(api, "btc2@quandoan.govap.vn", "organizer", "youth_union")
    judge = await staff(api, "gk-duy-nhat@example.vn", "judge", "economic_division")
    young = await founder(api, "tre@example.vn")
    older = await founder(api, "lon@example.vn")
    young_id, young_event = startup_event(young, youth_led=True)
    older_id, older_event = startup_event(older, youth_led=False, ward="an-nhon")
    await publish_event(broker, young_event)
    await publish_event(broker, older_event)

    started = datetime.now(UTC) - timedelta(minutes=1)
    comp = await create_published(
        api,
        organizer,
        seconds=4,
        kind="youth_startup",
        title="Cuộc thi Khởi nghiệp Thanh niên Gò Vấp",
        eligibility={"entrants": "startup", "youth_led_only": True},
        judges_per_entry=2,
        winners=1,
    )
    cid = comp["id"]
    url = f"{API}/competitions/{cid}/entries"

    def entry(startup_id: str) -> dict[str, Any]:
        return {
            "startup_id": startup_id,
            "title": "Điện mặt trời mái nhà cho hộ kinh doanh",
            "description": "Giảm 30% tiền điện cho các hộ kinh doanh nhỏ.",
        }

    async def enter_young() -> int:
        return (await api.post(url, json=entry(young_id), headers=young.headers)).status_code

    assert await eventually(enter_young, until=lambda s: s != 422) == 201
    assert (await api.post(url, json=entry(young_id), headers=young.headers)).status_code == 409

    async def enter_older() -> httpx.Response:
        return await api.post(url, json=entry(older_id), headers=older.headers)

    not_youth = await eventually(
        enter_older, until=lambda r: "thanh niên" in r.json().get("detail", "")
    )
    assert not_youth.status_code == 422
    # someone else's startup
    assert (await api.post(url, json=entry(young_id), headers=older.headers)).status_code == 403
    await known(api, organizer, cid, judge)

    async def short() -> list[str]:
        view = await api.get(f"{API}/competitions/{cid}/judging", headers=organizer.headers)
        found: list[str] = view.json()["short_entries"]
        return found

    assert len(await eventually(short, timeout=15)) == 1  # one judge for k = 2

    items = (await api.get(f"{API}/judging/assignments", headers=judge.headers)).json()["items"]
    body = {"scores": {"Tính sáng tạo": 8, "Tính khả thi": 8, "Trình bày": 8}}
    scored = await api.post(
        f"{API}/entries/{items[0]['entry_id']}/scores", json=body, headers=judge.headers
    )
    assert scored.status_code == 200
    published = await api.post(
        f"{API}/competitions/{cid}/results/publish", headers=organizer.headers
    )
    assert published.status_code == 200

    figures = await call(
        broker,
        CompetitionsFiguresRequest(start=started, end=datetime.now(UTC) + timedelta(minutes=1)),
        timeout=2,
    )
    assert figures.competitions.held == 1
    assert figures.competitions.entries == 1
    assert figures.competitions.participants == 3
    assert figures.competitions.winners_by_ward == {"go-vap": 1}
