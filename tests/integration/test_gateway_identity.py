"""Accounts, tokens and the problem+json baseline, through the gateway on a real nats-server."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from nats.js import JetStreamContext
from pymongo import AsyncMongoClient

from services.gateway.auth import AccessTokens, refresh_token_hash, signing_key
from services.gateway.repository import UserStore
from services.gateway.service import AuthFailure, Identity
from shared.contracts.base import Actor, Envelope, Role
from shared.infra.mongo import Document
from shared.infra.settings import Settings
from shared.infra.testing import eventually
from tests.integration.conftest import bearer, login, register, running_gateway

API = "/api/v1"


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, object] = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["type"] == f"/problems/{code}"
    assert "Traceback" not in response.text
    return body


async def test_register_stores_a_founder_and_publishes_the_event_once(
    api: httpx.AsyncClient, js: JetStreamContext
) -> None:
    response = await register(api, "Chau.Le@Example.VN", phone="0912 345 678", locale="en")
    assert response.status_code == 201, response.text
    user = response.json()
    assert user["email"] == "chau.le@example.vn"
    assert user["role"] == "founder"
    assert user["phone"] == "+84912345678"
    assert user["locale"] == "en"
    assert "password" not in response.text
    assert "password_hash" not in response.text

    async def registered() -> list[Envelope]:
        found = []
        sub = await js.pull_subscribe("identity.user.registered.v1", stream="IDENTITY")
        try:
            for msg in await sub.fetch(10, timeout=0.5):
                found.append(Envelope.model_validate_json(msg.data))
        except TimeoutError:
            pass
        finally:
            await sub.unsubscribe()
        return [e for e in found if e.subject == user["id"]]

    events = await eventually(registered)
    assert len(events) == 1
    # The contact travels sealed under the person's key (crypto-shredding, issue 13).
    assert events[0].data.get("email") is None
    assert events[0].data["sealed"]["ciphertext"]
    assert "chau.le" not in events[0].model_dump_json()


async def test_email_is_unique_case_insensitively(api: httpx.AsyncClient) -> None:
    assert (await register(api, "binh@example.vn")).status_code == 201
    duplicate = await register(api, "BINH@Example.vn")
    assert_problem(duplicate, 409, "email_taken")


async def test_registration_requires_explicit_consent(api: httpx.AsyncClient) -> None:
    refused = await register(api, "noconsent@example.vn", consent=False)
    assert_problem(refused, 422, "invalid")
    missing = await api.post(
        f"{API}/auth/register",
        json={"email": "m@example.vn", "password": "mat-khau-du-dai", "full_name": "An"},
    )
    assert_problem(missing, 422, "invalid")
    # nothing was stored: the address is still free
    assert (await register(api, "noconsent@example.vn")).status_code == 201


async def test_consent_is_recorded_with_time_and_notice_version(api: httpx.AsyncClient) -> None:
    await register(api, "consent@example.vn")
    tokens = await login(api, "consent@example.vn")
    me = await api.get(f"{API}/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    state = api.app.state.gateway  # type: ignore[attr-defined]
    doc = await state.identity.store.by_email("consent@example.vn")
    assert doc["consent"]["privacy_notice_version"] == "2026-01"
    assert doc["consent"]["accepted_at"] is not None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("password", "ngan-qua"),
        ("phone", "12345"),
        ("email", "not-an-email"),
        ("full_name", "x" * 500),
        ("locale", "fr"),
    ],
)
async def test_bad_registration_fields_are_422(
    api: httpx.AsyncClient, field: str, value: str
) -> None:
    body = {
        "email": f"bad-{field}@example.vn",
        "password": "mat-khau-du-dai",
        "full_name": "Phạm Văn Đức",
        "consent": True,
        field: value,
    }
    response = await api.post(f"{API}/auth/register", json=body)
    assert_problem(response, 422, "invalid")


async def test_login_refresh_rotation_and_reuse_detection(api: httpx.AsyncClient) -> None:
    await register(api, "rotate@example.vn")
    wrong = await api.post(
        f"{API}/auth/login", json={"email": "rotate@example.vn", "password": "sai-mat-khau-roi"}
    )
    assert_problem(wrong, 401, "invalid_credentials")
    unknown = await api.post(
        f"{API}/auth/login", json={"email": "nobody@example.vn", "password": "sai-mat-khau-roi"}
    )
    assert_problem(unknown, 401, "invalid_credentials")

    first = await login(api, "ROTATE@example.vn")
    assert first["token_type"] == "bearer"
    me = await api.get(f"{API}/me", headers=bearer(first["access_token"]))
    assert me.json()["email"] == "rotate@example.vn"

    rotated = await api.post(f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]

    reused = await api.post(f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert_problem(reused, 401, "refresh_reused")
    # the whole family is revoked, including the token handed out by the rotation
    after = await api.post(f"{API}/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert_problem(after, 401, "invalid_token")


async def test_logout_revokes_the_refresh_token(api: httpx.AsyncClient) -> None:
    await register(api, "logout@example.vn")
    tokens = await login(api, "logout@example.vn")
    out = await api.post(
        f"{API}/auth/logout",
        json={"refresh_token": tokens["refresh_token"]},
        headers=bearer(tokens["access_token"]),
    )
    assert out.status_code == 204
    again = await api.post(f"{API}/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert_problem(again, 401, "invalid_token")


async def test_expired_and_forged_access_tokens_are_401(
    api: httpx.AsyncClient, gateway_settings: Settings
) -> None:
    actor = Actor(id="someone", role=Role.FOUNDER)
    key = gateway_settings.jwt_secret or ""
    expired = AccessTokens(key, gateway_settings.jwt_issuer, timedelta(seconds=-5)).issue(actor)
    assert_problem(await api.get(f"{API}/me", headers=bearer(expired)), 401, "token_expired")
    forged = AccessTokens("another-key-entirely-32-bytes-long!!", "innohub", timedelta(minutes=5))
    response = await api.get(f"{API}/me", headers=bearer(forged.issue(actor)))
    assert_problem(response, 401, "invalid_token")
    none_alg = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4Iiwicm9sZSI6ImFkbWluIn0."
    assert_problem(await api.get(f"{API}/me", headers=bearer(none_alg)), 401, "invalid_token")
    assert_problem(await api.get(f"{API}/me"), 401, "unauthorized")


async def test_password_and_locale_changes(api: httpx.AsyncClient) -> None:
    await register(api, "change@example.vn")
    tokens = await login(api, "change@example.vn")
    headers = bearer(tokens["access_token"])
    updated = await api.patch(f"{API}/me", json={"locale": "en"}, headers=headers)
    assert updated.json()["locale"] == "en"
    wrong = await api.post(
        f"{API}/me/password",
        json={"current_password": "khong-dung-dau", "new_password": "mat-khau-moi-2026"},
        headers=headers,
    )
    assert_problem(wrong, 403, "forbidden")
    ok = await api.post(
        f"{API}/me/password",
        json={"current_password": "mat-khau-du-dai", "new_password": "mat-khau-moi-2026"},
        headers=headers,
    )
    assert ok.status_code == 204
    old_refresh = await api.post(
        f"{API}/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert old_refresh.status_code == 401
    await login(api, "change@example.vn", "mat-khau-moi-2026")


async def test_admin_creates_staff_accounts_and_others_may_not(api: httpx.AsyncClient) -> None:
    admin = await login(api, "admin@govap.gov.vn", "quan-tri-vien-2026")
    staff = {
        "email": "mentor@hdn.govap.vn",
        "password": "chuyen-gia-2026",
        "full_name": "Võ Thị Hồng",
        "role": "mentor",
        "organization": "business_association",
    }
    created = await api.post(
        f"{API}/admin/users", json=staff, headers=bearer(admin["access_token"])
    )
    assert created.status_code == 201, created.text
    assert created.json()["role"] == "mentor"
    assert created.json()["organization"] == "business_association"
    mentor = await login(api, "mentor@hdn.govap.vn", "chuyen-gia-2026")
    me = await api.get(f"{API}/me", headers=bearer(mentor["access_token"]))
    assert me.json()["role"] == "mentor"

    other = {**staff, "email": "x@example.vn"}
    forbidden = await api.post(
        f"{API}/admin/users", json=other, headers=bearer(mentor["access_token"])
    )
    assert_problem(forbidden, 403, "forbidden")
    assert_problem(await api.post(f"{API}/admin/users", json=other), 401, "unauthorized")
    founder_role = {**other, "role": "founder"}
    refused = await api.post(
        f"{API}/admin/users", json=founder_role, headers=bearer(admin["access_token"])
    )
    assert_problem(refused, 422, "invalid")


async def test_first_admin_is_created_once_and_never_overwritten(
    gateway_settings: Settings, js: JetStreamContext
) -> None:
    async with running_gateway(gateway_settings) as first:
        state = first.app.state.gateway  # type: ignore[attr-defined]
        assert await state.identity.ensure_admin("admin@govap.gov.vn", "mat-khau-khac-han") is False
        await login(first, "admin@govap.gov.vn", "quan-tri-vien-2026")


async def test_nosql_operators_and_oversized_bodies_are_refused(api: httpx.AsyncClient) -> None:
    operator = await api.post(
        f"{API}/auth/login", json={"email": {"$ne": None}, "password": {"$gt": ""}}
    )
    assert_problem(operator, 422, "invalid")
    big = "x" * (1024 * 1024 + 10)
    response = await api.post(
        f"{API}/auth/register",
        content=b'{"email": "' + big.encode() + b'"}',
        headers={"content-type": "application/json"},
    )
    assert_problem(response, 413, "payload_too_large")
    malformed = await api.post(
        f"{API}/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert malformed.status_code in (400, 422)
    assert malformed.headers["content-type"].startswith("application/problem+json")


async def test_errors_are_problem_json_in_vietnamese_or_english(api: httpx.AsyncClient) -> None:
    vi = assert_problem(await api.get(f"{API}/no-such-thing"), 404, "not_found")
    assert vi["title"] == "Không tìm thấy"
    en = await api.get(f"{API}/no-such-thing", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert assert_problem(en, 404, "not_found")["title"] == "Not found"
    assert en.headers["content-language"] == "en"
    assert_problem(await api.delete(f"{API}/auth/login"), 405, "method_not_allowed")


async def test_security_headers_and_request_id_on_every_response(api: httpx.AsyncClient) -> None:
    response = await api.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-request-id"] == "abc-123"


async def test_login_and_register_are_rate_limited(
    gateway_settings: Settings, js: JetStreamContext
) -> None:
    limited = gateway_settings.model_copy(update={"auth_rate_limit_per_minute": 3})
    async with running_gateway(limited) as api:
        # Mid-window, so the count cannot straddle a fixed window's boundary.
        moment = datetime(
            2099, 1, 1, 0, 0, 30, tzinfo=UTC
        )  # far ahead: no TTL sweep removes the counts
        api.app.state.auth_limits.clock = lambda: moment  # type: ignore[attr-defined]
        body = {"email": "spray@example.vn", "password": "sai-mat-khau-roi"}
        statuses = [(await api.post(f"{API}/auth/login", json=body)).status_code for _ in range(3)]
        assert statuses == [401, 401, 401]
        blocked = await api.post(f"{API}/auth/login", json=body)
        assert_problem(blocked, 429, "rate_limited")
        assert int(blocked.headers["retry-after"]) >= 1


async def test_welcome_message_reaches_the_inbox_in_vietnamese(api: httpx.AsyncClient) -> None:
    await register(api, "welcome@example.vn")
    tokens = await login(api, "welcome@example.vn")
    headers = bearer(tokens["access_token"])

    async def inbox() -> dict[str, object]:
        response = await api.get(f"{API}/notifications", headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body

    page = await eventually(inbox, until=lambda p: p["total"] == 1)
    item = page["items"][0]  # type: ignore[index]
    assert item["kind"] == "welcome"
    assert item["title"] == "Chào mừng Lê Minh Châu đến với Gò Vấp InnoHub"
    assert item["read"] is False
    assert page["unread"] == 1

    await register(api, "other@example.vn")
    other = await login(api, "other@example.vn")
    stolen = await api.post(
        f"{API}/notifications/{item['id']}/read", headers=bearer(other["access_token"])
    )
    assert_problem(stolen, 403, "forbidden")
    marked = await api.post(f"{API}/notifications/{item['id']}/read", headers=headers)
    assert marked.status_code == 200
    assert marked.json()["unread"] == 0


async def test_readiness_is_the_gateways_own_and_status_reports_each_service(
    api: httpx.AsyncClient,
) -> None:
    # registry, mentoring and competitions are not running in this test: the gateway is
    # still ready (login works without them), and the status page says who is missing.
    response = await api.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["checks"] == {"nats": "ok", "store": "ok"}
    status = (await api.get("/api/v1/status")).json()
    assert status["services"]["notifications"] == "ok"
    assert status["services"]["registry"] == "unavailable"
    assert status["all_ok"] is False
    assert (await api.get("/healthz")).json() == {"status": "ok"}
    metrics = await api.get("/metrics")
    assert "innohub_http_requests_total" in metrics.text


async def test_cors_origins_come_from_settings(
    gateway_settings: Settings, js: JetStreamContext
) -> None:
    allowed = gateway_settings.model_copy(update={"cors_origins": ["https://govap.example"]})
    async with running_gateway(allowed) as api:
        preflight = {
            "Origin": "https://govap.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        }
        ok = await api.options(f"{API}/auth/login", headers=preflight)
        assert ok.headers["access-control-allow-origin"] == "https://govap.example"
        other = await api.options(
            f"{API}/auth/login", headers={**preflight, "Origin": "https://evil.example"}
        )
        assert "access-control-allow-origin" not in other.headers


async def test_a_web_page_refreshing_on_two_gateway_copies_keeps_its_session(
    api: httpx.AsyncClient, gateway_settings: Settings, mongo: AsyncMongoClient[Document]
) -> None:
    """Two requests of one page reach two copies with the same expired session: both get
    the same new tokens (the web's grace), while a reuse after the grace, or on the API
    (no grace), still ends the whole family."""
    await register(api, "haibanSao@example.vn")
    first = await login(api, "haibansao@example.vn")
    users = UserStore(mongo[gateway_settings.database_name("gateway")])
    access = AccessTokens(
        signing_key(gateway_settings), gateway_settings.jwt_issuer, timedelta(minutes=15)
    )

    def copy() -> Identity:
        return Identity(users, NoOutbox(), access, timedelta(days=30))  # type: ignore[arg-type]

    grace = timedelta(seconds=30)
    one, two = await asyncio.gather(
        copy().refresh(first["refresh_token"], grace=grace),
        copy().refresh(first["refresh_token"], grace=grace),
    )
    assert one == two
    me = await api.get(f"{API}/me", headers=bearer(one.access_token))
    assert me.status_code == 200
    # The answer kept for the grace is sealed: the store holds no usable token.
    kept = await users.refresh_by_hash(refresh_token_hash(first["refresh_token"]))
    assert kept is not None and one.refresh_token not in str(kept)
    # The successor rotates as usual.
    third = await copy().refresh(one.refresh_token, grace=grace)
    # After the grace, the old token presented again is a reuse: the family ends.
    await users.tokens.update_one(
        {"_id": refresh_token_hash(first["refresh_token"])},
        {"$set": {"rotated_at": datetime.now(UTC) - timedelta(minutes=1)}},
    )
    with pytest.raises(AuthFailure) as reused:
        await copy().refresh(first["refresh_token"], grace=grace)
    assert reused.value.code == "refresh_reused"
    ended = await api.post(f"{API}/auth/refresh", json={"refresh_token": third.refresh_token})
    assert_problem(ended, 401, "invalid_token")
    # The API keeps no grace: two refreshes at once, one wins and the other is a reuse.
    tokens = await login(api, "haibansao@example.vn")
    answers = await asyncio.gather(
        *(
            api.post(f"{API}/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
            for _ in range(2)
        )
    )
    assert sorted(a.status_code for a in answers) == [200, 401]


class NoOutbox:
    """Refreshing publishes nothing."""


async def test_me_is_read_from_memory_yet_shows_every_change(
    api: httpx.AsyncClient, gateway_settings: Settings, mongo: AsyncMongoClient[Document]
) -> None:
    """`GET /me` is answered from the copy's memory for up to a second: this copy's own
    changes show at once, another copy's within the second."""
    await register(api, "nhotam@example.vn")
    headers = bearer((await login(api, "nhotam@example.vn"))["access_token"])
    assert (await api.get(f"{API}/me", headers=headers)).json()["locale"] == "vi"
    changed = await api.patch(f"{API}/me", json={"locale": "en"}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert (await api.get(f"{API}/me", headers=headers)).json()["locale"] == "en"
    # Another copy (its own store over the same database) changes the name.
    other = UserStore(mongo[gateway_settings.database_name("gateway")])
    user_id = (await api.get(f"{API}/me", headers=headers)).json()["id"]
    doc = await other.by_id(user_id)
    assert doc is not None
    await other.update(user_id, doc["version"], {"full_name": "Nhớ Tạm Đã Đổi"}, [])

    async def name() -> str:
        return str((await api.get(f"{API}/me", headers=headers)).json()["full_name"])

    await eventually(name, until=lambda n: n == "Nhớ Tạm Đã Đổi", timeout=5)
