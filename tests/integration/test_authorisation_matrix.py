"""Every endpoint × every role (and anonymous), generated from the declared access tables.

A route without a rule fails here, so a new endpoint cannot ship without one.
"""

from __future__ import annotations

import re

import httpx

from services.gateway.access import ALL_TABLES, ANYONE
from shared.contracts.base import Role
from tests.integration.conftest import bearer, login, register

API = "/api/v1"
PASSWORD = "mat-khau-ma-tran-2026"


def declared_rule(method: str, path: str) -> tuple[bool, frozenset[Role] | None]:
    key = f"{method} {path.removeprefix(API)}"
    for access in ALL_TABLES:
        if key in access.rules:
            return True, access.rules[key]
    return False, None


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
    tokens[Role.FOUNDER] = (await login(api, "founder@matrix.example.vn", PASSWORD))["access_token"]
    return tokens


def routes(api: httpx.AsyncClient) -> list[tuple[str, str]]:
    schema = api.app.openapi()  # type: ignore[attr-defined]
    found = [
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
    ]
    assert len(found) > 20
    # Deleting one's own account goes last: it ends that account's sessions.
    return sorted(found, key=lambda r: (r == ("DELETE", f"{API}/me"), r))


async def test_every_endpoint_has_a_rule_and_the_rule_holds_for_every_role(
    api: httpx.AsyncClient,
) -> None:
    tokens = await tokens_by_role(api)
    undeclared = [f"{m} {p}" for m, p in routes(api) if not declared_rule(m, p)[0]]
    assert undeclared == []

    mismatches = []
    checked = 0
    for method, path in routes(api):
        _, allowed = declared_rule(method, path)
        url = re.sub(r"\{[^}]+\}", "no-such-id", path)
        callers: list[tuple[str, dict[str, str]]] = [("anonymous", {})]
        callers += [(role.value, bearer(token)) for role, token in tokens.items()]
        for who, headers in callers:
            response = await api.request(method, url, json={}, headers=headers)
            status = response.status_code
            if allowed is ANYONE:
                ok = status not in (401, 403)
            elif who == "anonymous":
                ok = status == 401
            elif Role(who) in allowed:
                ok = status not in (401, 403) or (status == 403 and _ownership(response))
            else:
                ok = status == 403
            checked += 1
            if not ok:
                mismatches.append(f"{method} {path} as {who}: {status}")
    assert mismatches == []
    assert checked == (1 + len(Role)) * len(routes(api))


def _ownership(response: httpx.Response) -> bool:
    """A 403 that is about owning the thing (checked in the service), not about the role."""
    return bool(response.json().get("detail"))
