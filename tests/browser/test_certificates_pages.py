"""Certificate pages in a real browser (issue 17): an unknown or malformed code gets a
clear 404 page in Vietnamese and in English; `/me/certificates` asks to sign in first and
shows an empty list to a new account. A certificate from issue to revocation is followed
in `test_events_pages.py` (it needs an event closed as held)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import API, PASSWORD, axe_violations, shoot

pytestmark = pytest.mark.browser
NewPage = Callable[..., Page]


def test_unknown_codes_and_an_empty_list(new_page: NewPage, api: httpx.Client) -> None:
    page = new_page(bypass_csp=True)
    for code in ("EV-AAAAAAAAAAAAAAAAAAAAAAAA", "CT-BBBBBBBBBBBBBBBBBBBBBBBB", "khong-phai-ma"):
        answer = page.goto(f"/verify/{code}")
        assert answer is not None and answer.status == 404
        expect(page.locator("h1")).to_have_text("Không tìm thấy giấy chứng nhận")
        expect(page.locator("main")).to_contain_text(code)
    assert axe_violations(page) == []
    shoot(page, "verify-unknown")
    page.click("a.lang")
    expect(page.locator("h1")).to_have_text("Certificate not found")

    page.goto("/me/certificates")
    page.wait_for_url(re.compile(r"/login\?next="))
    email = f"cn-{uuid.uuid4().hex[:8]}@govap.example.vn"
    body = {"email": email, "password": PASSWORD, "full_name": "Đỗ Thị Lan", "consent": True}
    assert api.post(f"{API}/auth/register", json=body).status_code == 201
    page.fill("#f-email", email)
    page.fill("#f-password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(re.compile(r"/me/certificates$"))
    expect(page.locator("main")).to_contain_text("You have no certificates yet.")
    assert axe_violations(page) == []
    small = new_page(360, 740)
    small.goto("/verify/EV-AAAAAAAAAAAAAAAAAAAAAAAA")
    shoot(small, "verify-unknown")
