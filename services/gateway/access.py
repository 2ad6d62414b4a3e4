"""Who may call what: one table per router, enforced by one dependency.

A route with no rule in its router's table is refused (fail closed), and the
authorisation-matrix test is generated from these tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.params import Depends as DependsParam

from services.gateway.problems import Problem
from shared.contracts.base import Actor, Role

API_PREFIX = "/api/v1"

ANYONE: frozenset[Role] | None = None
SIGNED_IN: frozenset[Role] = frozenset(Role)
ADMIN = frozenset({Role.ADMIN})
STAFF = frozenset({Role.ASSOCIATION_STAFF, Role.ADMIN})


def roles(*allowed: Role) -> frozenset[Role]:
    return frozenset(allowed)


@dataclass(frozen=True)
class AccessTable:
    """`{"POST /auth/register": ANYONE, "GET /me": SIGNED_IN, ...}` for one router."""

    rules: Mapping[str, frozenset[Role] | None]

    def rule_for(self, method: str, path: str) -> frozenset[Role] | None:
        key = f"{method} {path.removeprefix(API_PREFIX)}"
        if key not in self.rules:
            raise Problem("forbidden", "no access rule is declared for this endpoint")
        return self.rules[key]

    def dependency(self) -> DependsParam:
        async def enforce(request: Request) -> None:
            route = request.scope.get("route")
            path = getattr(route, "path", request.url.path)
            allowed = self.rule_for(request.method, path)
            actor: Actor | None = request.state.actor
            if allowed is ANYONE:
                return
            if actor is None:
                raise Problem("unauthorized", headers={"WWW-Authenticate": "Bearer"})
            if actor.role not in allowed:
                raise Problem("forbidden")

        return Depends(enforce)


ALL_TABLES: list[AccessTable] = []


def table(rules: Mapping[str, frozenset[Role] | None]) -> AccessTable:
    access = AccessTable(rules)
    ALL_TABLES.append(access)
    return access
