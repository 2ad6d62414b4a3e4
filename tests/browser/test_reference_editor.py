"""The admin's reference-data editor in a real browser (DESIGN §7: wards, sectors, schools
and organizations are data an admin edits): a ward and a sector added from the pages show
in the JSON API and reach the registry's read model (a founder's startup in them is
accepted); a bad code, a missing name and an impossible day are refused next to their
fields with what was typed kept and nothing stored; a stale edit is explained, changes
nothing and can then be saved deliberately; a school and an organization are added; an
organization is renamed (diacritics kept NFC) and deactivated from its page, a stale save
explained in Vietnamese and in English; the English page reads in English; another role
is refused. Axe on the list and forms;
screenshots at 360 and 1280 px."""

from __future__ import annotations

import unicodedata
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from services.gateway.web.console_reference.editor import codes, typed_day
from tests.browser.conftest import (
    ADMIN,
    API,
    PASSWORD,
    api_founder,
    axe_violations,
    create_user,
    poll,
    shoot,
    sign_in,
    token,
)

pytestmark = pytest.mark.browser
BASE = "/console/admin/reference"


def signed_in(
    browser: Browser, base_url: str, email: str, password: str, width: int, *, axe: bool = False
) -> Page:
    """A page of a new browser context signed in as `email`, `width` px wide (outside the
    CSP when `axe`, so axe-core can be injected)."""
    context = browser.new_context(
        base_url=base_url,
        viewport={"width": width, "height": 900},
        locale="vi-VN",
        bypass_csp=axe,
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, email, password)
    return page


def listed(api: httpx.Client, what: str) -> dict[str, dict[str, Any]]:
    """Every item of `/api/v1/<what>` by code."""
    answer = api.get(f"{API}/{what}")
    assert answer.status_code == 200, answer.text
    return {item["code"]: item for item in answer.json()["items"]}


