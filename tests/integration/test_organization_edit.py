"""The Economic Division (admin) edits an organization through `PUT /api/v1/organizations/
{code}` at the version it saw: a mistyped name is fixed and a unit that closed is marked
inactive; a stale version (409), an unknown code (404) and an unknown ward (422 naming the
field in Vietnamese or English) change nothing; another role is refused; the events
service's organization read model learns the new name from `identity.organization.saved.v1`."""

from __future__ import annotations

import asyncio
import unicodedata
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from shared.infra.mongo import Document
from shared.infra.settings import Settings
from shared.infra.testing import eventually
from tests.integration.conftest import bearer, login, register
from tests.integration.test_events import body as event_body
from tests.integration.test_web_forms import browser, field_error, post_form, web_login

API = "/api/v1"
ADMIN = ("admin@govap.gov.vn", "quan-tri-vien-2026")
UNIT = "youth_union"  # seeded: "Đoàn Thanh niên Gò Vấp", a district unit with no ward


async def organization(api: httpx.AsyncClient, code: str) -> dict[str, Any]:
    """The organization `code` as `GET /organizations` lists it."""
    found = await api.get(f"{API}/organizations", params={"page_size": 100})
    assert found.status_code == 200, found.text
    return next(item for item in found.json()["items"] if item["code"] == code)


