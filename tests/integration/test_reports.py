"""The district report through the gateway: a known world's figures, formats, locking,
a missing service, permissions."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from services.competitions.app import build_app as build_competitions
from services.events.app import build_app as build_events
from services.gateway.reports import HCMC
from services.mentoring.app import build_app as build_mentoring
from services.registry.app import build_app as build_registry
from shared.infra.settings import Settings
from shared.infra.testing import eventually
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
        running_service(build_competitions, settings, "competitions"),
        running_service(build_events, settings, "events"),
    ):
        owner = await founder(api, "report-owner@example.vn")
        await wait_ready(api, owner)
        checker = await staff(api, "report-staff@hdn.govap.vn")
        a = await create(api, owner, name="Một", women_led=True, founder_birth_year=2001)
        b = await create(api, owner, name="Hai", women_led=False, stage="idea")
        await create(api, owner, name="Ba", ward="an-nhon", sector="education", women_led=True)
        for startup in (a, b):
            await api.post(f"{API}/startups/{startup['id']}/verify", headers=checker)
        headers = await admin(api)

        async def counted() -> dict[str, Any]:
            response = await api.get(
                f"{API}/reports/district", params={"period": this_month()}, headers=headers
            )
            report: dict[str, Any] = response.json()
            return report

        # the registry sums its own events into daily figures a moment after each change
        await eventually(counted, until=lambda r: (r.get("startups") or {}).get("verified") == 2)
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
        assert report["missing_sections"] == []
        assert report["competitions"]["held"] == 0
        clubs = report["clubs"]
        assert clubs["schools"] == 20  # the seeded schools
        assert clubs["coverage"] == 0.0
        assert clubs["target"] == 0.5
        assert clubs["schools_by_ward"]["Phường Gò Vấp"] == 4
        assert clubs["coverage_by_ward"]["Phường Gò Vấp"] == 0.0
        assert report["initiatives"]["filed"] == 0
        assert report["events"]["events_held"] == 0
        assert report["events"]["year_to_date"]["attendees"] == 0
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
    # Accept-Language decides for a caller without a saved choice; the admin's saved locale
    # (Vietnamese) wins over the header until they choose English (DESIGN §7).
    asked = await world.get(
        f"{API}/reports/district",
        params={**params, "format": "xlsx"},
        headers={**headers, "Accept-Language": "en"},
    )
    assert "Khởi nghiệp" in load_workbook(io.BytesIO(asked.content)).sheetnames
    chosen = await world.patch(f"{API}/me", json={"locale": "en"}, headers=headers)
    assert chosen.status_code == 200, chosen.text
    english = await world.get(
        f"{API}/reports/district", params={**params, "format": "xlsx"}, headers=headers
    )
    assert "Startups" in load_workbook(io.BytesIO(english.content)).sheetnames


async def test_locked_versions_and_drift(world: httpx.AsyncClient) -> None:
    headers = await admin(world)
    period = {"period": this_month()}
    locked = await world.post(f"{API}/reports/district/lock", params=period, headers=headers)
    assert locked.status_code == 201, locked.text
    assert locked.json()["locked"]["version"] == 1
    owner = bearer((await login(world, "report-owner@example.vn"))["access_token"])
    await create(world, owner, name="Bốn")  # data changes after the lock

    async def current() -> dict[str, object]:
        report: dict[str, object] = (
            await world.get(f"{API}/reports/district", params=period, headers=headers)
        ).json()
        return report

    async def live_registered() -> int:
        response = await world.get(
            f"{API}/reports/district", params={**period, "live": "true"}, headers=headers
        )
        return int(response.json()["startups"]["registered"])

    await eventually(live_registered, until=lambda n: n == 4)
    frozen = await current()
    assert frozen["startups"]["registered"] == 3  # type: ignore[index]
    assert frozen["drifted_sections"] == ["startups"]
    live = await world.get(
        f"{API}/reports/district", params={**period, "live": "true"}, headers=headers
    )
    assert live.json()["startups"]["registered"] == 4
    no_reason = await world.post(f"{API}/reports/district/lock", params=period, headers=headers)
    assert no_reason.status_code == 422
    organizer_lock = await world.post(
        f"{API}/reports/district/lock", params=period, json={"reason": "bổ sung"}, headers=owner
    )
    assert organizer_lock.status_code == 403
    second = await world.post(
        f"{API}/reports/district/lock",
        params=period,
        json={"reason": "Bổ sung dự án đăng ký muộn"},
        headers=headers,
    )
    assert second.json()["locked"]["version"] == 2
    assert (await current())["startups"]["registered"] == 4  # type: ignore[index]
    versions = (
        await world.get(f"{API}/reports/district/versions", params=period, headers=headers)
    ).json()
    assert [v["version"] for v in versions["items"]] == [1, 2]
    assert versions["items"][1]["reason"] == "Bổ sung dự án đăng ký muộn"


async def test_a_service_that_does_not_answer_is_a_missing_section(
    settings: Settings, api: httpx.AsyncClient
) -> None:
    async with running_service(build_registry, settings, "registry"):
        headers = await admin(api)
        report = await api.get(
            f"{API}/reports/district", params={"period": this_month()}, headers=headers
        )
        assert report.status_code == 200
        body = report.json()
        assert body["startups"]["registered"] == 0
        assert set(body["missing_sections"]) == {
            "consultations",
            "competitions",
            "clubs",
            "initiatives",
            "events",
        }
        refused = await api.post(
            f"{API}/reports/district/lock", params={"period": this_month()}, headers=headers
        )
        assert refused.status_code == 503


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


async def test_exports_show_labels_dates_and_a_header(world: httpx.AsyncClient) -> None:
    """Labels instead of codes, dd/mm/yyyy, percentages and the header block, read back
    from the XLSX with openpyxl and from the CSV with csv (issue 14)."""
    headers = await admin(world)
    period = this_month()
    year, month = period.split("-")
    xlsx = await world.get(
        f"{API}/reports/district", params={"period": period, "format": "xlsx"}, headers=headers
    )
    assert xlsx.status_code == 200, xlsx.text
    book = load_workbook(io.BytesIO(xlsx.content))
    general = {row[0]: row[1] for row in book["Thông tin chung"].iter_rows(values_only=True)}
    assert general["Đơn vị báo cáo"] == "Phòng Kinh tế"
    assert general["Kính gửi"] == "Ủy ban nhân dân phường Gò Vấp"
    assert general["Kỳ báo cáo"] == f"Tháng {int(month)}/{year}"
    assert general["Kỳ báo cáo đã kết thúc"] == "Không"
    due = general["Hạn nộp"]
    assert isinstance(due, str) and len(due.split("/")) == 3 and len(due) == 10
    startups = {r[0]: r[1] for r in book["Khởi nghiệp"].iter_rows(min_row=2, values_only=True)}
    assert startups["Theo giai đoạn / Ý tưởng"] == 1
    assert startups["Theo giai đoạn / Sản phẩm khả dụng tối thiểu"] == 2
    assert startups["Theo lĩnh vực / Nông nghiệp công nghệ cao"] == 2
    clubs = {
        r[0]: r[1] for r in book["Câu lạc bộ trường học"].iter_rows(min_row=2, values_only=True)
    }
    assert clubs["Chỉ tiêu"] == "50 %"
    assert clubs["Đạt chỉ tiêu"] == "Không"
    cells = [
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    ]
    for code in ("idea", "mvp", "agriculture", "education", "False", "due_date", "complete", "0.5"):
        assert code not in cells, code
    raw = await world.get(
        f"{API}/reports/district", params={"period": period, "format": "csv"}, headers=headers
    )
    rows = list(csv.reader(io.StringIO(raw.content.decode("utf-8-sig"))))
    assert ["Khởi nghiệp", "Theo giai đoạn / Ý tưởng", "1"] in rows
    assert ["Thông tin chung", "Đơn vị báo cáo", "Phòng Kinh tế"] in rows
    assert raw.headers["content-disposition"] == (
        f"attachment; filename=\"bao-cao-{period}.csv\"; filename*=UTF-8''bao-cao-{period}.csv"
    )
    report = (
        await world.get(f"{API}/reports/district", params={"period": period}, headers=headers)
    ).json()
    assert report["startups"]["by_stage"] == {"idea": 1, "mvp": 2}
    assert report["labels"]["by_stage"] == {"idea": "Ý tưởng", "mvp": "Sản phẩm khả dụng tối thiểu"}
    assert report["labels"]["by_sector"]["agriculture"] == "Nông nghiệp công nghệ cao"
    assert report["period_title"] == f"Tháng {int(month)}/{year}"
    assert report["header"] == {
        "issued_by": "Phòng Kinh tế",
        "recipient": "Ủy ban nhân dân phường Gò Vấp",
    }


async def test_periods_from_the_url_are_canonical(world: httpx.AsyncClient) -> None:
    """A line break in the period is a clean 422, not a closed connection, and a period with
    spaces around is the same report version as without (issue 14)."""
    headers = await admin(world)
    for fmt in ("csv", "xlsx", "json"):
        response = await world.get(
            f"{API}/reports/district", params={"period": "2026\n", "format": fmt}, headers=headers
        )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "\n" not in "".join(response.headers.values())
    period = this_month()
    padded = await world.get(
        f"{API}/reports/district", params={"period": f" {period} "}, headers=headers
    )
    assert padded.status_code == 200, padded.text
    assert padded.json()["period"] == period
    first = await world.post(
        f"{API}/reports/district/lock", params={"period": f" {period} "}, headers=headers
    )
    assert first.status_code == 201, first.text
    again = await world.post(
        f"{API}/reports/district/lock", params={"period": period}, headers=headers
    )
    assert again.status_code == 422, again.text  # a second version of the same period
    versions = await world.get(
        f"{API}/reports/district/versions", params={"period": period}, headers=headers
    )
    assert [v["period"] for v in versions.json()["items"]] == [period]
    lower = await world.get(
        f"{API}/reports/district",
        params={"period": f"{period[:4]}-h2", "format": "csv"},
        headers=headers,
    )
    assert lower.status_code == 200
    assert f'filename="bao-cao-{period[:4]}-H2.csv"' in lower.headers["content-disposition"]
