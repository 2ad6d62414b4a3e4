"""Wards with validity dates across the 2025 reforms, schools and sectors."""

from __future__ import annotations

import httpx
from nats.js import JetStreamContext

from shared.infra.testing import eventually
from tests.integration.conftest import bearer, login, register

API = "/api/v1"


async def admin_headers(api: httpx.AsyncClient) -> dict[str, str]:
    tokens = await login(api, "admin@govap.gov.vn", "quan-tri-vien-2026")
    return bearer(tokens["access_token"])


async def test_ward_sets_follow_their_validity_dates(api: httpx.AsyncClient) -> None:
    current = (await api.get(f"{API}/wards", params={"current": "true"})).json()
    assert {w["name"] for w in current["items"]} == {
        "Phường Hạnh Thông",
        "Phường An Nhơn",
        "Phường Gò Vấp",
        "Phường An Hội Đông",
        "Phường Thông Tây Hội",
        "Phường An Hội Tây",
    }
    assert all(w["current"] for w in current["items"])
    in_2022 = (await api.get(f"{API}/wards", params={"on": "2022-10-01"})).json()
    assert [w["name"] for w in in_2022["items"]][:3] == ["Phường 1", "Phường 3", "Phường 4"]
    assert in_2022["total"] == 16
    assert not any(w["current"] for w in in_2022["items"])
    early_2025 = (await api.get(f"{API}/wards", params={"on": "2025-03-15"})).json()
    assert early_2025["total"] == 12
    hanh_thong = next(w for w in current["items"] if w["code"] == "hanh-thong")
    assert hanh_thong["predecessors"] == ["govap-2025-p1", "govap-2025-p3"]
    everything = (await api.get(f"{API}/wards")).json()
    assert everything["total"] == 16 + 12 + 6


async def test_schools_and_sectors_are_seeded_and_filterable(api: httpx.AsyncClient) -> None:
    schools = (await api.get(f"{API}/schools", params={"ward": "go-vap"})).json()
    assert schools["total"] >= 3
    assert all(s["ward"] == "go-vap" for s in schools["items"])
    levels = {s["level"] for s in (await api.get(f"{API}/schools?page_size=100")).json()["items"]}
    assert levels == {"primary", "lower_secondary", "upper_secondary"}
    sectors = (await api.get(f"{API}/sectors")).json()
    assert any(s["name_vi"] == "Giáo dục" for s in sectors["items"])


async def test_only_admin_writes_reference_data(api: httpx.AsyncClient) -> None:
    school = {
        "code": "thcs-moi",
        "name": "Trường THCS Mới",
        "level": "lower_secondary",
        "ward": "an-nhon",
    }
    assert (await api.post(f"{API}/schools", json=school)).status_code == 401
    await register(api, "founder-ref@example.vn")
    founder = await login(api, "founder-ref@example.vn")
    forbidden = await api.post(
        f"{API}/schools", json=school, headers=bearer(founder["access_token"])
    )
    assert forbidden.status_code == 403
    headers = await admin_headers(api)
    created = await api.post(f"{API}/schools", json=school, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["version"] == 1
    again = await api.post(f"{API}/schools", json=school, headers=headers)
    assert again.status_code == 409
    bad_ward = await api.post(
        f"{API}/schools", json={**school, "code": "x-school", "ward": "atlantis"}, headers=headers
    )
    assert bad_ward.status_code == 422
    updated = await api.put(
        f"{API}/schools/thcs-moi",
        json={**school, "name": "Trường THCS Mới Đổi Tên", "version": 1},
        headers=headers,
    )
    assert updated.json()["version"] == 2
    stale = await api.put(f"{API}/schools/thcs-moi", json={**school, "version": 1}, headers=headers)
    assert stale.status_code == 409
    assert stale.json()["details"]["current_version"] == 2

    # The organization the school became (its advisors' unit) follows its name, ward and
    # closing, so the two never read differently.
    async def unit() -> dict[str, object]:
        found = await api.get(f"{API}/organizations", params={"kind": "school", "page_size": 100})
        item: dict[str, object] = next(i for i in found.json()["items"] if i["code"] == "thcs-moi")
        return item

    assert (await unit())["name"] == "Trường THCS Mới Đổi Tên"
    closed = await api.put(
        f"{API}/schools/thcs-moi",
        json={**school, "name": "Trường THCS Mới", "ward": "go-vap", "active": False, "version": 2},
        headers=headers,
    )
    assert closed.status_code == 200, closed.text
    after = await unit()
    assert (after["name"], after["ward"], after["active"]) == ("Trường THCS Mới", "go-vap", False)

    # What a school edit leaves alone is not copied: the unit renamed on its own keeps its
    # name when only the school's level changes, and a PUT that leaves `active` out keeps
    # the closed school closed.
    renamed = await api.put(
        f"{API}/organizations/thcs-moi",
        json={"name": "Chi đoàn THCS Mới", "kind": "school", "version": after["version"]},
        headers=headers,
    )
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["ward"], renamed.json()["active"]) == ("go-vap", False)
    level_only = {"name": "Trường THCS Mới", "level": "primary", "ward": "go-vap", "version": 3}
    relevelled = await api.put(f"{API}/schools/thcs-moi", json=level_only, headers=headers)
    assert relevelled.status_code == 200, relevelled.text
    assert (relevelled.json()["level"], relevelled.json()["active"]) == ("primary", False)
    kept = await unit()
    assert (kept["name"], kept["active"], kept["version"]) == (
        "Chi đoàn THCS Mới",
        False,
        renamed.json()["version"],
    )


async def test_ward_dates_must_be_ordered_and_predecessors_known(api: httpx.AsyncClient) -> None:
    headers = await admin_headers(api)
    ward = {
        "code": "phuong-thu",
        "name": "Phường Thử",
        "valid_from": "2027-01-01",
        "ward_set": "2027",
    }
    backwards = await api.post(
        f"{API}/wards", json={**ward, "valid_to": "2026-01-01"}, headers=headers
    )
    assert backwards.status_code == 422
    unknown = await api.post(
        f"{API}/wards", json={**ward, "predecessors": ["khong-co"]}, headers=headers
    )
    assert unknown.status_code == 422
    ok = await api.post(f"{API}/wards", json={**ward, "predecessors": ["go-vap"]}, headers=headers)
    assert ok.status_code == 201
    assert ok.json()["current"] is False


async def test_reference_data_is_published_for_other_services(
    api: httpx.AsyncClient, js: JetStreamContext
) -> None:
    async def ward_events() -> int:
        info = await js.stream_info("IDENTITY", subjects_filter="identity.ward.saved.v1")
        return sum((info.state.subjects or {}).values())

    assert await eventually(ward_events, until=lambda n: n >= 34) == 34
