"""Every endpoint × every role and anonymous, checked against DESIGN §9's "who" column
written out as data (`access_matrix.WHO`), not against the rules the routes declare.

A role wrong on a route, a route the table does not list, or a route without exactly one
access rule fails here.
"""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from services.gateway.access import (
    ANYONE,
    check_every_route_has_one_rule,
    declared_rules,
)
from services.gateway.app import build_app
from shared.contracts.base import Role
from shared.infra.settings import Settings
from tests.integration.access_matrix import WHO
from tests.integration.conftest import bearer, login, register

API = "/api/v1"
PASSWORD = "mat-khau-ma-tran-2026"


def served(app: FastAPI) -> list[str]:
    """`METHOD /path` of every documented endpoint; deleting one's own account goes last,
    since it ends that account's sessions."""
    found = [
        f"{method.upper()} {path}"
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    ]
    return sorted(found, key=lambda endpoint: (endpoint == f"DELETE {API}/me", endpoint))


def test_the_fixture_lists_exactly_the_endpoints_the_gateway_serves() -> None:
    app = build_app(Settings(service="gateway"))
    endpoints = served(app)
    assert len(endpoints) > 20
    assert sorted(set(endpoints) - set(WHO)) == [], "served but missing from access_matrix.WHO"
    assert sorted(set(WHO) - set(endpoints)) == [], "in access_matrix.WHO but not served"


def test_every_route_declares_exactly_one_access_rule() -> None:
    app = build_app(Settings(service="gateway"))
    declared = declared_rules(app.routes)
    assert [endpoint for endpoint, rule in declared.items() if rule is None] == []
    assert set(served(app)) <= set(declared)


def test_a_route_without_an_access_rule_stops_the_gateway_from_starting() -> None:
    router = APIRouter()

    @router.get("/forgotten")
    async def forgotten() -> dict[str, str]:
        return {}

    @router.get("/twice", dependencies=[ANYONE, ANYONE])
    async def twice() -> dict[str, str]:
        return {}

    app = FastAPI()
    app.include_router(router, prefix=API)
    with pytest.raises(RuntimeError, match="GET /api/v1/forgotten, GET /api/v1/twice"):
        check_every_route_has_one_rule(app.routes)


async def tokens_by_role(api: httpx.AsyncClient) -> dict[Role, str]:
    admin = (await login(api, "admin@govap.gov.vn", "quan-tri-vien-2026"))["access_token"]
    tokens = {Role.ADMIN: admin}
    for role in Role:
        if role in (Role.ADMIN, Role.FOUNDER):
            continue
        email = f"{role.value}@matrix.example.vn"
        created = await api.post(
            f"{API}/admin/users",
            json={
                "email": email,
                "password": PASSWORD,
                "full_name": "Người Kiểm Thử",
                "role": role.value,
                "organization": "youth_union",
            },
            headers=bearer(admin),
        )
        assert created.status_code == 201, created.text
        tokens[role] = (await login(api, email, PASSWORD))["access_token"]
    await register(api, "founder@matrix.example.vn", password=PASSWORD)
    # The founder's address follows the pattern `sign_in_again` uses.
    tokens[Role.FOUNDER] = (await login(api, "founder@matrix.example.vn", PASSWORD))["access_token"]
    return tokens


async def sign_in_again(api: httpx.AsyncClient) -> dict[Role, str]:
    """Fresh access tokens for the accounts `tokens_by_role` made: signing out ends every
    access token of the user at once (issue 13)."""
    tokens = {Role.ADMIN: (await login(api, "admin@govap.gov.vn", "quan-tri-vien-2026"))}
    for role in Role:
        if role != Role.ADMIN:
            tokens[role] = await login(api, f"{role.value}@matrix.example.vn", PASSWORD)
    return {role: pair["access_token"] for role, pair in tokens.items()}


def _refused_as_anonymous(response: httpx.Response) -> bool:
    return (
        response.status_code == 401
        and response.headers.get("www-authenticate") == "Bearer"
        and response.headers["content-type"].startswith("application/problem+json")
    )


def _refused_for_role(response: httpx.Response) -> bool:
    return response.status_code == 403 and response.headers["content-type"].startswith(
        "application/problem+json"
    )


async def test_every_endpoint_refuses_exactly_the_callers_the_design_leaves_out(
    api: httpx.AsyncClient,
) -> None:
    tokens = await tokens_by_role(api)
    endpoints = served(api.app)  # type: ignore[attr-defined]
    mismatches = []
    checked = 0
    for endpoint in endpoints:
        method, path = endpoint.split(" ", 1)
        allowed = WHO[endpoint]
        url = re.sub(r"\{[^}]+\}", "no-such-id", path)
        callers: list[tuple[Role | None, dict[str, str]]] = [(None, {})]
        callers += [(role, bearer(token)) for role, token in tokens.items()]
        for role, headers in callers:
            response = await api.request(method, url, json={}, headers=headers)
            if allowed is not None and role not in allowed:
                ok = (
                    _refused_as_anonymous(response) if role is None else _refused_for_role(response)
                )
            else:
                ok = response.status_code not in (401, 403)
            checked += 1
            if not ok:
                who = "anonymous" if role is None else role.value
                mismatches.append(f"{endpoint} as {who}: {response.status_code}")
        if endpoint == f"POST {API}/auth/logout":
            tokens = await sign_in_again(api)
    assert mismatches == []
    assert checked == (1 + len(Role)) * len(WHO)