def test_admin_maintains_wards_and_sectors_from_the_pages(
    browser: Browser, base_url: str, api: httpx.Client
) -> None:
    tag = uuid.uuid4().hex[:6]
    wards_before = listed(api, "wards")
    sectors_before = listed(api, "sectors")
    predecessor = next(code for code, w in wards_before.items() if w["current"])
    admin = signed_in(browser, base_url, *ADMIN, width=1280)

    # A ward with a bad code, no name and an impossible day: refused next to each field.
    admin.goto(BASE)
    admin.click(f"a[href='{BASE}/wards/new']")
    admin.fill("#f-code", "Phường Mới")
    admin.fill("#f-valid_from", "31/02/2026")
    admin.fill("#f-predecessors", predecessor)
    admin.fill("#f-ward_set", "2025-07")
    admin.click("#reference-form button[type=submit]")
    for field in ("code", "name", "valid_from"):
        expect(admin.locator(f"#e-{field}")).to_be_visible()
    expect(admin.locator("#e-valid_from")).to_contain_text("ngày/tháng/năm")
    expect(admin.locator("#f-code")).to_have_value("Phường Mới")
    expect(admin.locator("#f-valid_from")).to_have_value("31/02/2026")
    expect(admin.locator("#f-predecessors")).to_have_value(predecessor)
    assert listed(api, "wards").keys() == wards_before.keys()
    shoot(admin, "reference-ward-refused")

    # Corrected: saved, the list says so, the API has it with its dates and predecessor.
    code = f"phuong-thu-{tag}"
    admin.fill("#f-code", code)
    admin.fill("#f-name", "Phường Thử Nghiệm")
    admin.fill("#f-valid_from", "01/01/2026")
    admin.click("#reference-form button[type=submit]")
    expect(admin.locator("#saved")).to_contain_text(code)
    row = admin.locator("#wards tbody tr", has_text=code)
    expect(row).to_contain_text("01/01/2026")
    ward = listed(api, "wards")[code]
    assert (ward["name"], ward["valid_from"], ward["valid_to"]) == (
        "Phường Thử Nghiệm",
        "2026-01-01",
        None,
    )
    assert (ward["predecessors"], ward["ward_set"], ward["version"]) == (
        [predecessor],
        "2025-07",
        1,
    )

    # A stale edit: someone saves the ward meanwhile; nothing changes, the page explains,
    # keeps what was typed and shows what is saved now; saving again is then deliberate.
    row.get_by_role("link").click()
    expect(admin.locator("#f-valid_from")).to_have_value("01/01/2026")
    headers = token(api, *ADMIN)
    other = {**{k: ward[k] for k in ("valid_from", "predecessors", "ward_set")}, "version": 1}
    meanwhile = api.put(
        f"{API}/wards/{code}", json={**other, "name": "Phường Đổi Tên"}, headers=headers
    )
    assert meanwhile.status_code == 200, meanwhile.text
    admin.fill("#f-name", "Phường Của Tôi")
    admin.fill("#f-valid_to", "31/12/2099")
    with admin.expect_response(lambda r: r.request.method == "POST") as refused:
        admin.click("#reference-form button[type=submit]")
    assert refused.value.status == 409
    expect(admin.locator("#form-errors")).to_contain_text("người khác đã lưu")
    expect(admin.locator("#saved-now")).to_contain_text("Phường Đổi Tên")
    expect(admin.locator("#f-name")).to_have_value("Phường Của Tôi")
    expect(admin.locator("#f-valid_to")).to_have_value("31/12/2099")
    kept = listed(api, "wards")[code]
    assert (kept["name"], kept["valid_to"], kept["version"]) == ("Phường Đổi Tên", None, 2)
    shoot(admin, "reference-ward-stale")
    admin.click("#reference-form button[type=submit]")
    expect(admin.locator("#saved")).to_contain_text(code)
    saved = listed(api, "wards")[code]
    assert (saved["name"], saved["valid_to"], saved["version"]) == (
        "Phường Của Tôi",
        "2099-12-31",
        3,
    )

    # A sector: a bad code and no English name refused, then added with both names.
    admin.goto(f"{BASE}/sectors/new")
    admin.fill("#f-code", "nong nghiep")
    admin.fill("#f-name_vi", "Nông nghiệp công nghệ cao")
    admin.click("#reference-form button[type=submit]")
    expect(admin.locator("#e-code")).to_be_visible()
    expect(admin.locator("#e-name_en")).to_be_visible()
    expect(admin.locator("#f-name_vi")).to_have_value("Nông nghiệp công nghệ cao")
    assert listed(api, "sectors").keys() == sectors_before.keys()
    sector = f"nong-nghiep-{tag}"
    admin.fill("#f-code", sector)
    admin.fill("#f-name_en", "High-tech agriculture")
    admin.click("#reference-form button[type=submit]")
    expect(admin.locator("#sectors tbody tr", has_text=sector)).to_have_count(1)
    assert listed(api, "sectors")[sector]["name_en"] == "High-tech agriculture"
    admin.locator("#sectors tbody tr", has_text=sector).get_by_role("link").click()
    expect(admin.locator("#f-name_en")).to_have_value("High-tech agriculture")
    admin.fill("#f-name_en", "High-tech farming")
    admin.click("#reference-form button[type=submit]")
    expect(admin.locator("#saved")).to_contain_text(sector)
    assert listed(api, "sectors")[sector]["name_en"] == "High-tech farming"

    # The registry's read model learns both: a founder's startup in them is accepted.
    founder, _ = api_founder(api, "Lê Thị Mai")
    startup = {
        "name": f"Rau Sạch {tag}",
        "summary": "Trồng rau thủy canh trên sân thượng.",
        "sector": sector,
        "stage": "idea",
        "ward": code,
    }

    def registered() -> httpx.Response | None:
        answer = api.post(f"{API}/startups", json=startup, headers=founder)
        return answer if answer.status_code != 422 else None

    assert poll(registered).status_code == 201

    # A school in the new ward (it becomes an organization too), and an organization.
    admin.goto(f"{BASE}/schools/new")
    admin.fill("#f-code", f"thcs-thu-{tag}")
    admin.fill("#f-name", "Trường THCS Thử Nghiệm")
    admin.select_option("#f-level", "lower_secondary")
    admin.select_option("#f-ward", code)
    admin.click("#reference-form button[type=submit]")
    expect(admin.locator("#schools tbody tr", has_text=f"thcs-thu-{tag}")).to_contain_text(
        "Phường Của Tôi"
    )
    # The school's edit page: it stops being active; an unknown code is a 404 page.
    admin.locator("#schools tbody tr", has_text=f"thcs-thu-{tag}").get_by_role("link").click()
    expect(admin.locator("#f-active")).to_be_checked()
    admin.uncheck("#f-active")
    admin.click("#reference-form button[type=submit]")
    expect(admin.locator("#saved")).to_contain_text(f"thcs-thu-{tag}")
    schools = api.get(f"{API}/schools", params={"ward": code}).json()["items"]
    assert [(s["code"], s["active"], s["version"]) for s in schools] == [
        (f"thcs-thu-{tag}", False, 2)
    ]
    assert admin.request.get(f"{BASE}/schools/khong-co-{tag}/edit").status == 404
    admin.goto(f"{BASE}/organizations/new")
    admin.fill("#f-code", f"clb-{tag}")
    admin.fill("#f-name", "Câu lạc bộ Doanh nhân trẻ")
    admin.select_option("#f-kind", "other")
    admin.click("#reference-form button[type=submit]")
    expect(admin.locator("#organizations tbody tr", has_text=f"clb-{tag}")).to_contain_text(
        "Tổ chức khác"
    )
    units = api.get(f"{API}/organizations", params={"page_size": 100}).json()["items"]
    assert {f"clb-{tag}", f"thcs-thu-{tag}"} <= {u["code"] for u in units}

    # In English the same refusal reads in English.
    admin.context.add_cookies([{"name": "innohub_lang", "value": "en", "url": base_url}])
    admin.goto(f"{BASE}/wards/new")
    admin.fill("#f-valid_from", "2026/13/01")
    admin.click("#reference-form button[type=submit]")
    expect(admin.locator("#e-valid_from")).to_contain_text("day/month/year")
    admin.context.close()

    # The list and the forms at a phone's width and a desktop's; axe finds nothing serious.
    problems: dict[str, Any] = {}
    for width in (360, 1280):
        shown = signed_in(browser, base_url, *ADMIN, width=width, axe=width == 1280)
        for path, name in (
            (BASE, "reference-list"),
            (f"{BASE}/wards/new", "reference-ward-new"),
            (f"{BASE}/schools/new", "reference-school-new"),
            (f"{BASE}/organizations/youth_union/edit", "reference-organization-edit"),
        ):
            shown.goto(path)
            shoot(shown, name)
            if width == 1280 and (found := axe_violations(shown)):
                problems[path] = found
        shown.context.close()
    assert problems == {}

    # Another role is refused every page of the editor.
    organizer = create_user(api, "organizer")
    page = signed_in(browser, base_url, organizer["email"], PASSWORD, width=1280)
    for path in (
        BASE,
        f"{BASE}/wards/new",
        f"{BASE}/wards/{code}/edit",
        f"{BASE}/sectors/new",
        f"{BASE}/organizations/youth_union/edit",
    ):
        assert page.request.get(path, max_redirects=0).status == 403, path
    page.goto(f"{BASE}/wards/new")
    expect(page.locator("main")).to_contain_text("quyền")
    page.context.close()


