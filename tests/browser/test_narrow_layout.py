"""At 360 px (QA finding 18): the admin console never scrolls sideways, and a consultation's
facts keep a date on one line (the label column no longer squeezes the value)."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page

from tests.browser.conftest import ADMIN, API, PASSWORD, api_founder, poll, shoot, sign_in

pytestmark = pytest.mark.browser
NewPage = Callable[..., Page]


def page_width(page: Page) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


def test_the_admin_console_fits_360_px(new_page: NewPage) -> None:
    page = new_page(360, 780)
    sign_in(page, *ADMIN)
    for path in ("/console/admin", "/console/admin/reference", "/console/admin/report"):
        page.goto(path)
        shoot(page, "narrow" + path.replace("/", "-"))
        assert page_width(page) <= 360, (path, page_width(page))


def test_a_consultations_date_stays_on_one_line_at_360_px(
    new_page: NewPage, api: httpx.Client
) -> None:
    headers, ward = api_founder(api, "Võ Thị Lan")
    body = {
        "name": "Bánh Tráng Trộn Số",
        "summary": "Một dự án thử nghiệm cho màn hình hẹp.",
        "sector": "other",
        "stage": "idea",
        "ward": ward,
    }
    created = api.post(f"{API}/startups", json=body, headers=headers)
    assert created.status_code == 201, created.text
    email = api.get(f"{API}/me", headers=headers).json()["email"]
    asked = {"startup_id": created.json()["id"], "topics": ["gọi vốn"], "message": "Cần tư vấn."}

    def ask() -> httpx.Response | None:
        # mentoring learns the startup from the registry's event: 404 until then
        answer = api.post(f"{API}/consultations", json=asked, headers=headers)
        return answer if answer.status_code != 404 else None

    opened = poll(ask)
    assert opened.status_code == 201, opened.text

    page = new_page(360, 780)
    sign_in(page, email, PASSWORD)
    page.goto(f"/consultations/{opened.json()['id']}")
    shoot(page, "narrow-consultation")
    lines = page.evaluate(
        """() => [...document.querySelectorAll('.facts dd')].map(dd => {
             const range = document.createRange(); range.selectNodeContents(dd);
             const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
             return [dd.textContent.trim(), tops.size];
           })"""
    )
    dates = [(text, n) for text, n in lines if re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", text)]
    assert dates, lines
    assert all(n == 1 for _, n in dates), dates
    assert page_width(page) <= 360
