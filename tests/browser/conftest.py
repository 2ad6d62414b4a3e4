"""Browser tests (issue 15): Playwright for Python driving Debian's Chromium
(`/usr/bin/chromium`, package `chromium`; no browser is ever downloaded) against the stack
exactly as `make run` starts it, on free ports of its own (parallel-safe).

Helpers: `api` for what staff do through the JSON API today, `axe` (vendored axe-core,
pinned) for the accessibility check, and `shoot` for screenshots under
`.artifacts/screenshots/` (kept, not compared)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from shared.infra.launcher import Stack
from shared.infra.testing import DatabaseServer
from tests.e2e.conftest import start_stack

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / ".artifacts" / "screenshots"
#: `expect(...)` waits as long as page actions do (its own default is 5 s): on a loaded
#: 2-core machine a page of the stack can take longer than that to answer.
expect.set_options(timeout=20_000)
ADMIN = ("admin@govap.gov.vn", "quan-tri-vien-2026")
PASSWORD = "mat-khau-rat-dai-2026"
API = "/api/v1"


def poll(check: Callable[[], Any], timeout: float = 45.0, interval: float = 0.3) -> Any:
    """`check()`'s first truthy answer, asked until `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        answer = check()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: {check}")
        time.sleep(interval)


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign `page` in through the `/login` form; returns once it has landed on `/me`."""
    page.goto("/login")
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(re.compile(r"/me$"))


def once_known(send: Callable[[], httpx.Response], timeout: float = 45.0) -> httpx.Response:
    """`send()`'s first answer that is not 404: a service that has not yet heard of a
    record another service just made (a startup, its verification) says 404 until its
    consumer catches up; any other answer is the one to check."""
    return cast(
        "httpx.Response",
        poll(lambda: answer if (answer := send()).status_code != 404 else None, timeout),
    )


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, database_server: DatabaseServer
) -> Iterator[Stack]:
    """The processes as `make run` starts them, under a database prefix of their own."""
    prefix = f"web{uuid.uuid4().hex[:10]}"
    running = start_stack(tmp_path_factory.mktemp("stack"), database_server.url, prefix)
    yield running
    running.stop()
    database_server.drop_databases(prefix)


@pytest.fixture(scope="module")
def base_url(stack: Stack) -> str:
    """The gateway's address."""
    return f"http://127.0.0.1:{stack.settings.gateway_port}"


@pytest.fixture(scope="module")
def api(base_url: str) -> Iterator[httpx.Client]:
    """A JSON API client, for what staff, organizers and mentors' profiles need today."""
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        yield client


def token(api: httpx.Client, email: str, password: str) -> dict[str, str]:
    """Bearer headers of the account."""
    response = api.post(f"{API}/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def api_founder(api: httpx.Client, full_name: str) -> tuple[dict[str, str], str]:
    """A founder signed up through the API (with consent): their bearer headers, and the
    code of a ward valid today for the startups they register."""
    email = f"f-{uuid.uuid4().hex[:8]}@govap.example.vn"
    registered = api.post(
        f"{API}/auth/register",
        json={"email": email, "password": PASSWORD, "full_name": full_name, "consent": True},
    )
    assert registered.status_code == 201, registered.text
    wards = api.get(f"{API}/wards", params={"page_size": 100}).json()["items"]
    return token(api, email, PASSWORD), next(w["code"] for w in wards if w.get("current"))


def create_user(
    api: httpx.Client,
    role: str,
    organization: str = "youth_union",
    full_name: str = "Nguyễn Thị Thu Hà",
) -> dict[str, Any]:
    """An account of `role` made by the admin; returns `{id, email, headers}`."""
    admin = token(api, *ADMIN)
    email = f"{role}-{uuid.uuid4().hex[:8]}@govap.example.vn"
    body = {
        "email": email,
        "password": PASSWORD,
        "full_name": full_name,
        "role": role,
        "organization": organization,
    }
    created = api.post(f"{API}/admin/users", json=body, headers=admin)
    assert created.status_code == 201, created.text
    return {"id": created.json()["id"], "email": email, "headers": token(api, email, PASSWORD)}


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Playwright's driver (shipped in the wheel); no browser download. Module-scoped: its
    event loop must be gone before the asyncio tests of the same run start theirs."""
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium; `make test` installs the `chromium` package when it is missing."""
    if not CHROMIUM.exists():
        pytest.fail("the browser tests need Debian's chromium: apt-get install chromium")
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture
def new_page(browser: Browser, base_url: str) -> Iterator[Callable[..., Page]]:
    """Pages in fresh browser contexts (each its own cookies), closed after the test."""
    contexts = []

    def make(width: int = 1280, height: int = 900, *, bypass_csp: bool = False) -> Page:
        context = browser.new_context(
            base_url=base_url,
            viewport={"width": width, "height": height},
            locale="vi-VN",
            # Only for the axe test, so it can inject axe-core; others run under the CSP.
            bypass_csp=bypass_csp,
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        return page

    yield make
    for context in contexts:
        context.close()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now (WCAG 2.1 AA)."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def shoot(page: Page, name: str) -> Path:
    """A full-page screenshot `<name>-<width>.png` under `.artifacts/screenshots/`."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    path = SCREENSHOTS / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
