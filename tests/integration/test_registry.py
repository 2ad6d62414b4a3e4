"""Registry through the gateway: lifecycle, permissions, duplicates, Vietnamese search,
history and figures, against a real nats-server."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from faststream.nats import NatsBroker
from nats.js import JetStreamContext

from shared.contracts.rpc.registry import RegistryFigures, RegistryFiguresRequest
from shared.infra.broker import call, make_broker
from shared.infra.settings import Settings
from shared.infra.testing import eventually
from tests.integration.conftest import bearer, login, register

API = "/api/v1"
ADMIN = ("admin@govap.gov.vn", "quan-tri-vien-2026")


async def founder(api: httpx.AsyncClient, email: str) -> dict[str, str]:
    await register(api, email)
    return bearer((await login(api, email))["access_token"])


async def staff(api: httpx.AsyncClient, email: str = "staff@hdn.govap.vn") -> dict[str, str]:
    admin = bearer((await login(api, *ADMIN))["access_token"])
    body = {
        "email": email,
        "password": "can-bo-tu-van-2026",
        "full_name": "Trương Quốc Bảo",
        "role": "association_staff",
        "organization": "business_association",
    }
    assert (await api.post(f"{API}/admin/users", json=body, headers=admin)).status_code == 201
    return bearer((await login(api, email, "can-bo-tu-van-2026"))["access_token"])


def startup(name: str = "Đổi Mới Xanh", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "summary": "Ứng dụng kết nối nông dân với bếp ăn trường học ở Gò Vấp.",
        "sector": "agriculture",
        "stage": "mvp",
        "ward": "go-vap",
        "women_led": True,
        "needs": ["legal", "ip"],
        **extra,
    }


async def create(api: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await api.post(f"{API}/startups", json=startup(**body), headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def wait_ready(api: httpx.AsyncClient, headers: dict[str, str]) -> None:
    """Wards and sectors reach the registry's read model from the gateway's events."""

    async def attempt() -> int:
        probe = startup("Thăm dò", sector="not-yet")
        return (await api.post(f"{API}/startups", json=probe, headers=headers)).status_code

    await eventually(attempt, until=lambda s: s == 422)


async def test_lifecycle_and_who_sees_what(
    registry_api: httpx.AsyncClient, js: JetStreamContext
) -> None:
    api = registry_api
    owner = await founder(api, "owner@example.vn")
    other = await founder(api, "other@example.vn")
    checker = await staff(api)
    decomposed = unicodedata.normalize("NFD", "Đổi Mới Xanh")
    created = await create(
        api, owner, name=decomposed, tax_code="0312345678", founder_birth_year=2000
    )
    assert created["status"] == "submitted"
    assert created["name"] == "Đổi Mới Xanh"  # stored NFC
    assert created["youth_led"] is True  # derived from the birth year
    assert created["team"][0]["is_founder"] is True
    assert created["team"][0]["name"] == "Lê Minh Châu"
    sid = created["id"]

    assert (await api.get(f"{API}/startups/{sid}")).status_code == 404  # not listed yet
    assert (await api.get(f"{API}/startups/{sid}", headers=other)).status_code == 404
    assert (await api.get(f"{API}/startups/{sid}", headers=owner)).json()[
        "tax_code"
    ] == "0312345678"

    forbidden = await api.post(f"{API}/startups/{sid}/verify", headers=owner)
    assert forbidden.status_code == 403
    verified = await api.post(f"{API}/startups/{sid}/verify", json={"version": 1}, headers=checker)
    assert verified.status_code == 200, verified.text
    assert verified.json()["status"] == "verified"

    public = (await api.get(f"{API}/startups/{sid}")).json()
    assert public["status"] == "verified"
    assert public["team"] is None
    assert public["tax_code"] is None
    assert public["owner_id"] is None
    assert (await api.get(f"{API}/startups/{sid}", headers=other)).json()["tax_code"] is None

    edit = await api.patch(
        f"{API}/startups/{sid}", json={"version": 2, "stage": "revenue"}, headers=other
    )
    assert edit.status_code == 403
    activated = await api.post(
        f"{API}/startups/{sid}/status", json={"to_status": "active"}, headers=owner
    )
    assert activated.json()["status"] == "active"
    graduated = await api.post(
        f"{API}/startups/{sid}/status", json={"to_status": "graduated"}, headers=owner
    )
    assert graduated.status_code == 403  # only staff graduate a startup
    wrong = await api.post(
        f"{API}/startups/{sid}/reject", json={"reason": "trùng"}, headers=checker
    )
    assert wrong.status_code == 422  # an active startup cannot be rejected

    # one event per change, published once
    async def subjects() -> dict[str, int]:
        info = await js.stream_info("REGISTRY", subjects_filter="registry.>")
        return dict(info.state.subjects or {})

    counts = await eventually(subjects, until=lambda s: sum(s.values()) == 3)
    assert counts == {
        "registry.startup.registered.v1": 1,
        "registry.startup.status_changed.v1": 2,
    }

    history = (await api.get(f"{API}/startups/{sid}/history", headers=owner)).json()["items"]
    assert [h["to_status"] for h in history] == ["submitted", "verified", "active"]
    assert history[1]["actor_id"] != history[0]["actor_id"]
    assert (await api.get(f"{API}/startups/{sid}/history", headers=other)).status_code == 403


async def test_rejection_edit_and_resubmission(registry_api: httpx.AsyncClient) -> None:
    api = registry_api
    owner = await founder(api, "resubmit@example.vn")
    checker = await staff(api, "staff2@hdn.govap.vn")
    sid = (await create(api, owner))["id"]
    no_reason = await api.post(f"{API}/startups/{sid}/reject", json={}, headers=checker)
    assert no_reason.status_code == 422
    rejected = await api.post(
        f"{API}/startups/{sid}/reject",
        json={"reason": "Thiếu mô tả mô hình kinh doanh"},
        headers=checker,
    )
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["rejection_reason"] == "Thiếu mô tả mô hình kinh doanh"
    assert (await api.get(f"{API}/startups/{sid}")).status_code == 404

    stale = await api.patch(
        f"{API}/startups/{sid}",
        json={"version": 1, "summary": "Mô tả mới đầy đủ hơn nhiều."},
        headers=owner,
    )
    assert stale.status_code == 409
    assert stale.json()["details"]["current_version"] == 2
    edited = await api.patch(
        f"{API}/startups/{sid}",
        json={"version": 2, "summary": "Mô hình thu phí theo đơn hàng từ bếp ăn."},
        headers=owner,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["version"] == 3
    again = await api.post(
        f"{API}/startups/{sid}/status", json={"to_status": "submitted"}, headers=owner
    )
    assert again.json()["status"] == "submitted"
    assert again.json()["rejection_reason"] is None


async def test_duplicates_name_the_existing_record(registry_api: httpx.AsyncClient) -> None:
    api = registry_api
    first = await founder(api, "dup1@example.vn")
    second = await founder(api, "dup2@example.vn")
    existing = await create(api, first, name="Trà Sữa Đổi Mới", tax_code="0309876543")
    same_name = await api.post(
        f"{API}/startups", json=startup(name="tra sua  DOI MOI"), headers=first
    )
    assert same_name.status_code == 409
    assert same_name.json()["details"]["existing"]["id"] == existing["id"]
    # another founder may use the same name, not the same tax code
    assert (
        await api.post(f"{API}/startups", json=startup(name="Trà Sữa Đổi Mới"), headers=second)
    ).status_code == 201
    same_tax = await api.post(
        f"{API}/startups", json=startup(name="Khác Hẳn", tax_code="0309876543"), headers=second
    )
    assert same_tax.status_code == 409
    assert same_tax.json()["details"]["existing"]["id"] == existing["id"]
    assert "name" not in same_tax.json()["details"]["existing"]  # not another founder's data


async def test_bounds_and_reference_checks(registry_api: httpx.AsyncClient) -> None:
    api = registry_api
    owner = await founder(api, "bounds@example.vn")
    cases: list[dict[str, Any]] = [
        {"ward": "govap-2022-p1"},  # a ward of an earlier set
        {"sector": "space-mining"},
        {"tax_code": "12345"},
        {"stage": "unicorn"},
        {"name": "x"},
        {"needs": ["legal", "astrology"]},
        {"founding_date": "2999-01-01"},
        {"name": {"$ne": None}},
    ]
    for extra in cases:
        response = await api.post(f"{API}/startups", json=startup(**extra), headers=owner)
        assert response.status_code == 422, (extra, response.text)
    assert (await api.get(f"{API}/startups", params={"page_size": 101})).status_code == 422
    assert (await api.get(f"{API}/startups", params={"page": 0})).status_code == 422
    assert (await api.get(f"{API}/startups", params={"ward": "0"})).status_code == 422
    assert (await api.get(f"{API}/startups", params={"q": "x" * 201})).status_code == 422
    mine = (await api.get(f"{API}/startups", headers=owner)).json()
    assert mine["total"] == 0  # nothing was stored by the refused requests


async def test_vietnamese_search(registry_api: httpx.AsyncClient) -> None:
    api = registry_api
    owner = await founder(api, "search@example.vn")
    checker = await staff(api, "staff3@hdn.govap.vn")
    names = {
        "exact": "Đổi mới nông nghiệp",
        "plain": "Doi moi cong nghe",
        "other_tone": "Đối mới thời trang",
        "hoa_old": "Hoà Bình Xanh",
        "thuy": "Thủy sản sạch",
        "unrelated": "Bánh mì Gò Vấp",
    }
    ids = {}
    for number, (key, name) in enumerate(names.items()):
        created = await create(api, owner, name=name, summary=f"Mô tả ngắn cho dự án thứ {number}.")
        ids[key] = created["id"]
        await api.post(f"{API}/startups/{created['id']}/verify", headers=checker)

    async def found(q: str) -> list[str]:
        response = await api.get(f"{API}/startups", params={"q": q})
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    doi_moi = {ids["exact"], ids["plain"], ids["other_tone"]}
    for spelling in ("doi moi", "ĐỔI MỚI", "Đổi Mới", "đổi   mới"):
        assert set(await found(spelling)) == doi_moi, spelling
    ranked = await found("Đổi Mới")
    assert ranked[0] == ids["exact"]  # exact diacritics first
    assert set(await found("doi moi nong")) == {ids["exact"]}  # every word is needed
    assert await found("hòa bình") == [ids["hoa_old"]]  # either tone placement
    assert await found("hoà") == [ids["hoa_old"]]
    assert await found("thuỷ") == [ids["thuy"]]
    assert await found("go vap") == [ids["unrelated"]]
    assert await found("khong co gi") == []
    filtered = await api.get(f"{API}/startups", params={"q": "doi moi", "stage": "idea"})
    assert filtered.json()["total"] == 0
    page = (await api.get(f"{API}/startups", params={"q": "doi moi", "page_size": 2})).json()
    assert page["total"] == 3
    assert len(page["items"]) == 2


async def test_figures_for_a_period(registry_api: httpx.AsyncClient, settings: Settings) -> None:
    api = registry_api
    owner = await founder(api, "figures@example.vn")
    checker = await staff(api, "staff4@hdn.govap.vn")
    a = await create(api, owner, name="Một", women_led=True, founder_birth_year=1999)
    await create(api, owner, name="Hai", women_led=False, sector="education", ward="an-nhon")
    await api.post(f"{API}/startups/{a['id']}/verify", headers=checker)
    await api.post(f"{API}/startups/{a['id']}/status", json={"to_status": "active"}, headers=owner)

    broker: NatsBroker = make_broker(settings)
    await broker.connect()
    try:
        now = datetime.now(UTC)
        this_period = RegistryFiguresRequest(
            start=now - timedelta(hours=1), end=now + timedelta(hours=1)
        )

        async def current() -> RegistryFigures:
            return await call(broker, this_period, timeout=5)

        # figures are summed from the registry's own events, a moment after each change
        figures = await eventually(current, until=lambda f: f.active == 1 and f.registered == 2)
        earlier = RegistryFiguresRequest(
            start=now - timedelta(days=60), end=now - timedelta(days=30)
        )
        empty = await call(broker, earlier, timeout=5)
    finally:
        await broker.stop()
    assert figures.registered == 2
    assert figures.verified == 1
    assert figures.active == 1
    assert figures.women_led == 1
    assert figures.youth_led == 1
    assert figures.by_ward == {"go-vap": 1, "an-nhon": 1}
    assert figures.by_sector == {"agriculture": 1, "education": 1}
    assert figures.by_stage == {"mvp": 2}
    assert empty.registered == 0
    assert empty.active == 0
