"""The district report through the gateway: a known world's figures, formats, locking,
a missing service, permissions."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
from openpyxl import load_workbook

from services.gateway.reports import HCMC
from services.mentoring.app import build_app as build_mentoring
from services.registry.app import build_app as build_registry
from shared.infra.settings import Settings
from tests.integration.conftest import bearer, login, running_service
from tests.integration.test_registry import create, founder, staff, wait_ready

API = "/api/v1"
ADMIN = ("admin@govap.gov.vn", "quan-tri-vien-2026")


@pytest.fixture
async def world(settings: Settings, api: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """Three startups this month: two in Phường Gò Vấp, one in An Nhơn; two verified."""
    async with (
        running_service(build_registry, settings, "registry"),
        running_service(build_mentoring, settings, "mentoring"),
    ):
        owner = await founder(api, "report-owner@example.vn")
        await wait_ready(api, owner)
        checker = await staff(api, "report-staff@hdn.govap.vn")
        a = await create(api, owner, name="Một", women_led=True, founder_birth_year=2001)
        b = await create(api, owner, name="Hai", women_led=False, stage="idea")
        await create(api, owner, name="Ba", ward="an-nhon", sector="education", women_led=True)
        for startup in (a, b):
            await api.post(f"{API}/startups/{startup['id']}/verify", headers=checker)
        yield api


def this_month() -> str:
    return datetime.now(HCMC).strftime("%Y-%m")


async def admin(api: httpx.AsyncClient) -> dict[str, str]:
    return bearer((await login(api, *ADMIN))["access_token"])


async def test_known_world_figures_for_month_half_and_year(world: httpx.AsyncClient) -> None:
    headers = await admin(world)
    year = datetime.now(HCMC).year
    half = "H1" if datetime.now(HCMC).month <= 6 else "H2"
    for period in (this_month(), f"{year}-{half}", str(year)):
        response = await world.get(
            f"{API}/reports/district", params={"period": period}, headers=headers
        )
        assert response.status_code == 200, response.text
        report = response.json()
        startups = report["startups"]
        assert startups["registered"] == 3, period
        assert startups["verified"] == 2
        assert startups["women_led"] == 2
        assert startups["youth_led"] == 1
        assert startups["by_ward"] == {"Phường An Nhơn": 1, "Phường Gò Vấp": 2}
        assert startups["by_sector"] == {"agriculture": 2, "education": 1}
        assert startups["by_stage"] == {"idea": 1, "mvp": 2}
        assert startups["year_to_date"]["registered"] == 3
        assert report["consultations"]["requests"] == 0
        assert report["consultations"]["year_to_date"]["sessions_held"] == 0
        # competitions is not running here: named, not hidden behind a 503
        assert set(report["missing_sections"]) == {"competitions", "clubs", "initiatives"}
        assert report["competitions"] is None
    last_year = await world.get(
        f"{API}/reports/district", params={"period": str(year - 1)}, headers=headers
    )
    assert last_year.json()["startups"]["registered"] == 0
    assert last_year.json()["complete"] is True
    assert last_year.json()["due_date"] == f"{year - 1}-11-10"


async def test_csv_and_xlsx_read_back(world: httpx.AsyncClient) -> None:
    headers = await admin(world)
    params = {"period": this_month()}
    raw = await world.get(
        f"{API}/reports/district", params={**params, "format": "csv"}, headers=headers
    )
    assert raw.status_code == 200
    assert raw.headers["content-type"].startswith("text/csv")
    assert raw.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.content.decode("utf-8-sig"))))
    assert ["Khởi nghiệp", "Đăng ký mới", "3"] in rows
    assert ["Khởi nghiệp", "Theo phường / Phường Gò Vấp", "2"] in rows
    xlsx = await world.get(
        f"{API}/reports/district", params={**params, "format": "xlsx"}, headers=headers
    )
    book = load_workbook(io.BytesIO(xlsx.content))
    figures = {r[0]: r[1] for r in book["Khởi nghiệp"].iter_rows(min_row=2, values_only=True)}
    assert figures["Đăng ký mới"] == 3
    assert figures["Được xác minh"] == 2
    english = await world.get(
        f"{API}/reports/district",
        params={**params, "format": "xlsx"},
        headers={**headers, "Accept-Language": "en"},
    )
    assert "Startups" in load_workbook(io.BytesIO(english.content)).sheetnames


async def test_locked_versions_and_drift(world: httpx.AsyncClient, settings: Settings) -> None:
    headers = await admin(world)
    period = this_month()
    # a report with missing sections cannot be frozen
    refused = await world.post(
        f"{API}/reports/district/lock", params={"period": period}, headers=headers
    )
    assert refused.status_code == 503
    assert set(refused.json()["missing"]) == {"competitions", "clubs", "initiatives"}


async def test_permissions_and_bad_periods(world: httpx.AsyncClient) -> None:
    owner = bearer((await login(world, "report-owner@example.vn"))["access_token"])
    assert (
        await world.get(f"{API}/reports/district", params={"period": "2026"}, headers=owner)
    ).status_code == 403
    assert (
        await world.get(f"{API}/reports/district", params={"period": "2026"})
    ).status_code == 401
    headers = await admin(world)
    for bad in ("2026-13", "2026-H3", "20xx"):
        response = await world.get(
            f"{API}/reports/district", params={"period": bad}, headers=headers
        )
        assert response.status_code == 422, bad
