"""Route matching that skips the routers a path cannot reach (issue 19's profile).

FastAPI 0.165 keeps each `include_router` as one entry of the app's routes and, for every
request, asks each in turn to match the path against every one of its routes, with some
scope bookkeeping per route, and does it again for the router that matched. With 227
routes in 30 routers that cost 150–320 µs a request on this machine before any handler
ran, half the gateway's own time for a public read (py-spy, `bench/gateway.py`).

A route's path regex is anchored and starts with its template's text up to the first
`{`: `/api/v1/startups/{startup_id}` can only match a path starting `/api/v1/startups/`,
and a template without parameters only itself. So each included router learns once the
exact paths and the heads of its routes and answers "no match" at once for any other path;
for every path it might match, FastAPI's own matching runs unchanged (same order, same
405s, same redirects), so routing keeps its behaviour.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute, _IncludedRouter
from starlette._utils import get_route_path
from starlette.routing import Match, Route
from starlette.types import Scope


class _GuardedRouter(_IncludedRouter):
    """An included router that refuses, without trying its routes, a path none can match.
    Made by swapping the class of FastAPI's own object (`guard_routers`), so FastAPI's
    OpenAPI and route walks still see an included router."""

    exact: frozenset[str]
    heads: tuple[str, ...]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """`Match.NONE` when the path is none of the exact paths and starts with none of
        the heads; else FastAPI's own matching."""
        if "path" in scope:
            path = get_route_path(scope)
            if path not in self.exact and not path.startswith(self.heads):
                return Match.NONE, {}
        return super().matches(scope)


def _reach(router: _IncludedRouter) -> tuple[frozenset[str], tuple[str, ...]] | None:
    """The exact paths and path heads the router's routes can match, or None when one of
    them is of a kind whose matching this does not know (then it is left unguarded)."""
    exact: set[str] = set()
    heads: set[str] = set()
    for context in router.effective_route_contexts():
        route = context.original_route
        if isinstance(route, APIRoute):
            template = context.path_format
        elif type(route) is Route and context.starlette_route is not None:
            template = getattr(context.starlette_route, "path_format", "")
        else:
            return None
        if not template.startswith("/"):
            return None
        head, brace, _ = template.partition("{")
        if brace:
            heads.add(head)
        else:
            exact.add(template)
    return frozenset(exact), tuple(sorted(heads))


def guard_routers(app: FastAPI) -> int:
    """Guard every router included in `app` whose routes are all plain path routes; call
    it once every route is included. Returns how many routers it guarded."""
    guarded = 0
    for route in app.router.routes:
        if type(route) is not _IncludedRouter:
            continue
        reach = _reach(route)
        if reach is None:
            continue
        route.__class__ = _GuardedRouter
        assert isinstance(route, _GuardedRouter)
        route.exact, route.heads = reach
        guarded += 1
    return guarded