def test_admin_renames_and_deactivates_an_organization_from_its_page(
    browser: Browser, base_url: str, api: httpx.Client
) -> None:
    tag = uuid.uuid4().hex[:6]
    code = f"clb_khoi_nghiep-{tag}"
    headers = token(api, *ADMIN)
    created = api.post(
        f"{API}/organizations",
        json={"code": code, "name": "Câu lạc bộ Khởi nghiep", "kind": "other"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    admin = signed_in(browser, base_url, *ADMIN, width=1280)

    # From the list to the unit's page: what is saved now, active ticked.
    admin.goto(BASE)
    row = admin.locator("#organizations tbody tr", has_text=code)
    expect(row).not_to_contain_text("ngừng hoạt động")
    row.get_by_role("link").click()
    expect(admin.locator("h1")).to_contain_text(code)
    expect(admin.locator("#f-name")).to_have_value("Câu lạc bộ Khởi nghiep")
    expect(admin.locator("#f-kind")).to_have_value("other")
    expect(admin.locator("#f-active")).to_be_checked()

    # No name: refused next to the box, the unticked box kept, nothing stored.
    admin.fill("#f-name", "")
    admin.uncheck("#f-active")
    admin.click("#reference-form button[type=submit]")
    expect(admin.locator("#e-name")).to_be_visible()
    expect(admin.locator("#f-active")).not_to_be_checked()
    assert listed(api, "organizations?page_size=100")[code]["version"] == 1

    # Someone saves the unit meanwhile: the page says so in Vietnamese, changes nothing,
    # keeps what was typed (decomposed diacritics, as some keyboards send them) and shows
    # what is saved now; saving again is deliberate.
    meanwhile = api.put(
        f"{API}/organizations/{code}",
        json={"name": "Câu lạc bộ Đổi Tên", "kind": "other", "active": True, "version": 1},
        headers=headers,
    )
    assert meanwhile.status_code == 200, meanwhile.text
    wanted = "Câu lạc bộ Khởi nghiệp Gò Vấp"
    admin.fill("#f-name", unicodedata.normalize("NFD", wanted))
    with admin.expect_response(lambda r: r.request.method == "POST") as refused:
        admin.click("#reference-form button[type=submit]")
    assert refused.value.status == 409
    expect(admin.locator("#form-errors")).to_contain_text("người khác đã lưu")
    expect(admin.locator("#saved-now")).to_contain_text("Câu lạc bộ Đổi Tên")
    assert unicodedata.normalize("NFC", admin.locator("#f-name").input_value()) == wanted
    expect(admin.locator("#f-active")).not_to_be_checked()
    kept = listed(api, "organizations?page_size=100")[code]
    assert (kept["name"], kept["active"], kept["version"]) == ("Câu lạc bộ Đổi Tên", True, 2)
    shoot(admin, "reference-organization-stale")
    admin.click("#reference-form button[type=submit]")
    expect(admin.locator("#saved")).to_contain_text(code)
    row = admin.locator("#organizations tbody tr", has_text=code)
    expect(row).to_contain_text(wanted)
    expect(row).to_contain_text("ngừng hoạt động")
    saved = listed(api, "organizations?page_size=100")[code]
    assert (saved["name"], saved["active"], saved["version"]) == (wanted, False, 3)
    assert unicodedata.is_normalized("NFC", saved["name"])

    # In English the stale edit reads in English; an unknown unit is a 404 page.
    admin.context.add_cookies([{"name": "innohub_lang", "value": "en", "url": base_url}])
    admin.goto(f"{BASE}/organizations/{code}/edit")
    expect(admin.locator("#f-active")).not_to_be_checked()
    again = {"name": wanted, "kind": "other", "active": True, "version": 3}
    assert api.put(f"{API}/organizations/{code}", json=again, headers=headers).status_code == 200
    admin.fill("#f-name", "Startup Club")
    with admin.expect_response(lambda r: r.request.method == "POST") as refused:
        admin.click("#reference-form button[type=submit]")
    assert refused.value.status == 409
    expect(admin.locator("#form-errors")).to_contain_text("Someone else saved")
    expect(admin.locator("#f-name")).to_have_value("Startup Club")
    assert admin.request.get(f"{BASE}/organizations/khong-co-{tag}/edit").status == 404
    admin.context.close()


def test_days_and_codes_are_read_as_people_type_them() -> None:
    assert typed_day("01/07/2025") == ("2025-07-01", False)
    assert typed_day(" 1/7/2025 ") == ("2025-07-01", False)
    assert typed_day("2025-07-01") == ("2025-07-01", False)
    assert typed_day("") == (None, False)
    assert typed_day("31/02/2026") == ("31/02/2026", True)
    assert typed_day("07/2025") == ("07/2025", True)
    assert codes(" phuong-1, phuong-3;phuong-4  phuong-5 ") == [
        "phuong-1",
        "phuong-3",
        "phuong-4",
        "phuong-5",
    ]
