"""Public pages (DESIGN §9): `/` with the district's figures and search as you type,
`/startups` with filters and paging, `/startups/{id}`, `/competitions` and
`/competitions/{id}` with published results, the language switch and `/docs`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from services.gateway.access import ANYONE
from services.gateway.cache import CACHE, PublicReads
from services.gateway.web.kit import LANG_COOKIE, Web, WebRoute, safe_next, web
from shared.contracts.events.registry import Stage
from shared.contracts.rpc.competitions.clubs import GetCoverage
from shared.contracts.rpc.competitions.contests import GetCompetition, ListCompetitions
from shared.contracts.rpc.competitions.initiatives import ListRecognisedInitiatives
from shared.contracts.rpc.competitions.judging import GetResults
from shared.contracts.rpc.registry import (
    GetStartup,
    RegistryFiguresRequest,
    SearchStartups,
    StartupView,
    SuggestStartups,
)
from shared.i18n import LOCALES
from shared.infra.broker import RpcFailure
from shared.localtime import local_date

router = APIRouter(include_in_schema=False, dependencies=[ANYONE], route_class=WebRoute)
Page = Annotated[Web, Depends(web)]
PAGE_SIZE = 12
#: Since the platform's first day: the district's figures at a glance count everything.
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


async def wards_and_sectors(request: Request, locale: str) -> dict[str, Any]:
    """Today's wards and the sectors as `(code, name)` pairs for filters and forms."""
    reference = request.app.state.gateway.reference
    wards = await reference.wards(on=local_date(datetime.now(UTC)), ward_set=None)
    sectors = await reference.sectors()
    return {
        "wards": [(d.get("code", d["_id"]), d["name"]) for d in wards],
        "sectors": [
            (d.get("code", d["_id"]), d.get(f"name_{locale}") or d.get("name_vi", d["_id"]))
            for d in sectors
        ],
        "stages": list(Stage),
    }


def names(options: list[tuple[str, str]]) -> dict[str, str]:
    """Code → name of reference options."""
    return dict(options)


@router.get("/")
async def home(page: Page, q: Annotated[str, Query(max_length=200)] = "") -> Response:
    """The district at a glance and the search box."""
    # The two RPCs (and the unread count of a signed-in reader) at once.
    _, figures, competitions = await asyncio.gather(
        page.load_unread(),
        page.try_call(RegistryFiguresRequest(start=EPOCH, end=datetime.now(UTC))),
        page.try_call(ListCompetitions(page=1, page_size=3)),
    )
    found = await _search(page, q) if q.strip() else None
    return page.render("home.html", figures=figures, competitions=competitions, q=q, found=found)


async def _search(page: Web, q: str) -> Any:
    """The search box's suggestions for `q` (≤ 8, no total; issue 19), or None."""
    try:
        suggest = SuggestStartups(q=q.strip()[:200], limit=8)
    except ValidationError:
        return None
    return await page.try_call(suggest)


@router.get("/search")
async def search_box(page: Page, q: Annotated[str, Query(max_length=200)] = "") -> Response:
    """The search results fragment htmx swaps in as the person types (also a page alone)."""
    found = await _search(page, q) if q.strip() else None
    if page.request.headers.get("hx-request"):
        return page.render("_search_results.html", q=q, found=found)
    await page.load_unread()
    return page.render("home.html", figures=None, competitions=None, q=q, found=found)


