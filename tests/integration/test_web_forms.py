"""The web app's forms after a refusal (QA walk-through, wave 3): each error shown beside
its field, what was typed kept (passwords aside), every field error of a sign-up at once,
the competition form's eligibility and the initiative dossier form.

Through the gateway's pages with CSRF, as a browser posts them; the services run against
the real nats-server and database server."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from tests.integration.test_registry import create, founder

API = "/api/v1"
ADMIN = ("admin@govap.gov.vn", "quan-tri-vien-2026")
PASSWORD = "mat-khau-web-2026"


def token_in(html: str) -> str:
    """The CSRF token of the first form of a page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the form carries no CSRF token"
    return found.group(1)


@asynccontextmanager
async def browser(api: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """A second client of the same gateway with its own cookies (another browser)."""
    transport = httpx.ASGITransport(app=api.app)  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        yield client


async def web_login(client: httpx.AsyncClient, email: str, password: str) -> None:
    """Sign in through `/login` (the session cookie stays in `client`)."""
    form = await client.get("/login")
    signed = await client.post(
        "/login", data={"csrf_token": token_in(form.text), "email": email, "password": password}
    )
    assert signed.status_code == 303, signed.text


async def post_form(
    client: httpx.AsyncClient, path: str, form_path: str, data: dict[str, str | list[str]]
) -> httpx.Response:
    """Post `data` to `path` with the CSRF token of the page at `form_path`."""
    page = await client.get(form_path)
    assert page.status_code == 200, page.text
    return await client.post(path, data={"csrf_token": token_in(page.text), **data})


def field_error(html: str, name: str) -> str | None:
    """The error shown beside field `name` (`_forms.html`'s `e-<name>`), if any."""
    found = re.search(rf'<p class="error" id="e-{re.escape(name)}" role="alert">([^<]*)</p>', html)
    return found.group(1) if found else None


async def test_startup_edit_shows_each_field_error(registry_api: httpx.AsyncClient) -> None:
    """QA 1: clearing the name and typing a bad website gives 422 with both errors beside
    their fields, not a silent form."""
    api = registry_api
    headers = await founder(api, "sua.du.an@example.vn")
    created = await create(api, headers, name="Nông Sản Sạch Gò Vấp")
    async with browser(api) as client:
        await web_login(client, "sua.du.an@example.vn", "mat-khau-du-dai")
        edit = f"/startups/{created['id']}/edit"
        refused = await post_form(
            client,
            edit,
            edit,
            {
                "version": str(created["version"]),
                "name": "",
                "summary": created["summary"],
                "sector": "agriculture",
                "stage": "mvp",
                "ward": "go-vap",
                "website": "không phải trang web",
            },
        )
    assert refused.status_code == 422
    assert 'role="alert" id="form-errors"' in refused.text
    assert field_error(refused.text, "name")
    assert field_error(refused.text, "website")
    assert 'value="không phải trang web"' in refused.text


async def test_signup_names_every_error_at_once_and_keeps_the_tick(
    api: httpx.AsyncClient,
) -> None:
    """QA 15: a short phone, a short password and no consent are named in one answer,
    each beside its field; what was typed comes back except the password, and a ticked
    consent stays ticked."""
    typed = {"full_name": "Đặng Thị Hồng", "email": "hong.qa@example.vn", "phone": "12345"}
    refused = await post_form(api, "/signup", "/signup", {**typed, "password": "ngan"})
    assert refused.status_code == 422
    assert field_error(refused.text, "phone")
    assert field_error(refused.text, "password")
    assert field_error(refused.text, "consent")
    assert 'value="12345"' in refused.text and 'value="hong.qa@example.vn"' in refused.text
    assert 'value="ngan"' not in refused.text

    ticked = await post_form(
        api, "/signup", "/signup", {**typed, "password": "ngan", "consent": "1"}
    )
    assert ticked.status_code == 422
    box = re.search(r'<input id="f-consent"[^>]*>', ticked.text)
    assert box is not None and "checked" in box.group(0)
    assert field_error(ticked.text, "consent") is None
    assert field_error(ticked.text, "phone") and field_error(ticked.text, "password")

    created = await post_form(
        api,
        "/signup",
        "/signup",
        {**typed, "phone": "0912345678", "password": PASSWORD, "consent": "1"},
    )
    assert created.status_code == 303
