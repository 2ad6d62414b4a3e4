"""Guarded routers pick the same route as FastAPI's own matching for every path the gateway
serves, and for paths it does not (issue 19: routing cost, not routing behaviour)."""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

from fastapi.routing import _IncludedRouter
from starlette.routing import Match

from services.gateway.app import build_app
from services.gateway.routing import _GuardedRouter
from shared.infra.settings import Settings

APP = build_app(Settings(jwt_secret="k" * 40))


def _sample(template: str) -> str:
    """A concrete path for a route template: each parameter becomes a plausible value."""
    return re.sub(r"\{[^}:]+:path\}", "a/b.css", re.sub(r"\{[^}:]+\}", "x0190", template))


def _resolve(scope: dict[str, Any], guarded: bool) -> tuple[int, Match, MutableMapping[str, Any]]:
    """(index of the first top-level route that matches fully, else the first partial one)
    as the guarded app resolves it, or as FastAPI alone would."""
    partial: tuple[int, Match, MutableMapping[str, Any]] | None = None
    for index, route in enumerate(APP.router.routes):
        if not guarded and isinstance(route, _GuardedRouter):
            match, child = _IncludedRouter.matches(route, dict(scope))
        else:
            match, child = route.matches(dict(scope))
        if match == Match.FULL:
            return index, match, child
        if match == Match.PARTIAL and partial is None:
            partial = (index, match, child)
    return partial or (-1, Match.NONE, {})


def _paths() -> set[str]:
    found = {"/", "/nowhere", "/api/v1/nowhere", "/api/v1/startups/", "/static/app.css"}
    for route in APP.router.routes:
        contexts = route.effective_route_contexts() if isinstance(route, _IncludedRouter) else []
        for context in contexts:
            sample = _sample(context.path_format)
            found |= {sample, sample + "/", sample.rstrip("/") + "/extra"}
    return found


def test_the_api_and_web_routers_are_guarded() -> None:
    guarded = [r for r in APP.router.routes if isinstance(r, _GuardedRouter)]
    assert len(guarded) >= 25
    startups = next(r for r in guarded if "/api/v1/startups/" in r.heads)
    assert "/api/v1/startups" in startups.exact
    assert not startups.matches({"type": "http", "path": "/api/v1/me", "method": "GET"})[1]


def test_every_path_resolves_as_fastapi_alone_resolves_it() -> None:
    paths = _paths()
    assert len(paths) > 300
    for path in sorted(paths):
        for method in ("GET", "POST", "PATCH", "DELETE"):
            scope = {"type": "http", "path": path, "root_path": "", "method": method}
            assert _resolve(scope, guarded=True) == _resolve(scope, guarded=False), (method, path)
