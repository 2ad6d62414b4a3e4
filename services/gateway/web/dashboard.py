"""The district dashboard (issue 16) for the Economic Division (admin) and organizers, the
district report's readers (`routes/reports.py`: REPORT_READERS): the report's breakdowns of
a period as server-rendered charts, each with its numbers in a table under it, drawn from
the very JSON `GET /reports/district` answers (wards as the set valid in the period)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.gateway import reports
from services.gateway.access import ANYONE
from services.gateway.web.charts import report_charts
from services.gateway.web.console_admin import chosen_period, district
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
    period = chosen_period(request, default=datetime.now(HCMC).strftime("%Y-%m"))
    report = await district(request, period)
    sections = {s: reports.heading(s, page.locale) for s in reports.SECTIONS}
    charts = report_charts(report, sections, target_label=page.t("console.dashboard.target"))
    return page.render(
        "console/dashboard.html", period=period, report=report, charts=charts, sections=sections
    )