def fields_of(unit: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The body of a PUT: the unit's fields at its version, with `changes`."""
    body = {key: unit[key] for key in ("name", "kind", "ward", "active", "version")}
    return {**body, **changes}


async def test_admin_renames_and_deactivates_an_organization(
    events_api: httpx.AsyncClient, settings: Settings, mongo: AsyncMongoClient[Document]
) -> None:
    api = events_api
    admin = bearer((await login(api, *ADMIN))["access_token"])
    before = await organization(api, UNIT)
    assert (before["name"], before["active"], before["version"]) == (
        "Đoàn Thanh niên Gò Vấp",
        True,
        1,
    )
    path = f"{API}/organizations/{UNIT}"

    # Another role, or nobody signed in, is refused.
    await register(api, "sang-lap@example.vn")
    founder = bearer((await login(api, "sang-lap@example.vn"))["access_token"])
    assert (await api.put(path, json=fields_of(before, name="Đoàn X"))).status_code == 401
    refused = await api.put(path, json=fields_of(before, name="Đoàn X"), headers=founder)
    assert refused.status_code == 403

    # An unknown code is a 404; an unknown ward a 422 naming the field in the caller's
    # language; neither changes anything.
    unknown = await api.put(f"{API}/organizations/khong-co", json=fields_of(before), headers=admin)
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "not_found"
    bad_ward = fields_of(before, name="Đoàn Sai", ward="atlantis")
    vi = await api.put(path, json=bad_ward, headers={**admin, "Accept-Language": "vi"})
    assert vi.status_code == 422, vi.text
    assert [(e["field"], e["msg"]) for e in vi.json()["errors"]] == [
        ("ward", "phường không tồn tại")
    ]
    # A second admin reading in English (a signed-in user's own locale wins).
    english = {
        "email": "admin-en@govap.gov.vn",
        "password": "mat-khau-du-dai",
        "full_name": "Trần Văn Nam",
        "role": "admin",
        "organization": "economic_division",
        "locale": "en",
    }
    assert (await api.post(f"{API}/admin/users", json=english, headers=admin)).status_code == 201
    admin_en = bearer((await login(api, english["email"]))["access_token"])
    en = await api.put(path, json=bad_ward, headers=admin_en)
    assert [(e["field"], e["msg"]) for e in en.json()["errors"]] == [("ward", "no such ward")]
    assert en.json()["title"] == "Invalid input"
    assert await organization(api, UNIT) == before

    # The edit: a name typed with decomposed diacritics is kept NFC; the unit is inactive.
    typed = unicodedata.normalize("NFD", "Thành Đoàn  Gò Vấp (cũ)")
    saved = await api.put(path, json=fields_of(before, name=typed, active=False), headers=admin)
    assert saved.status_code == 200, saved.text
    assert (saved.json()["name"], saved.json()["active"], saved.json()["version"]) == (
        "Thành Đoàn Gò Vấp (cũ)",
        False,
        2,
    )
    assert await organization(api, UNIT) == saved.json()

    # A stale version changes nothing and says which version is saved now.
    stale = await api.put(path, json=fields_of(before, name="Đoàn Cũ Hơn"), headers=admin)
    assert stale.status_code == 409
    assert stale.json()["details"]["current_version"] == 2
    assert await organization(api, UNIT) == saved.json()

    # The events service's read model (organizers an event may name) learns the change.
    kept = mongo[settings.database_name("events")].organizations

    async def in_events() -> dict[str, Any] | None:
        return await kept.find_one({"_id": UNIT}, {"name": 1, "active": 1, "version": 1})

    assert await eventually(in_events, until=lambda doc: bool(doc and doc["version"] == 2)) == {
        "_id": UNIT,
        "name": "Thành Đoàn Gò Vấp (cũ)",
        "active": False,
        "version": 2,
    }
    # ... and a new event may no longer name it as an organizer (422, nothing created).
    announced = await api.post(
        f"{API}/events", json=event_body(30, organizers=[UNIT, "economic_division"]), headers=admin
    )
    assert announced.status_code == 422, announced.text
    assert announced.json()["details"]["codes"] == [UNIT]
    assert (await api.post(f"{API}/events", json=event_body(30), headers=admin)).status_code == 201


async def test_two_admins_saving_the_same_version_one_wins(api: httpx.AsyncClient) -> None:
    admin = bearer((await login(api, *ADMIN))["access_token"])
    before = await organization(api, "womens_union")
    path = f"{API}/organizations/womens_union"
    first, second = await asyncio.gather(
        api.put(path, json=fields_of(before, name="Hội Phụ nữ Gò Vấp"), headers=admin),
        api.put(path, json=fields_of(before, name="Hội LHPN Gò Vấp"), headers=admin),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    winner = first if first.status_code == 200 else second
    assert await organization(api, "womens_union") == winner.json()
    assert winner.json()["version"] == 2


async def test_an_edit_is_bounded_like_a_new_organization(api: httpx.AsyncClient) -> None:
    admin = bearer((await login(api, *ADMIN))["access_token"])
    before = await organization(api, "economic_division")
    path = f"{API}/organizations/economic_division"
    for bad in (
        fields_of(before, kind="ministry"),
        fields_of(before, name="X"),
        fields_of(before, version=0),
        fields_of(before, ward={"$ne": None}),
        {key: value for key, value in fields_of(before).items() if key != "version"},
    ):
        answer = await api.put(path, json=bad, headers=admin)
        assert answer.status_code == 422, (bad, answer.text)
    assert (
        await api.put(f"{API}/organizations/Bad Code!", json=before, headers=admin)
    ).status_code == 422
    assert await organization(api, "economic_division") == before


async def test_the_edit_page_shows_an_unknown_ward_beside_its_box(api: httpx.AsyncClient) -> None:
    """A ward no longer offered (or a tampered form) is refused beside the ward box, with
    what was typed kept and nothing saved."""
    before = await organization(api, "business_association")
    async with browser(api) as client:
        await web_login(client, *ADMIN)
        form = {"name": "Đoàn Phường Ma", "kind": "district_unit", "ward": "atlantis"}
        path = "/console/admin/reference/organizations/business_association/edit"
        answer = await post_form(client, path, path, {**form, "version": "1", "active": "1"})
    assert answer.status_code == 422, answer.text
    assert field_error(answer.text, "ward") == "phường không tồn tại"
    assert 'value="Đoàn Phường Ma"' in answer.text
    assert await organization(api, "business_association") == before


async def test_a_deactivated_unit_is_no_longer_offered_but_its_members_stay(
    api: httpx.AsyncClient,
) -> None:
    """Once a unit closes, pick lists (`?active=true`, the accounts page, the new-event
    form) leave it out and no account is put in it (422 naming `organization`), while an
    account already in it keeps it through a role change and still shows its name."""
    admin = bearer((await login(api, *ADMIN))["access_token"])
    staff = {
        "email": "can-bo.doan@govap.gov.vn",
        "password": "mat-khau-du-dai",
        "full_name": "Lê Thị Hồng",
        "role": "organizer",
        "organization": UNIT,
    }
    made = await api.post(f"{API}/admin/users", json=staff, headers=admin)
    assert made.status_code == 201, made.text
    before = await organization(api, UNIT)
    closed = await api.put(
        f"{API}/organizations/{UNIT}", json=fields_of(before, active=False), headers=admin
    )
    assert closed.status_code == 200, closed.text

    def codes(answer: httpx.Response) -> set[str]:
        assert answer.status_code == 200, answer.text
        return {item["code"] for item in answer.json()["items"]}

    listed = f"{API}/organizations"
    assert UNIT not in codes(await api.get(listed, params={"active": "true"}))
    assert "economic_division" in codes(await api.get(listed, params={"active": "true"}))
    assert codes(await api.get(listed, params={"active": "false"})) == {UNIT}
    assert UNIT in codes(await api.get(listed, params={"page_size": 100}))

    # Nobody new is put in it, by creation or by a change.
    refused = await api.post(
        f"{API}/admin/users", json={**staff, "email": "moi@govap.gov.vn"}, headers=admin
    )
    assert refused.status_code == 422, refused.text
    assert [(e["loc"][-1], e["msg"]) for e in refused.json()["errors"]] == [
        ("organization", f"tổ chức «{UNIT}» đã ngừng hoạt động; hãy chọn một đơn vị đang hoạt động")
    ]
    other = await api.post(
        f"{API}/admin/users",
        json={**staff, "email": "khac@govap.gov.vn", "organization": "economic_division"},
        headers=admin,
    )
    assert other.status_code == 201, other.text
    moved = await api.patch(
        f"{API}/admin/users/{other.json()['id']}", json={"organization": UNIT}, headers=admin
    )
    assert moved.status_code == 422, moved.text
    # The account already in it keeps it while its role changes (the console sends both).
    kept = await api.patch(
        f"{API}/admin/users/{made.json()['id']}",
        json={"role": "mentor", "organization": UNIT},
        headers=admin,
    )
    assert kept.status_code == 200, kept.text
    assert (kept.json()["role"], kept.json()["organization"]) == ("mentor", UNIT)

    async with browser(api) as client:
        await web_login(client, *ADMIN)
        accounts = await client.get("/console/admin", params={"q": "Lê Thị Hồng"})
        new_event = await client.get("/events/new")
    assert accounts.status_code == 200, accounts.text
    create_form = accounts.text.split('action="/console/admin/users"', 1)[1]
    assert f'value="{UNIT}"' not in create_form
    member_row = accounts.text.split('action="/console/admin/users"', 1)[0]
    assert f'<option value="{UNIT}" selected>{before["name"]} (ngừng hoạt động)' in member_row
    assert new_event.status_code == 200, new_event.text
    assert f'value="{UNIT}"' not in new_event.text
    assert 'value="womens_union"' in new_event.text
