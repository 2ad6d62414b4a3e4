"""The server-rendered web app (issue 15, DESIGN §10): Jinja2 pages over the same RPCs and
use cases as the JSON API, htmx and one CSS from `/static`, no CDN, no build step.

`install(app)` is the one call `build_app` makes: it mounts `/static`, adds every page's
router and the handlers that turn "sign in first" and refusals into pages.
"""

from __future__ import annotations

import inspect
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.gateway.problems import request_locale
from services.gateway.web import (
    account,
    announcements,
    certificates,
    console_admin,
    console_council,
    console_judge,
    console_organizer,
    console_reference,
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
from services.gateway.web.kit import LoginRequired, PageRefused, Web
from services.gateway.web.rendering import STATIC
from services.gateway.web.token_refresh import Refresher


def wants_html(request: Request) -> bool:
    """Whether `request` is a browser's asking for a page: `text/html` accepted, and not a
    path of the JSON API (`/api/...`, `/openapi.json`)."""
    path = request.url.path
    if path.startswith("/api/") or path == "/api" or path.endswith(".json"):
        return False
    return "text/html" in request.headers.get("accept", "").lower()


def install(app: FastAPI) -> None:
    """Mount the web app on the gateway `app` (pages, `/static`, `/docs`)."""
    app.state.web_refresher = Refresher()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # The founder's `/startups/new` before the public `/startups/{startup_id}`.
    # The organizer's `/events/new` (in `announcements`) before `/events/{event_id}` (`events`).
    for module in (
        account,
        founder,
        initiative_form,
        inbox,
        mentor,
        public,
        announcements,
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
        console_reference,
        console_council,
        dashboard,
    ):
        app.include_router(console.router)

    api_http_error = app.exception_handlers[StarletteHTTPException]

    @app.exception_handler(StarletteHTTPException)
    async def not_found_page(request: Request, exc: Exception) -> Response:
        """An unknown page a browser asked for (`Accept: text/html`, outside `/api/`) gets
        the site's 404 page; everything else keeps the API's problem+json."""
        if (
            isinstance(exc, StarletteHTTPException)
            and exc.status_code == 404
            and wants_html(request)
        ):
            page = Web(request)
            return page.render("error.html", status=404, message=page.t("web.error.not_found"))
        answer = api_http_error(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_path, safe='')}", status_code=303)

    @app.exception_handler(PageRefused)
    async def refused(request: Request, exc: PageRefused) -> Response:
        page = Web(request)
        page.actor = getattr(request.state, "actor", None)
        if page.actor is not None and not page.locale_chosen:
            page.locale = await request_locale(request)  # the account's saved language
        return page.render(
            "error.html", status=exc.status, message=page.t(exc.message_id), detail=exc.detail
        )
