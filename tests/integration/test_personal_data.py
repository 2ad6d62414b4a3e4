"""The right to a copy and to erasure (Law 91/2025/QH15, Decree 356/2025)."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from services.gateway.domain import add_working_days
from shared.infra.mongo import Document
from shared.infra.settings import Settings
from shared.infra.testing import eventually
from tests.integration.conftest import bearer, login, register

API = "/api/v1"


async def test_export_gathers_what_every_service_holds(api: httpx.AsyncClient) -> None:
    await register(api, "export@example.vn", phone="0987654321")
    tokens = await login(api, "export@example.vn")
    headers = bearer(tokens["access_token"])

    async def export() -> dict[str, Any]:
        body: dict[str, Any] = (await api.get(f"{API}/me/data", headers=headers)).json()
        return body

    data = await eventually(
        export,
        until=lambda d: bool(d["services"].get("notifications", {}).get("notifications")),
    )
    assert data["gateway"]["account"]["email"] == "export@example.vn"
    assert data["gateway"]["account"]["phone"] == "+84987654321"
    assert "password_hash" not in str(data)
    contact = data["services"]["notifications"]["contact"]
    assert contact["email"] == "export@example.vn"
    # services not running in this test are named, not silently dropped
    assert set(data["missing"]) == {"registry", "mentoring", "competitions", "events"}


async def test_deletion_is_acknowledged_at_once_and_carried_out_everywhere(
    api: httpx.AsyncClient, mongo: AsyncMongoClient[Document], settings: Settings
) -> None:
    await register(api, "forget-me@example.vn", phone="0987654322")
    tokens = await login(api, "forget-me@example.vn")
    headers = bearer(tokens["access_token"])
    user_id = (await api.get(f"{API}/me", headers=headers)).json()["id"]

    async def inbox_total() -> int:
        total: int = (await api.get(f"{API}/notifications", headers=headers)).json()["total"]
        return total

    await eventually(inbox_total, until=lambda n: n == 1)

    receipt = await api.delete(f"{API}/me", headers=headers)
    assert receipt.status_code == 202, receipt.text
    body = receipt.json()
    assert body["status"] == "carried_out_by_gateway"
    assert date.fromisoformat(body["due_by"]) >= date.today()
    assert "tiếp nhận" in body["message"]

    # sessions and access tokens end at once (issue 13), and the address no longer signs in
    refresh = await api.post(f"{API}/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 401
    assert (await api.get(f"{API}/me", headers=headers)).status_code == 401
    relogin = await api.post(
        f"{API}/auth/login", json={"email": "forget-me@example.vn", "password": "mat-khau-du-dai"}
    )
    assert relogin.status_code == 401

    # the account keeps no personal data (and staff no longer find it among the accounts)
    admin = await login(api, "admin@govap.gov.vn", "quan-tri-vien-2026")
    staff = bearer(admin["access_token"])
    found = (await api.get(f"{API}/admin/users", params={"q": "forget-me"}, headers=staff)).json()
    assert found["total"] == 0
    account = await mongo[settings.database_name("gateway")].users.find_one({"_id": user_id})
    assert account is not None
    assert account["email"].endswith("@deleted.invalid")
    assert account.get("phone") is None
    assert account["full_name"] == "Người dùng đã xoá"

    # the notifications service erased its copy on the event
    notifications = mongo[settings.database_name("notifications")]

    async def held() -> int:
        return await notifications.contacts.count_documents(
            {"_id": user_id}
        ) + await notifications.notifications.count_documents({"recipient_id": user_id})

    await eventually(held, until=lambda n: n == 0)

    # staff see the request
    listed = await api.get(f"{API}/admin/deletion-requests", headers=staff)
    assert body["request_id"] in [r["request_id"] for r in listed.json()["items"]]


def test_two_working_days_skip_the_weekend() -> None:
    assert add_working_days(date(2026, 11, 26), 2) == date(2026, 11, 30)  # Thu → Mon
    assert add_working_days(date(2026, 11, 28), 2) == date(2026, 12, 1)  # Sat → Tue
    assert add_working_days(date(2026, 11, 23), 2) == date(2026, 11, 25)  # Mon → Wed
