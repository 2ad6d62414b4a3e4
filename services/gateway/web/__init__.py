"""The server-rendered web app (issue 15, DESIGN §10): Jinja2 pages over the same RPCs and
use cases as the JSON API, htmx and one CSS from `/static`, no CDN, no build step.

`install(app)` is the one call `build_app` makes: it mounts `/static`, adds every page's
router and the handlers that turn "sign in first" and refusals into pages.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from services.gateway.web import (
    account,
    certificates,
    console_admin,
    console_council,
    console_judge,
    console_organizer,
    console_school,
    console_staff,
    dashboard,
    events,
    founder,
    inbox,
    initiative_form,
    mentor,
    public,
    recovery,
    sessions,
)
from services.gateway.web.kit import STATIC, LoginRequired, PageRefused, Refresher, Web


def install(app: FastAPI) -> None:
    """Mount the web app on the gateway `app` (pages, `/static`, `/docs`)."""
    app.state.web_refresher = Refresher()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # The founder's `/startups/new` before the public `/startups/{startup_id}`.
    # The organizer's `/events/new` is declared before `/events/{event_id}` in `events`.
    for module in (
        account,
        founder,
        initiative_form,
        inbox,
        mentor,
        public,
        events,
        certificates,
        recovery,
        sessions,
    ):
        app.include_router(module.router)
    # The consoles of issue 16 (staff, organizers, judges, schools, admin) and the dashboard.
    for console in (
        console_staff,
        console_organizer,
        console_judge,
        console_school,
        console_admin,
        console_council,
        dashboard,
    ):
        app.include_router(console.router)

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_path, safe='')}", status_code=303)

    @app.exception_handler(PageRefused)
    async def refused(request: Request, exc: PageRefused) -> Response:
        page = Web(request)
        page.actor = getattr(request.state, "actor", None)
        return page.render(
            "error.html", status=exc.status, message=page.t(exc.message_id), detail=exc.detail
        )