@router.get("/startups")
async def startups(request: Request, page: Page) -> Response:
    """The public list with filters (ward, sector, stage, women-led, youth-led) and paging."""
    await page.load_unread()
    query = request.query_params
    refs = await wards_and_sectors(request, page.locale)
    q = query.get("q", "")[:200]
    chosen: dict[str, str | bool | None] = {
        "q": q,
        "ward": query.get("ward") or None,
        "sector": query.get("sector") or None,
        "stage": query.get("stage") or None,
        "women_led": True if query.get("women_led") else None,
        "youth_led": True if query.get("youth_led") else None,
    }
    try:
        number = max(1, min(10_000, int(query.get("page", "1"))))
    except ValueError:
        number = 1
    errors = None
    result = None
    try:
        search = SearchStartups(
            **{k: v for k, v in chosen.items() if k != "q"},
            q=q.strip() or None,
            page=number,
            page_size=PAGE_SIZE,
        )
        result = await page.call(search)
    except (ValidationError, RpcFailure) as error:
        errors = page.errors_of(error)
    pages = max(1, -(-result.total // PAGE_SIZE)) if result else 1
    link = {k: ("1" if v is True else v) for k, v in chosen.items() if v}

    def page_url(n: int) -> str:
        return "/startups?" + urlencode({**link, "page": n})

    return page.render(
        "startups.html",
        result=result,
        chosen=chosen,
        errors=errors,
        number=number,
        pages=pages,
        page_url=page_url,
        ward_names=names(refs["wards"]),
        sector_names=names(refs["sectors"]),
        **refs,
    )


async def _startup(page: Web, read: GetStartup) -> StartupView:
    """The startup as the reader may see it: an anonymous reader's from the gateway's public
    cache (the JSON API's, emptied by every registry event), anyone else's from the
    registry. A refusal is the page's 404 or 403, as `page.call` makes it."""
    cache = page.request.app.state.gateway.extras.get(CACHE)
    if page.actor is None and isinstance(cache, PublicReads):
        body = await cache.read(read, lambda: page.call(read))
        return StartupView.model_validate_json(body)
    return await page.call(read)


@router.get("/startups/{startup_id}")
async def startup(request: Request, startup_id: str, page: Page) -> Response:
    """One startup as the reader may see it (owners and staff see every field)."""
    await page.load_unread()
    found = await _startup(page, GetStartup(startup_id=startup_id[:64]))
    refs = await wards_and_sectors(request, page.locale)
    return page.render(
        "startup.html",
        startup=found,
        ward_names=names(refs["wards"]),
        sector_names=names(refs["sectors"]),
        mine=page.actor is not None and page.actor.id == found.owner_id,
    )


@router.get("/competitions")
async def competitions(page: Page, p: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    """Competitions, newest first."""
    await page.load_unread()
    result = await page.call(ListCompetitions(page=p, page_size=PAGE_SIZE))
    pages = max(1, -(-result.total // PAGE_SIZE))
    return page.render("competitions.html", result=result, number=p, pages=pages)


@router.get("/competitions/{competition_id}")
async def competition(competition_id: str, page: Page) -> Response:
    """One competition, its rubric and, once published, its results."""
    await page.load_unread()
    found = await page.call(GetCompetition(competition_id=competition_id[:64]))
    results = await page.try_call(GetResults(competition_id=found.id))
    return page.render("competition.html", competition=found, results=results)


@router.get("/initiatives")
async def recognised_initiatives(
    page: Page, p: Annotated[int, Query(ge=1, le=10_000)] = 1
) -> Response:
    """Initiatives (sáng kiến) the council recognised, newest decision first, without
    their authors' names (personal data)."""
    await page.load_unread()
    result = await page.call(ListRecognisedInitiatives(page=p, page_size=PAGE_SIZE))
    pages = max(1, -(-result.total // PAGE_SIZE))
    return page.render("initiatives.html", result=result, number=p, pages=pages)


@router.get("/lang")
async def switch_language(
    page: Page,
    to: Annotated[str, Query(max_length=5)] = "vi",
    next: Annotated[str, Query(max_length=500)] = "/",
) -> Response:
    """Remember the reader's language in a cookie and go back where they were."""
    if to in LOCALES:
        page.set_cookie(LANG_COOKIE, to)
    return page.redirect(safe_next(next))


@router.get("/docs")
async def docs() -> HTMLResponse:
    """Swagger UI for the JSON API, from vendored assets (no CDN)."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="Gò Vấp InnoHub API",
        swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url="/static/swagger-ui/swagger-ui.css",
        swagger_favicon_url="/static/swagger-ui/favicon-32x32.png",
    )


@router.get("/clubs")
async def clubs(request: Request, page: Page) -> Response:
    """School club coverage by ward and by level against the plan's 50 % target."""
    await page.load_unread()
    coverage = await page.call(GetCoverage())
    refs = await wards_and_sectors(request, page.locale)
    return page.render("clubs.html", coverage=coverage, ward_names=names(refs["wards"]))
