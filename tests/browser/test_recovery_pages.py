"""Password recovery in a real browser: `/login` links to "forgot password"; the request
page answers the same for a known and an unknown address; the emailed link (its token
read from the identity event the email is made from, as tests/integration does) opens the
reset page; a short password is explained; the new password signs in; the used link is
explained with a way to ask again; axe finds nothing serious; screenshots at 360/1280."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import nats
import pytest
from playwright.sync_api import Page, expect

from services.notifications.transactional import RESET_PAGE
from shared.infra.launcher import Stack
from tests.browser.conftest import API, PASSWORD, axe_violations, poll, shoot

pytestmark = pytest.mark.browser
NewPage = Callable[..., Page]
NEW_PASSWORD = "mat-khau-moi-that-dai-2026"


def last_reset(stack: Stack) -> dict[str, Any]:
    """The latest password-reset request event (user id and the emailed token)."""

    async def ask() -> dict[str, Any]:
        client = await nats.connect(stack.nats_url.split(","), **stack.operator_login())
        try:
            stored = await client.jetstream().get_last_msg(
                "IDENTITY", "identity.user.password_reset_requested.v1"
            )
        except Exception:
            return {}
        finally:
            await client.close()
        assert stored.data is not None
        data: dict[str, Any] = json.loads(stored.data)["data"]
        return data

    # Playwright's sync API runs an event loop in this thread: ask from another one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, ask()).result(timeout=30)


def test_password_reset_through_the_pages(
    new_page: NewPage, api: httpx.Client, stack: Stack
) -> None:
    violations: dict[str, Any] = {}
    email = f"quen-{uuid.uuid4().hex[:8]}@govap.example.vn"
    body = {"email": email, "password": PASSWORD, "full_name": "Phạm Thu Trang", "consent": True}
    created = api.post(f"{API}/auth/register", json=body)
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]

    page = new_page(bypass_csp=True)
    page.goto("/login")
    page.click("a[href='/forgot-password']")
    page.wait_for_url(re.compile(r"/forgot-password$"))
    violations["request"] = axe_violations(page)
    shoot(page, "forgot-password")
    page.fill("#f-email", f"khong-co-{uuid.uuid4().hex[:6]}@govap.example.vn")
    page.click("main form button[type=submit]")
    unknown_answer = page.locator("#reset-sent").inner_text()
    page.goto("/forgot-password")
    page.fill("#f-email", email)
    page.click("main form button[type=submit]")
    assert page.locator("#reset-sent").inner_text() == unknown_answer

    event = poll(lambda: (found := last_reset(stack)).get("user_id") == user_id and found)
    link = f"{RESET_PAGE}?token={event['token']}"
    page.goto(link)
    page.fill("#f-password", "ngan")
    page.click("main form button[type=submit]")
    expect(page.locator("#e-password")).to_be_visible()
    violations["reset"] = axe_violations(page)
    shoot(page, "password-reset")
    page.fill("#f-password", NEW_PASSWORD)
    page.click("main form button[type=submit]")
    expect(page.locator("#reset-done")).to_be_visible()

    page.goto("/login")
    page.fill("#f-email", email)
    page.fill("#f-password", NEW_PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(re.compile(r"/me$"))

    used = new_page(360, 740, bypass_csp=True)
    used.goto(link)
    used.fill("#f-password", "mot-mat-khau-khac-2026")
    used.click("main form button[type=submit]")
    expect(used.locator("#form-errors")).to_contain_text("đã được dùng")
    expect(used.locator("#reset-again a")).to_have_attribute("href", "/forgot-password")
    violations["used"] = axe_violations(used)
    shoot(used, "password-reset-used")
    small = new_page(360, 740)
    small.goto("/forgot-password")
    shoot(small, "forgot-password")
    assert not any(violations.values()), violations
