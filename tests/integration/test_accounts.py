"""Accounts that end and recover (issue 17, issue 13): access tokens end at once on every
gateway copy, password reset by an emailed single-use token, organizations as reference
data, administering accounts, and sign-in limits shared between copies."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from nats.js import JetStreamContext
from pymongo import AsyncMongoClient

from shared.infra.mongo import Document
from shared.infra.settings import Settings
from shared.infra.testing import eventually
from tests.integration.conftest import bearer, login, register, running_gateway
from tests.integration.test_gateway_identity import assert_problem
from tests.integration.test_registry import startup

API = "/api/v1"
ADMIN = ("admin@govap.gov.vn", "quan-tri-vien-2026")


def pin_limit_clock(*copies: httpx.AsyncClient) -> None:
    """Fix the limits' clock mid-window on every gateway copy, so a count cannot straddle
    a window boundary on a slow machine (the windows are fixed, DESIGN §6)."""
    moment = datetime(
        2099, 1, 1, 0, 0, 30, tzinfo=UTC
    )  # far ahead: no TTL sweep removes the counts
    for copy in copies:
        copy.app.state.auth_limits.clock = lambda: moment  # type: ignore[attr-defined]


async def admin_headers(api: httpx.AsyncClient) -> dict[str, str]:
    return bearer((await login(api, *ADMIN))["access_token"])


async def staff(
    api: httpx.AsyncClient, email: str, *, role: str = "mentor", full_name: str = "Lê Đức Anh"
) -> str:
    created = await api.post(
        f"{API}/admin/users",
        json={
            "email": email,
            "password": "mat-khau-du-dai",
            "full_name": full_name,
            "role": role,
            "organization": "business_association",
        },
        headers=await admin_headers(api),
    )
    assert created.status_code == 201, created.text
    user_id: str = created.json()["id"]
    return user_id


# --- token revocation -----------------------------------------------------------------


async def test_after_a_deletion_request_the_old_token_cannot_create_a_startup(
    registry_api: httpx.AsyncClient,
) -> None:
    api = registry_api
    await register(api, "xoa@example.vn")
    headers = bearer((await login(api, "xoa@example.vn"))["access_token"])
    before = await api.post(f"{API}/startups", json=startup("Trà Sữa Xanh"), headers=headers)
    assert before.status_code == 201, before.text
    assert (await api.delete(f"{API}/me", headers=headers)).status_code == 202
    after = await api.post(f"{API}/startups", json=startup("Cà Phê Muối"), headers=headers)
    assert_problem(after, 401, "token_revoked")
    assert_problem(
        await api.patch(f"{API}/me", json={"phone": "0912345678"}, headers=headers),
        401,
        "token_revoked",
    )


async def test_logout_ends_the_access_token_at_once(api: httpx.AsyncClient) -> None:
    await register(api, "ra@example.vn")
    tokens = await login(api, "ra@example.vn")
    headers = bearer(tokens["access_token"])
    assert (await api.get(f"{API}/me", headers=headers)).status_code == 200
    out = await api.post(f"{API}/auth/logout", json={}, headers=headers)
    assert out.status_code == 204
    assert_problem(await api.get(f"{API}/me", headers=headers), 401, "token_revoked")
    # A new sign-in works at once.
    again = bearer((await login(api, "ra@example.vn"))["access_token"])
    assert (await api.get(f"{API}/me", headers=again)).status_code == 200


async def test_password_change_ends_every_access_token(api: httpx.AsyncClient) -> None:
    await register(api, "doimk@example.vn")
    phone = bearer((await login(api, "doimk@example.vn"))["access_token"])
    laptop = bearer((await login(api, "doimk@example.vn"))["access_token"])
    changed = await api.post(
        f"{API}/me/password",
        json={"current_password": "mat-khau-du-dai", "new_password": "mat-khau-moi-dai"},
        headers=laptop,
    )
    assert changed.status_code == 204
    for headers in (phone, laptop):
        assert_problem(await api.get(f"{API}/me", headers=headers), 401, "token_revoked")


async def test_a_revocation_on_one_gateway_copy_holds_on_another_within_a_second(
    gateway_settings: Settings, js: JetStreamContext
) -> None:
    async with running_gateway(gateway_settings) as one, running_gateway(gateway_settings) as two:
        await register(one, "hai@example.vn")
        headers = bearer((await login(one, "hai@example.vn"))["access_token"])
        assert (await two.get(f"{API}/me", headers=headers)).status_code == 200
        assert (await one.post(f"{API}/auth/logout", json={}, headers=headers)).status_code == 204
        started = time.monotonic()

        async def on_two() -> int:
            return (await two.get(f"{API}/me", headers=headers)).status_code

        await eventually(on_two, until=lambda status: status == 401, timeout=1.0)
        assert time.monotonic() - started < 1.0
        # A copy started later learns it from the store.
        async with running_gateway(gateway_settings) as three:
            assert_problem(await three.get(f"{API}/me", headers=headers), 401, "token_revoked")


async def test_a_copy_that_missed_the_broadcast_reads_the_store(
    gateway_settings: Settings, js: JetStreamContext, mongo: AsyncMongoClient[Document]
) -> None:
    async with running_gateway(gateway_settings) as api:
        await register(api, "lo@example.vn")
        headers = bearer((await login(api, "lo@example.vn"))["access_token"])
        assert (await api.get(f"{API}/me", headers=headers)).status_code == 200
        # Another copy ended the sessions while this one was cut off: only the store knows.
        users = mongo[gateway_settings.database_name("gateway")]["users"]
        await users.update_one(
            {"email": "lo@example.vn"},
            {"$inc": {"token_version": 1}, "$set": {"token_version_at": datetime.now(UTC)}},
        )

        async def status() -> int:
            return (await api.get(f"{API}/me", headers=headers)).status_code

        await eventually(status, until=lambda code: code == 401, timeout=3.0)


# --- administering accounts -----------------------------------------------------------


async def test_admin_lists_accounts_folding_tones_and_filters_by_role(
    api: httpx.AsyncClient,
) -> None:
    await staff(api, "duc@example.vn", full_name="Lê Đức Anh")
    await staff(api, "hoa@example.vn", full_name="Trần Thị Hoa", role="judge")
    admin = await admin_headers(api)
    found = await api.get(f"{API}/admin/users", params={"q": "le duc"}, headers=admin)
    assert found.status_code == 200, found.text
    assert [u["email"] for u in found.json()["items"]] == ["duc@example.vn"]
    upper = await api.get(f"{API}/admin/users", params={"q": "ĐỨC"}, headers=admin)
    assert [u["email"] for u in upper.json()["items"]] == ["duc@example.vn"]
    by_email = await api.get(f"{API}/admin/users", params={"q": "hoa@"}, headers=admin)
    assert [u["full_name"] for u in by_email.json()["items"]] == ["Trần Thị Hoa"]
    judges = await api.get(f"{API}/admin/users", params={"role": "judge"}, headers=admin)
    assert [u["email"] for u in judges.json()["items"]] == ["hoa@example.vn"]
    paged = await api.get(f"{API}/admin/users", params={"page_size": 1}, headers=admin)
    assert paged.json()["total"] == 3 and len(paged.json()["items"]) == 1
    regex = await api.get(f"{API}/admin/users", params={"q": ".*"}, headers=admin)
    assert regex.json()["total"] == 0


async def test_role_change_and_disabling_end_tokens_and_sign_in(
    api: httpx.AsyncClient, js: JetStreamContext
) -> None:
    user_id = await staff(api, "doivai@example.vn")
    tokens = await login(api, "doivai@example.vn")
    headers = bearer(tokens["access_token"])
    admin = await admin_headers(api)
    changed = await api.patch(f"{API}/admin/users/{user_id}", json={"role": "judge"}, headers=admin)
    assert changed.status_code == 200, changed.text
    assert changed.json()["role"] == "judge"
    assert_problem(await api.get(f"{API}/me", headers=headers), 401, "token_revoked")
    # Refresh gives a token with the new role.
    refreshed = await api.post(
        f"{API}/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200
    me = await api.get(f"{API}/me", headers=bearer(refreshed.json()["access_token"]))
    assert me.json()["role"] == "judge"
    stored = await js.get_last_msg("IDENTITY", "identity.user.updated.v1")
    assert stored.data is not None
    event = json.loads(stored.data)["data"]
    assert (event["user_id"], event["role"], event["version"]) == (user_id, "judge", 2)

    disabled = await api.patch(
        f"{API}/admin/users/{user_id}", json={"disabled": True}, headers=admin
    )
    assert disabled.json()["disabled"] is True
    assert_problem(
        await api.get(f"{API}/me", headers=bearer(refreshed.json()["access_token"])),
        401,
        "token_revoked",
    )
    assert_problem(
        await api.post(
            f"{API}/auth/login", json={"email": "doivai@example.vn", "password": "mat-khau-du-dai"}
        ),
        403,
        "account_disabled",
    )
    again = await api.post(
        f"{API}/auth/refresh", json={"refresh_token": refreshed.json()["refresh_token"]}
    )
    assert again.status_code == 401
    enabled = await api.patch(
        f"{API}/admin/users/{user_id}", json={"disabled": False}, headers=admin
    )
    assert enabled.json()["disabled"] is False
    await login(api, "doivai@example.vn")


async def test_the_last_active_admin_cannot_demote_or_disable_themself(
    api: httpx.AsyncClient,
) -> None:
    admin = await admin_headers(api)
    me = (await api.get(f"{API}/me", headers=admin)).json()
    for change in ({"role": "mentor"}, {"disabled": True}):
        refused = await api.patch(f"{API}/admin/users/{me['id']}", json=change, headers=admin)
        body = assert_problem(refused, 409, "last_admin")
        assert "quản trị viên cuối cùng" in str(body["detail"])
    other = await staff(api, "admin2@example.vn", role="admin")
    assert other
    demoted = await api.patch(
        f"{API}/admin/users/{me['id']}", json={"role": "mentor"}, headers=admin
    )
    assert demoted.status_code == 200
    unknown = await api.patch(
        f"{API}/admin/users/no-such-user",
        json={"disabled": True},
        headers=bearer((await login(api, "admin2@example.vn"))["access_token"]),
    )
    assert_problem(unknown, 404, "not_found")


# --- organizations --------------------------------------------------------------------


async def test_organizations_are_seeded_and_an_unknown_one_is_refused(
    api: httpx.AsyncClient, js: JetStreamContext
) -> None:
    listed = await api.get(f"{API}/organizations", params={"page_size": 100})
    assert listed.status_code == 200
    codes = {org["code"]: org for org in listed.json()["items"]}
    for unit in (
        "business_association",
        "youth_union",
        "womens_union",
        "education_division",
        "economic_division",
    ):
        assert codes[unit]["kind"] == "district_unit"
    assert codes["thcs-go-vap"]["kind"] == "school"
    assert codes["ward-committee-hanh-thong"]["name"] == "Ủy ban nhân dân Phường Hạnh Thông"
    schools = await api.get(f"{API}/organizations", params={"kind": "school", "page_size": 100})
    assert all(org["kind"] == "school" for org in schools.json()["items"])

    admin = await admin_headers(api)
    account = {
        "email": "gv@example.vn",
        "password": "mat-khau-du-dai",
        "full_name": "Phạm Văn Giáo",
        "role": "school_advisor",
        "organization": "thcs-go-vpa",
    }
    refused = await api.post(f"{API}/admin/users", json=account, headers=admin)
    body = assert_problem(refused, 422, "invalid")
    assert body["errors"][0]["loc"] == ["body", "organization"]  # type: ignore[index]
    assert "thcs-go-vpa" in str(body["detail"])
    created = await api.post(
        f"{API}/organizations",
        json={"code": "clb-khoi-nghiep", "name": "CLB Khởi nghiệp", "kind": "other"},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    stored = await js.get_last_msg("IDENTITY", "identity.organization.saved.v1")
    assert stored.data is not None
    assert json.loads(stored.data)["data"]["code"] == "clb-khoi-nghiep"
    ok = await api.post(
        f"{API}/admin/users", json={**account, "organization": "thcs-go-vap"}, headers=admin
    )
    assert ok.status_code == 201, ok.text
    moved = await api.patch(
        f"{API}/admin/users/{ok.json()['id']}", json={"organization": "nowhere"}, headers=admin
    )
    assert_problem(moved, 422, "invalid")


# --- password reset -------------------------------------------------------------------


async def reset_token(js: JetStreamContext, user_id: str) -> dict[str, Any]:
    async def last() -> dict[str, Any]:
        stored = await js.get_last_msg("IDENTITY", "identity.user.password_reset_requested.v1")
        assert stored.data is not None
        data: dict[str, Any] = json.loads(stored.data)["data"]
        return data

    found: dict[str, Any] = await eventually(last, until=lambda d: d["user_id"] == user_id)
    return found


async def test_password_reset_by_an_emailed_single_use_token(
    api: httpx.AsyncClient,
    js: JetStreamContext,
    gateway_settings: Settings,
    mongo: AsyncMongoClient[Document],
) -> None:
    user_id = (await register(api, "quen@example.vn")).json()["id"]
    old = await login(api, "quen@example.vn")
    unknown = await api.post(f"{API}/auth/password-reset", json={"email": "ai@example.vn"})
    known = await api.post(f"{API}/auth/password-reset", json={"email": "QUEN@example.vn"})
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()
    event = await reset_token(js, user_id)
    token = event["token"]
    users = mongo[gateway_settings.database_name("gateway")]
    assert await users["password_resets"].find_one({"_id": token}) is None  # only its hash

    confirmed = await api.post(
        f"{API}/auth/password-reset/confirm", json={"token": token, "password": "mat-khau-moi-2026"}
    )
    assert confirmed.status_code == 204, confirmed.text
    assert_problem(
        await api.get(f"{API}/me", headers=bearer(old["access_token"])), 401, "token_revoked"
    )
    stale = await api.post(f"{API}/auth/refresh", json={"refresh_token": old["refresh_token"]})
    assert stale.status_code == 401
    await login(api, "quen@example.vn", "mat-khau-moi-2026")
    reused = await api.post(
        f"{API}/auth/password-reset/confirm",
        json={"token": token, "password": "mat-khau-khac-2026"},
    )
    body = assert_problem(reused, 400, "reset_token_used")
    assert "một lần" in str(body["detail"])
    forged = await api.post(
        f"{API}/auth/password-reset/confirm",
        json={"token": "x" * 43, "password": "mat-khau-khac-2026"},
        headers={"Accept-Language": "en"},
    )
    assert "not valid" in str(assert_problem(forged, 400, "reset_token_invalid")["detail"])

    await api.post(f"{API}/auth/password-reset", json={"email": "quen@example.vn"})
    later = await eventually(lambda: reset_token(js, user_id), until=lambda d: d["token"] != token)
    await users["password_resets"].update_many(
        {"used_at": None}, {"$set": {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}}
    )
    expired = await api.post(
        f"{API}/auth/password-reset/confirm",
        json={"token": later["token"], "password": "mat-khau-khac-2026"},
    )
    assert "30 phút" in str(assert_problem(expired, 400, "reset_token_expired")["detail"])


async def test_password_reset_requests_are_rate_limited_per_email(
    gateway_settings: Settings, js: JetStreamContext
) -> None:
    limited = gateway_settings.model_copy(update={"password_resets_per_email_per_hour": 2})
    async with running_gateway(limited) as api:
        pin_limit_clock(api)
        body = {"email": "spam@example.vn"}
        statuses = [
            (await api.post(f"{API}/auth/password-reset", json=body)).status_code for _ in range(3)
        ]
        assert statuses == [202, 202, 429]


# --- sign-in limits -------------------------------------------------------------------


async def test_failed_sign_ins_are_counted_across_gateway_copies(
    gateway_settings: Settings, js: JetStreamContext
) -> None:
    limited = gateway_settings.model_copy(update={"auth_rate_limit_per_minute": 3})
    async with running_gateway(limited) as one, running_gateway(limited) as two:
        pin_limit_clock(one, two)
        await register(one, "doan@example.vn")
        wrong = {"email": "doan@example.vn", "password": "sai-mat-khau-roi"}
        statuses = [
            (await copy.post(f"{API}/auth/login", json=wrong)).status_code
            for copy in (one, two, one)
        ]
        assert statuses == [401, 401, 401]
        blocked = await two.post(f"{API}/auth/login", json=wrong)
        assert_problem(blocked, 429, "rate_limited")
        assert int(blocked.headers["retry-after"]) >= 1


async def test_an_office_behind_one_trusted_proxy_is_not_one_bucket(
    gateway_settings: Settings, js: JetStreamContext
) -> None:
    office = gateway_settings.model_copy(
        update={
            "auth_rate_limit_per_minute": 3,
            "auth_failures_per_address_per_minute": 4,
            "trusted_proxies": ["127.0.0.1/32"],
        }
    )
    async with running_gateway(office) as api:
        pin_limit_clock(api)
        # Seven staff set up their accounts through the proxy, each mistyping once.
        for n in range(7):
            via = {"X-Forwarded-For": f"203.0.113.{n + 10}"}
            account = {
                "email": f"nv{n}@example.vn",
                "password": "mat-khau-du-dai",
                "full_name": "Nhân Viên Văn Phòng",
                "consent": True,
            }
            created = await api.post(f"{API}/auth/register", json=account, headers=via)
            assert created.status_code == 201, created.text
            typo = {"email": f"nv{n}@example.vn", "password": "go-nham-mat-khau"}
            assert (await api.post(f"{API}/auth/login", json=typo, headers=via)).status_code == 401
            ok = await api.post(
                f"{API}/auth/login",
                json={"email": f"nv{n}@example.vn", "password": "mat-khau-du-dai"},
                headers=via,
            )
            assert ok.status_code == 200, ok.text
        # One address guessing at many accounts is stopped; a forged left-most entry
        # does not change who it is.
        guesser = {"X-Forwarded-For": "198.51.100.7"}
        forged = {"X-Forwarded-For": "1.2.3.4, 198.51.100.7"}
        statuses = []
        for n, headers in enumerate([guesser, forged, guesser, forged, guesser]):
            wrong = {"email": f"nv{n}@example.vn", "password": "doan-mo-mat-khau"}
            statuses.append(
                (await api.post(f"{API}/auth/login", json=wrong, headers=headers)).status_code
            )
        assert statuses == [401, 401, 401, 401, 429]
