"""The district dashboard (issue 16) for the Economic Division (admin) and organizers, the
district report's readers (`routes/reports.py`: REPORT_READERS): the report's breakdowns of
a period as server-rendered charts, each with its numbers in a table under it, drawn from
the very JSON `GET /reports/district` answers (wards as the set valid in the period)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.gateway import reports
from services.gateway.access import ANYONE
from services.gateway.web.charts import report_charts, trend_chart
from services.gateway.web.console_admin import district, period_refused, typed_period
from services.gateway.web.kit import Web, web
from shared.contracts.base import Role
from shared.localtime import HCMC

router = APIRouter(include_in_schema=False, dependencies=[ANYONE])
Page = Annotated[Web, Depends(web)]


@router.get("/dashboard")
async def dashboard(request: Request, page: Page) -> Response:
    """Charts of the period's report (`?period=` YYYY-MM, YYYY-H1/H2 or YYYY; the current
    month by default)."""
    page.require(Role.ADMIN, Role.ORGANIZER)
    await page.load_unread()
    period, bad = typed_period(request, default=datetime.now(HCMC).strftime("%Y-%m"))
    if bad:
        return period_refused(page, "/dashboard", "console.dashboard.title", period)
    report = await district(request, period, page.locale)
    sections = {s: reports.heading(s, page.locale) for s in reports.SECTIONS}
    charts = report_charts(
        report, sections, target_label=page.t("console.dashboard.target"), locale=page.locale
    )
    return page.render(
        "console/dashboard.html", period=period, report=report, charts=charts, sections=sections
    )


@router.get("/dashboard/trend")
async def trend(request: Request, page: Page) -> Response:
    """The year's figures month by month (`?year=`, this year by default, up to the current
    month): startups (women-led, youth-led), consultations, sessions and entries, each
    month's numbers exactly the district report's JSON of that month."""
    page.require(Role.ADMIN, Role.ORGANIZER)
    await page.load_unread()
    now = datetime.now(HCMC)
    raw = (request.query_params.get("year") or str(now.year)).strip()[:4]
    if not raw.isdigit() or not 2000 <= int(raw) <= now.year:
        return period_refused(
            page, "/dashboard/trend", "console.trend.title", raw, year=raw, name="year"
        )
    year = int(raw)
    last = now.month if year == now.year else 12
    periods = [f"{year:04d}-{month:02d}" for month in range(1, last + 1)]
    found = await asyncio.gather(*(district(request, period, page.locale) for period in periods))
    months = [(p, f"{p[5:]}/{p[:4]}", report) for p, report in zip(periods, found, strict=True)]
    headings = {
        key: reports.heading(key, page.locale)
        for key in ("registered", "women_led", "youth_led", "requests", "sessions_held", "entries")
    }
    charts = [
        trend_chart("startups", page.t("console.trend.startups"), months, headings, page.locale),
        trend_chart("activity", page.t("console.trend.activity"), months, headings, page.locale),
    ]
    return page.render("console/trend.html", year=year, charts=charts)
