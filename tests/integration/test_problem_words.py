"""Every word of a problem document comes from the catalogue, in the negotiated locale
(issue 14): field errors name the field by its label, in Vietnamese or English, never
pydantic's English; q-values count; a signed-in user's saved locale wins."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.conftest import bearer, login, register

API = "/api/v1"
ADMIN = ("admin@govap.gov.vn", "quan-tri-vien-2026")


def error_messages(response: httpx.Response) -> dict[str, str]:
    body: dict[str, Any] = response.json()
    return {error["field"]: error["msg"] for error in body["errors"]}


async def test_field_errors_are_in_the_callers_language(api: httpx.AsyncClient) -> None:
    body = {"email": "words@example.vn", "password": "mat-khau-du-dai", "consent": True}
    vi = await api.post(f"{API}/auth/register", json=body)
    assert vi.status_code == 422
    assert vi.json()["title"] == "Dữ liệu không hợp lệ"
    assert error_messages(vi) == {"full_name": "Họ và tên: bắt buộc phải có"}
    assert "Field required" not in vi.text
    en = await api.post(
        f"{API}/auth/register", json=body, headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.8"}
    )
    assert en.json()["title"] == "Invalid input"
    assert error_messages(en) == {"full_name": "Full name is required"}
    assert en.json()["detail"] == "Full name is required"
    assert en.headers["content-language"] == "en"
    low = await api.post(
        f"{API}/auth/register", json=body, headers={"Accept-Language": "en;q=0.1, vi"}
    )
    assert low.json()["title"] == "Dữ liệu không hợp lệ"


async def test_a_short_name_counts_characters_not_items(api: httpx.AsyncClient) -> None:
    body = {
        "email": "a@example.vn",
        "password": "mat-khau-du-dai",
        "full_name": " A ",
        "consent": True,
    }
    response = await api.post(f"{API}/auth/register", json=body)
    assert error_messages(response) == {"full_name": "Họ và tên: cần ít nhất 2 ký tự"}
    assert "items" not in response.text


async def test_pattern_errors_are_words_not_regular_expressions(api: httpx.AsyncClient) -> None:
    admin = bearer((await login(api, *ADMIN))["access_token"])
    body = {
        "code": "Phường 1!",
        "name": "Phường Một",
        "valid_from": "2025-07-01",
        "ward_set": "2025",
    }
    response = await api.post(f"{API}/wards", json=body, headers={**admin, "Accept-Language": "vi"})
    assert response.status_code == 422, response.text
    assert error_messages(response) == {"code": "Mã: không đúng định dạng"}
    assert "^[a-z0-9]" not in response.json()["detail"]


async def test_a_signed_in_users_saved_locale_wins(api: httpx.AsyncClient) -> None:
    await register(api, "english@example.vn", locale="en")
    me = bearer((await login(api, "english@example.vn"))["access_token"])
    response = await api.patch(
        f"{API}/me", json={"full_name": None}, headers={**me, "Accept-Language": "vi"}
    )
    assert response.status_code == 422
    assert response.json()["title"] == "Invalid input"
    assert error_messages(response) == {
        "full_name": "Full name cannot be cleared; leave it out to keep it"
    }
