"""Who may call what, declared on each route (DESIGN §6: every endpoint declares the
roles that may call it; ownership is checked in the service).

A route states its rule once, beside its path::

    @router.post("/{startup_id}/verify", dependencies=[STAFF])

`build_app` refuses to start when a route carries no rule or more than one
(`check_every_route_has_one_rule`), so an endpoint cannot ship open by mistake.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.params import Depends
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute

from services.gateway.problems import Problem
from shared.contracts.base import Actor, Role


class AccessRule:
    """The dependency behind a route's rule: `roles` that may call it, or `None` for anyone.

    Called by FastAPI before the route's parameters are read, it returns the actor (or
    `None` for an anonymous caller of a public route). Raises `Problem("unauthorized")`
    (401 with `WWW-Authenticate: Bearer`) when nobody is signed in on a protected route,
    and `Problem("forbidden")` (403, no detail) when the caller's role is not allowed.
    """

    def __init__(self, roles: frozenset[Role] | None) -> None:
        self.roles = roles

    def __repr__(self) -> str:
        if self.roles is None:
            return "AccessRule(anyone)"
        return f"AccessRule({', '.join(sorted(self.roles))})"

    async def __call__(self, request: Request) -> Actor | None:
        """The actor, after refusing a caller the rule leaves out (401 or 403)."""
        actor: Actor | None = request.state.actor
        if self.roles is None:
            return actor
        if actor is None:
            raise Problem("unauthorized", headers={"WWW-Authenticate": "Bearer"})
        if actor.role not in self.roles:
            raise Problem("forbidden")
        return actor


def allow(*roles: Role) -> Depends:
    """The rule letting exactly `roles` call a route, for `dependencies=[...]`."""
    if not roles:
        raise ValueError("allow() needs at least one role; use ANYONE for a public route")
    return Depends(dependency=AccessRule(frozenset(roles)))


#: Public: anyone, signed in or not (a bad token is still a 401, see `resolve_actor`).
ANYONE = Depends(dependency=AccessRule(None))
#: Every signed-in account, whatever its role.
SIGNED_IN = allow(*Role)
ADMIN = allow(Role.ADMIN)
#: The Consultation Point's staff (association_staff) and admin.
STAFF = allow(Role.ASSOCIATION_STAFF, Role.ADMIN)
ORGANIZER = allow(Role.ORGANIZER)
JUDGE = allow(Role.JUDGE)


def _rules(dependant: Dependant) -> Iterable[AccessRule]:
    for sub in dependant.dependencies:
        if isinstance(sub.call, AccessRule):
            yield sub.call
        yield from _rules(sub)


def declared_rules(routes: Sequence[BaseRoute]) -> dict[str, AccessRule | None]:
    """`{"METHOD /full/path": rule}` for every API route of an app (`app.routes`), prefixes
    included; the rule is `None` when a route declares none, or more than one."""
    declared: dict[str, AccessRule | None] = {}
    # FastAPI includes routers lazily; its route contexts carry the full path and the
    # dependant with every router's dependencies merged in.
    for context in iter_route_contexts(routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        rules = list(_rules(context.dependant))
        for method in sorted(context.methods or ()):
            declared[f"{method} {context.path}"] = rules[0] if len(rules) == 1 else None
    return declared


def check_every_route_has_one_rule(routes: Sequence[BaseRoute]) -> None:
    """Fail closed at start-up: raises `RuntimeError` naming each route without exactly
    one access rule."""
    missing = [endpoint for endpoint, rule in declared_rules(routes).items() if rule is None]
    if missing:
        raise RuntimeError(f"routes without exactly one access rule: {', '.join(missing)}")
