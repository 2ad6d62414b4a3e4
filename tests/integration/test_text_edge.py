"""Every character a person can type, through the public API (issue 14): refused input is a 422
naming the field, never a 500; what is stored is NFC and free of what the edge refuses; an
invisible character neither hides a startup from search nor makes a duplicate name new."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.infra.testing import eventually
from tests.integration.conftest import bearer, login, register
from tests.integration.test_registry import founder, startup, wait_ready

API = "/api/v1"
ADMIN = ("admin@govap.gov.vn", "quan-tri-vien-2026")
JSON = {"Content-Type": "application/json"}
# Function-scoped fixtures (the API client) are shared by the examples on purpose: each
# example is one more request to the same running gateway.
EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def raw(body: dict[str, Any]) -> str:
    """JSON as a client may send it: `ensure_ascii` writes a lone surrogate as `\\ud83d`."""
    return json.dumps(body)


def clean_text(value: str, allowed: str = "") -> bool:
    return unicodedata.is_normalized("NFC", value) and not any(
        unicodedata.category(ch) in ("Cs", "Cf")
        or (unicodedata.category(ch) == "Cc" and ch not in allowed)
        for ch in value
    )


def names_field(response: httpx.Response, field: str) -> bool:
    errors = response.json().get("errors") or []
    return any(field in error["loc"] for error in errors)


async def account(
    api: httpx.AsyncClient, email: str, role: str, organization: str
) -> dict[str, str]:
    admin = bearer((await login(api, *ADMIN))["access_token"])
    body = {
        "email": email,
        "password": "mat-khau-can-bo-2026",
        "full_name": "Võ Thị Hồng",
        "role": role,
        "organization": organization,
    }
    assert (await api.post(f"{API}/admin/users", json=body, headers=admin)).status_code == 201
    return bearer((await login(api, email, "mat-khau-can-bo-2026"))["access_token"])


async def test_a_lone_surrogate_is_a_422_naming_the_field(registry_api: httpx.AsyncClient) -> None:
    api = registry_api
    owner = await founder(api, "surrogate@example.vn")
    mentor = await account(api, "mentor@hdn.govap.vn", "mentor", "business_association")
    organizer = await account(api, "btc@quandoan.govap.vn", "organizer", "youth_union")
    lone = "Gò Vấp \ud83d"
    cases: list[tuple[str, dict[str, str], dict[str, Any], str]] = [
        ("/startups", owner, startup(lone), "name"),
        (
            "/consultations",
            owner,
            {"startup_id": "s-1", "topics": ["gọi vốn"], "message": f"Xin tư vấn {lone}"},
            "message",
        ),
        ("/mentors", mentor, {"expertise": ["gọi vốn"], "monthly_capacity": 3, "bio": lone}, "bio"),
        ("/competitions", organizer, {"title": f"Cuộc thi {lone}"}, "title"),
        ("/initiatives", owner, {"title": f"Sáng kiến {lone}"}, "title"),
    ]
    for path, headers, body, field in cases:
        response = await api.post(f"{API}{path}", content=raw(body), headers={**headers, **JSON})
        assert response.status_code == 422, (path, response.text)
        assert names_field(response, field), (path, response.text)


async def test_control_characters_in_a_topic_are_refused(registry_api: httpx.AsyncClient) -> None:
    owner = await founder(registry_api, "topic@example.vn")
    for topic in ("gọi\x16vốn", "gọi\x00vốn"):
        body = {"startup_id": "s-1", "topics": [topic], "message": "Xin tư vấn về gọi vốn ạ."}
        response = await registry_api.post(
            f"{API}/consultations", content=raw(body), headers={**owner, **JSON}
        )
        assert response.status_code == 422, response.text
        assert names_field(response, "topics")


async def test_an_invisible_character_neither_hides_nor_duplicates_a_name(
    registry_api: httpx.AsyncClient,
) -> None:
    api = registry_api
    owner = await founder(api, "zwsp@example.vn")
    await wait_ready(api, owner)
    created = await api.post(f"{API}/startups", json=startup("Gò V\u200bấp Xanh"), headers=owner)
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Gò Vấp Xanh"

    async def search() -> list[str]:
        found = await api.get(f"{API}/startups", params={"q": "go vap"}, headers=owner)
        return [item["id"] for item in found.json()["items"]]

    await eventually(search, until=lambda ids: created.json()["id"] in ids)
    again = await api.post(f"{API}/startups", json=startup("Gò Vấp Xanh"), headers=owner)
    assert again.status_code == 409, again.text
    twin = await api.post(f"{API}/startups", json=startup("Gò Vấp\u2060 Xanh"), headers=owner)
    assert twin.status_code == 409, twin.text


async def test_a_summary_keeps_its_paragraphs(registry_api: httpx.AsyncClient) -> None:
    api = registry_api
    owner = await founder(api, "paragraphs@example.vn")
    await wait_ready(api, owner)
    summary = (
        "Điều 1. Mục đích\r\nKết nối nông dân.\r\n\r\nĐiều 2. Phạm vi\n1. Gò Vấp\n2. Hạnh Thông"
    )
    created = await api.post(f"{API}/startups", json=startup(summary=summary), headers=owner)
    assert created.status_code == 201, created.text
    expected = "Điều 1. Mục đích\nKết nối nông dân.\n\nĐiều 2. Phạm vi\n1. Gò Vấp\n2. Hạnh Thông"
    assert created.json()["summary"] == expected
    read = await api.get(f"{API}/startups/{created.json()['id']}", headers=owner)
    assert read.json()["summary"] == expected


async def test_null_in_a_startup_edit_is_a_422_and_needs_are_a_set(
    registry_api: httpx.AsyncClient,
) -> None:
    api = registry_api
    owner = await founder(api, "nulls@example.vn")
    await wait_ready(api, owner)
    created = await api.post(f"{API}/startups", json=startup("Rau Sạch Gò Vấp"), headers=owner)
    assert created.status_code == 201, created.text
    path = f"{API}/startups/{created.json()['id']}"
    for field in ("stage", "women_led", "name", "summary"):
        response = await api.patch(path, json={"version": 1, field: None}, headers=owner)
        assert response.status_code == 422, (field, response.text)
        assert names_field(response, field), response.text
    cleared = await api.patch(path, json={"version": 1, "website": None}, headers=owner)
    assert cleared.status_code == 200, cleared.text
    # The website was empty: clearing it changes nothing, so the version stays as it was.
    assert cleared.json()["version"] == 1
    edited = await api.patch(
        path, json={"version": cleared.json()["version"], "needs": ["ip", "ip"]}, headers=owner
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["needs"] == ["ip"]


async def test_null_name_on_me_is_a_422_and_null_phone_removes_it(api: httpx.AsyncClient) -> None:
    await register(api, "me-null@example.vn", phone="0912345678")
    me = bearer((await login(api, "me-null@example.vn"))["access_token"])
    refused = await api.patch(f"{API}/me", json={"full_name": None}, headers=me)
    assert refused.status_code == 422, refused.text
    assert names_field(refused, "full_name")
    removed = await api.patch(f"{API}/me", json={"phone": None}, headers=me)
    assert removed.status_code == 200, removed.text
    assert removed.json()["phone"] is None


@EXAMPLES
@given(name=st.text(max_size=80), summary=st.text(max_size=300))
async def test_no_text_reaches_a_500_and_stored_text_is_clean(
    registry_api: httpx.AsyncClient, name: str, summary: str
) -> None:
    api = registry_api
    email = "fuzz@example.vn"
    if (await register(api, email)).status_code not in (201, 409):
        raise AssertionError("registration failed")
    owner = bearer((await login(api, email))["access_token"])
    body = startup(name, summary=summary)
    created = await api.post(f"{API}/startups", content=raw(body), headers={**owner, **JSON})
    assert created.status_code in (201, 409, 422), created.text
    if created.status_code == 201:
        assert clean_text(created.json()["name"])
        assert clean_text(created.json()["summary"], "\n\t")
    search = await api.get(f"{API}/startups", params={"q": name[:200]}, headers=owner)
    assert search.status_code in (200, 422), search.text
    me = await api.patch(f"{API}/me", content=raw({"full_name": name}), headers={**owner, **JSON})
    assert me.status_code in (200, 422), me.text
    if me.status_code == 200:
        assert clean_text(me.json()["full_name"])
    signup = await api.post(
        f"{API}/auth/register",
        content=raw({"email": "x@example.vn", "password": "p" * 12, "full_name": summary}),
        headers=JSON,
    )
    assert signup.status_code in (201, 409, 422), signup.text
