"""The consoles in a real browser (issue 16), one stack for the module, each role signed in
once: staff verify a startup from the queue and propose a mentor from the suggestions; an
organizer builds a rubric (weights not summing to 100 % refused next to the criteria),
assigns three judges, a judge declares a conflict and the others score blind, the results
are published with the tie rule and shown publicly; an advisor registers a club and logs
an activity; the admin downloads the month's XLSX (read back with openpyxl and compared
with the JSON) and locks it; every chart's table matches the report JSON; each console
refuses the other roles as the API's matrix does; axe finds nothing serious on any
console page; screenshots at 360 and 1280 px."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx
import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, BrowserContext, Page, expect

from services.competitions.initiatives import decision_due
from shared.text import fold
from tests.browser.conftest import (
    ADMIN,
    API,
    PASSWORD,
    api_founder,
    axe_violations,
    create_user,
    once_known,
    poll,
    shoot,
    sign_in,
    token,
)
from tests.browser.test_journey import api_startup
from tests.integration.access_matrix import WHO

pytestmark = pytest.mark.browser
HCMC = ZoneInfo("Asia/Ho_Chi_Minh")
#: Each console's home and the API endpoint whose roles it follows (access_matrix.py).
CONSOLES = {
    "/console/staff": "POST /api/v1/startups/{startup_id}/verify",
    "/console/staff/consultations": "GET /api/v1/consultations/{request_id}/suggestions",
    "/console/organizer": "POST /api/v1/competitions",
    "/console/organizer/competitions/new": "POST /api/v1/competitions",
    "/console/judge": "GET /api/v1/judging/assignments",
    "/console/school": "POST /api/v1/clubs",
    "/console/admin": "GET /api/v1/admin/users",
    "/console/admin/report": "POST /api/v1/reports/district/lock",
    "/console/admin/dead-letters": "GET /api/v1/admin/dead-letters",
    "/dashboard": "GET /api/v1/reports/district",
    "/dashboard/trend": "GET /api/v1/reports/district",
    "/console/organizer/initiatives": "POST /api/v1/initiatives/{initiative_id}/council",
    "/console/judge/initiatives": "POST /api/v1/initiatives/{initiative_id}/reviews",
}


#: The judges' given names: the organizer finds each by typing it without tones.
JUDGE_NAMES = {1: "Ánh", 2: "Bình", 3: "Cường"}


class People:
    """One signed-in browser context per person, made once for the module."""

    def __init__(self, browser: Browser, base_url: str, api: httpx.Client) -> None:
        self.browser = browser
        self.base_url = base_url
        self.api = api
        self.contexts: dict[str, BrowserContext] = {}
        self.accounts: dict[str, dict[str, Any]] = {}

    def account(
        self, name: str, role: str, organization: str, full_name: str = "Nguyễn Thị Thu Hà"
    ) -> dict[str, Any]:
        """The account called `name` (created through the admin API on first use)."""
        if name not in self.accounts:
            self.accounts[name] = create_user(self.api, role, organization, full_name)
        return self.accounts[name]

    def page(self, name: str, width: int = 1280, *, bypass_csp: bool = False) -> Page:
        """A new page in `name`'s signed-in context (`admin` is the seeded admin)."""
        key = f"{name}-{width}-{bypass_csp}"
        if key not in self.contexts:
            context = self.browser.new_context(
                base_url=self.base_url,
                viewport={"width": width, "height": 900},
                locale="vi-VN",
                bypass_csp=bypass_csp,
            )
            email = ADMIN[0] if name == "admin" else self.accounts[name]["email"]
            password = ADMIN[1] if name == "admin" else PASSWORD
            page = context.new_page()
            page.set_default_timeout(20_000)
            sign_in(page, email, password)
            page.close()
            self.contexts[key] = context
        page = self.contexts[key].new_page()
        page.set_default_timeout(20_000)
        return page

    def close(self) -> None:
        """Close every context."""
        for context in self.contexts.values():
            context.close()


@pytest.fixture(scope="module")
def people(browser: Browser, base_url: str, api: httpx.Client) -> Iterator[People]:
    """The module's people: staff, an organizer, three judges, an advisor, a mentor."""
    found = People(browser, base_url, api)
    found.account("staff", "association_staff", "business_association")
    found.account("organizer", "organizer", "youth_union")
    for n in (1, 2, 3):
        found.account(f"judge{n}", "judge", "youth_union", f"Trần Quốc Khảo {JUDGE_NAMES[n]}")
    found.account("advisor", "school_advisor", "thcs-go-vap")
    found.account("mentor", "mentor", "business_association")
    yield found
    found.close()


def this_month() -> str:
    """The current month in Asia/Ho_Chi_Minh, `YYYY-MM`."""
    return datetime.now(HCMC).strftime("%Y-%m")


def founder_with_startup(api: httpx.Client, name: str) -> tuple[dict[str, str], str]:
    """A founder registered through the API with a submitted (not yet verified) startup."""
    headers, ward = api_founder(api, "Phạm Thu Trang")
    body = {
        "name": name,
        "summary": "Nền tảng đặt món cho các bếp ăn tập thể ở Gò Vấp.",
        "sector": "other",
        "stage": "mvp",
        "ward": ward,
        "needs": ["funding"],
    }
    created = api.post(f"{API}/startups", json=body, headers=headers)
    assert created.status_code == 201, created.text
    return headers, created.json()["id"]


def test_staff_verify_from_the_queue_and_match_a_mentor(people: People, api: httpx.Client) -> None:
    name = f"Bếp ăn thông minh {uuid.uuid4().hex[:6]}"
    founder, startup_id = founder_with_startup(api, name)
    other_name = f"Dự án bị từ chối {uuid.uuid4().hex[:6]}"
    _, rejected_id = founder_with_startup(api, other_name)
    staff = people.page("staff")

    def queued() -> bool:
        staff.goto("/console/staff")
        return staff.locator(f"#startup-{rejected_id}").count() == 1

    poll(queued)
    card = staff.locator(f"#startup-{startup_id}")
    expect(card.locator(".missing")).to_contain_text("Trang web")
    # Rejecting without a reason is refused next to the reason, in one step.
    other = staff.locator(f"#startup-{rejected_id}")
    other.locator("button[value=reject]").click()
    expect(staff.locator(f"#e-reason-{rejected_id}")).to_be_visible()
    staff.fill(f"#reason-{rejected_id}", "Hồ sơ chưa có mô tả sản phẩm rõ ràng.")
    staff.locator(f"#startup-{rejected_id} button[value=reject]").click()
    expect(staff.locator("p.ok")).to_be_visible()
    staff.locator(f"#startup-{startup_id} button[value=verify]").click()
    expect(staff.locator("p.ok")).to_be_visible()
    expect(staff.locator(f"#startup-{startup_id}")).to_have_count(0)
    admin = token(api, *ADMIN)
    status = api.get(f"{API}/startups/{startup_id}", headers=admin).json()["status"]
    assert status == "verified"
    assert api.get(f"{API}/startups/{rejected_id}", headers=admin).json()["status"] == "rejected"

    # A consultation request and a mentor whose expertise fits it.
    mentor = people.account("mentor", "mentor", "business_association")
    profile = {"expertise": ["gọi vốn"], "languages": ["vi"], "monthly_capacity": 5}
    poll(
        lambda: (
            api.post(f"{API}/mentors", json=profile, headers=mentor["headers"]).status_code
            in (201, 409)
        )
    )
    draft = {
        "startup_id": startup_id,
        "topics": ["gọi vốn"],
        "message": "Chúng tôi cần lời khuyên về gọi vốn hạt giống.",
    }
    # Mentoring may not have heard of the startup yet (404): ask again until it has.
    opened = once_known(lambda: api.post(f"{API}/consultations", json=draft, headers=founder))
    assert opened.status_code == 201, opened.text
    request_id = opened.json()["id"]

    def suggested() -> bool:
        staff.goto("/console/staff/consultations")
        button = staff.locator(
            f"#request-{request_id} form:has(input[value='{mentor['id']}']) button"
        )
        return button.count() == 1

    poll(suggested)
    expect(staff.locator(f"#request-{request_id} td ul li").first).not_to_be_empty()
    # The queue of requests with its suggestions, filled, passes axe too (and is kept).
    for width in (1280, 360):
        checked = people.page("staff", width, bypass_csp=True)
        checked.goto("/console/staff/consultations")
        expect(checked.locator(f"#request-{request_id}")).to_be_visible()
        assert width == 360 or axe_violations(checked) == []
        shoot(checked, "console-staff-suggestions")
        checked.close()
    staff.locator(f"#request-{request_id} form:has(input[value='{mentor['id']}']) button").click()
    expect(staff.locator("p.ok")).to_be_visible()
    found = api.get(f"{API}/consultations/{request_id}", headers=admin).json()
    assert found["status"] == "proposed" and found["mentor_id"] == mentor["id"]
    staff.goto("/console/staff/mentors")
    expect(staff.locator("main table")).to_contain_text("5")


def test_organizer_judges_and_results(people: People, api: httpx.Client) -> None:
    # The two verified startups that will enter, made before the entry window opens so
    # that the window holds only the organizer's steps and the entries themselves.
    names = []
    entrants = []
    for n in (1, 2):
        name = f"Dự án dự thi {n} {uuid.uuid4().hex[:6]}"
        names.append(name)
        headers, startup_id = founder_with_startup(api, name)
        verified = api.post(
            f"{API}/startups/{startup_id}/verify", json={}, headers=token(api, *ADMIN)
        )
        assert verified.status_code == 200, verified.text
        entrants.append((headers, startup_id))
    organizer = people.page("organizer")
    organizer.goto("/console/organizer/competitions/new")
    title = f"Cuộc thi Sáng tạo trẻ {uuid.uuid4().hex[:6]}"
    entry_deadline = datetime.now(HCMC) + timedelta(seconds=60)
    organizer.fill("#f-title", title)
    organizer.select_option("#f-kind", "youth_startup")
    organizer.fill("#f-description", "Cuộc thi cho các dự án khởi nghiệp của thanh niên quận.")
    organizer.fill("#f-entry_deadline", entry_deadline.strftime("%Y-%m-%dT%H:%M:%S"))
    judging = entry_deadline + timedelta(days=3)
    organizer.fill("#f-judging_deadline", judging.strftime("%Y-%m-%dT%H:%M"))
    organizer.fill("#f-criterion_0", "Tính khả thi")
    organizer.fill("#f-weight_0", "60")
    organizer.fill("#f-criterion_1", "Tính sáng tạo")
    organizer.fill("#f-weight_1", "30")
    organizer.fill("#f-max_score", "10")
    organizer.fill("#f-judges_per_entry", "2")
    organizer.fill("#f-winners", "1")
    organizer.click("main form button[type=submit]")
    # 60 % + 30 % is refused, the error next to the criteria, what was typed kept.
    expect(organizer.locator("#e-criteria")).to_be_visible()
    expect(organizer.locator("#f-weight_1")).to_have_value("30")
    organizer.fill("#f-weight_1", "40")
    organizer.fill("#f-entry_deadline", entry_deadline.strftime("%Y-%m-%dT%H:%M:%S"))
    organizer.fill("#f-judging_deadline", judging.strftime("%Y-%m-%dT%H:%M"))
    organizer.click("main form button[type=submit]")
    organizer.wait_for_url(re.compile(r"/console/organizer/competitions/[^/?]+$"))
    competition_id = organizer.url.rsplit("/", 1)[1]
    organizer.click(f"form[action$='{competition_id}/publish'] button")
    expect(organizer.locator("#competition-status")).to_have_text("Đã công bố")
    # Judges are chosen by name, typed without tones ("khao cuong" finds "Khảo Cường").
    for n in (1, 2, 3):
        judge = people.accounts[f"judge{n}"]
        typed = f"khao {fold(JUDGE_NAMES[n])}"

        def offered(typed: str = typed, judge_id: str = judge["id"]) -> bool:
            organizer.goto(
                f"/console/organizer/competitions/{competition_id}?judge_q={quote(typed)}"
            )
            return organizer.locator(f"#f-user_id option[value='{judge_id}']").count() == 1

        poll(offered)
        assert organizer.locator("#f-judge_q").input_value() == typed
        organizer.select_option("#f-user_id", judge["id"])
        organizer.click(f"form[action$='{competition_id}/judge'] button")
        expect(organizer.locator("p.ok")).to_be_visible()
    expect(organizer.locator("#judge-load tbody tr")).to_have_count(3)
    load = organizer.inner_text("#judge-load")
    assert all(f"Trần Quốc Khảo {name}" in load for name in JUDGE_NAMES.values())
    # A name nobody has says so instead of an empty list.
    organizer.goto(f"/console/organizer/competitions/{competition_id}?judge_q=zzzz")
    expect(organizer.locator("#no-judges")).to_be_visible()

    # Two verified startups enter through the API before the deadline (the first answer
    # may be 404 while competitions has not yet heard of the verification).
    for n, (headers, startup_id) in enumerate(entrants, start=1):
        entry = {"startup_id": startup_id, "title": f"Bài {n}", "description": "Mô tả bài dự thi."}

        def enter(
            entry: dict[str, str] = entry, headers: dict[str, str] = headers
        ) -> httpx.Response:
            return api.post(
                f"{API}/competitions/{competition_id}/entries", json=entry, headers=headers
            )

        entered = once_known(enter)
        assert entered.status_code == 201, f"entry {n}: {entered.text}"

    # Once the entry deadline passes the judges see their entries, blind.
    judges = {n: people.page(f"judge{n}") for n in (1, 2, 3)}

    def assigned(n: int) -> int:
        judges[n].goto("/console/judge")
        return judges[n].locator(f"section[id^='entry-']:has-text('{title}')").count()

    poll(lambda: sum(assigned(n) for n in (1, 2, 3)) == 4, timeout=120)
    for page in judges.values():
        for name in names:
            assert name not in page.inner_text("main")
    conflicted = next(n for n in (1, 2, 3) if assigned(n) > 0)
    section = judges[conflicted].locator(f"section[id^='entry-']:has-text('{title}')").first
    entry_id = (section.get_attribute("id") or "")[len("entry-") :]
    section.locator("summary").click()
    section.locator("textarea[name=reason]").fill("Tôi là cố vấn của đội này.")
    section.locator("form[action$='/conflict'] button").click()
    expect(judges[conflicted].locator("p.ok")).to_be_visible()
    expect(judges[conflicted].locator(f"#entry-{entry_id}")).to_have_count(0)

    # Every remaining assignment scored the same: a tie.
    for n, page in judges.items():
        page.goto("/console/judge")
        sections = page.locator(f"section[id^='entry-']:has-text('{title}')")
        for index in range(sections.count()):
            current = sections.nth(index)
            expect(current.locator("legend")).to_contain_text("0")
            expect(current.locator("legend")).to_contain_text("10")
            current.locator("input[name=score_0]").fill("8")
            current.locator("input[name=score_1]").fill("7")
            current.locator("form[action$='/score'] button").click()
            expect(page.locator("p.ok")).to_be_visible()
            sections = page.locator(f"section[id^='entry-']:has-text('{title}')")
        assert n == conflicted or sections.count() >= 1

    organizer.goto(f"/console/organizer/competitions/{competition_id}")
    # The organizer sees the conflict and its reason by the judge's name, and every judge
    # has scored what they hold (4 score sets over the panel, nobody still owing one).
    conflict_row = organizer.locator("#conflicts tbody tr")
    expect(conflict_row).to_have_count(1)
    expect(conflict_row).to_contain_text(f"Trần Quốc Khảo {JUDGE_NAMES[conflicted]}")
    expect(conflict_row).to_contain_text("Tôi là cố vấn của đội này.")
    rows = organizer.locator("#judge-load tbody tr")
    scored = sum(int(rows.nth(i).locator("td").nth(1).inner_text()) for i in range(3))
    assert scored == 4
    expect(organizer.locator("#judge-load")).not_to_contain_text("chưa chấm")
    organizer.click(f"form[action$='{competition_id}/results'] button")
    expect(organizer.locator("#results tbody tr")).to_have_count(2)
    expect(organizer.locator("#tie-rule")).to_be_visible()
    expect(organizer.locator("#results")).to_contain_text("Có")

    public = people.browser.new_context(base_url=people.base_url, locale="vi-VN")
    try:
        visitor = public.new_page()
        visitor.goto(f"/competitions/{competition_id}")
        expect(visitor.locator("main")).to_contain_text("Bài 1")
        expect(visitor.locator("main")).to_contain_text("Bài 2")
        results = api.get(f"{API}/competitions/{competition_id}/results").json()
        assert all(row["rank"] == 1 for row in results["rows"])  # the share rule
    finally:
        public.close()


def test_advisor_registers_a_club_and_logs_an_activity(people: People) -> None:
    advisor = people.page("advisor")
    advisor.goto("/console/school")
    name = f"CLB Robot {uuid.uuid4().hex[:6]}"
    advisor.fill("#f-name", name)
    advisor.select_option("#f-kind", "robotics")
    advisor.fill("#f-members_count", "24")
    advisor.click("#club-form button[type=submit]")
    expect(advisor.locator("p.ok")).to_be_visible()
    club = advisor.locator(f"section.club:has-text('{name}')")
    expect(club).to_have_count(1)
    today = datetime.now(HCMC).date()
    club.locator("input[name=date]").fill(today.isoformat())
    club.locator("input[name=title]").fill("Buổi lắp ráp robot đầu tiên")
    club.locator("input[name=participants]").fill("18")
    club.locator("form[action$='/activities'] button").click()
    expect(advisor.locator("p.ok")).to_be_visible()
    club = advisor.locator(f"section.club:has-text('{name}')")
    expect(club.locator("table.activities")).to_contain_text("Buổi lắp ráp robot đầu tiên")
    expect(club.locator("table.activities")).to_contain_text(today.strftime("%d/%m/%Y"))


def _report_json(api: httpx.Client, period: str) -> dict[str, Any]:
    response = api.get(
        f"{API}/reports/district",
        params={"period": period},
        headers={**token(api, *ADMIN), "Accept-Language": "vi"},
    )
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def agree(disagreements: Callable[[], list[str]], timeout: float = 60.0) -> None:
    """Ask `disagreements()` (what a page or file says that the report's JSON, read at the
    same moment, does not) until it finds none. The figures are live: a startup made a
    moment ago is counted once the registry's consumer has it, and a service slower than
    the report's 3 s budget leaves its section out of that one answer; so two reads may
    differ for a while, but a page that is wrong never agrees. Raises `AssertionError`
    with the last disagreements after `timeout` seconds."""
    last: list[str] = []

    def settled() -> bool:
        last[:] = disagreements()
        return not last

    try:
        poll(settled, timeout=timeout, interval=1.0)
    except AssertionError:
        raise AssertionError(last) from None


def test_admin_downloads_the_xlsx_and_locks_the_month(people: People, api: httpx.Client) -> None:
    period = this_month()
    admin = people.page("admin")

    def workbook_disagreements() -> list[str]:
        admin.goto(f"/console/admin/report?period={period}")
        expect(admin.locator("#report-facts")).to_be_visible()
        with admin.expect_download() as download_info:
            admin.click("#download-xlsx")
        data = download_info.value.path().read_bytes()
        book = load_workbook(io.BytesIO(data))
        report = _report_json(api, period)
        if report["missing_sections"]:
            return [f"missing {report['missing_sections']}"]
        headings = report["labels"]["headings"]
        sheet = book[headings["startups"][:31]]
        cells = {str(row[0]): row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
        startups = report["startups"]
        wrong = [
            f"{key}: {cells.get(headings[key])} != {startups[key]}"
            for key in ("registered", "verified", "women_led", "youth_led")
            if cells.get(headings[key]) != startups[key]
        ]
        for ward, count in startups["by_ward"].items():
            shown = cells.get(f"{headings['by_ward']} / {ward}")
            if shown != count:
                wrong.append(f"ward {ward}: {shown} != {count}")
        return wrong

    agree(workbook_disagreements)

    # Switched to English, the console's download is in English too (the browser still
    # asks for Vietnamese, and the account's saved language is Vietnamese).
    admin.goto(f"/lang?to=en&next=/console/admin/report?period={period}")
    with admin.expect_download() as download_info:
        admin.click("#download-xlsx")
    english = load_workbook(io.BytesIO(download_info.value.path().read_bytes()))
    assert "Startups" in english.sheetnames, english.sheetnames
    admin.goto(f"/lang?to=vi&next=/console/admin/report?period={period}")

    admin.click("form[action^='/console/admin/report/lock'] button")
    expect(admin.locator("#locked-version")).to_have_text("1")
    # A second version needs its reason, said next to the field.
    admin.click("form[action^='/console/admin/report/lock'] button")
    expect(admin.locator("#e-reason")).to_be_visible()
    admin.fill("#f-reason", "Bổ sung số liệu câu lạc bộ trường học.")
    admin.click("form[action^='/console/admin/report/lock'] button")
    expect(admin.locator("#locked-version")).to_have_text("2")
    expect(admin.locator("#versions tbody tr")).to_have_count(2)
    versions = api.get(
        f"{API}/reports/district/versions", params={"period": period}, headers=token(api, *ADMIN)
    ).json()["items"]
    assert [v["version"] for v in versions] == [1, 2]


def test_every_chart_table_matches_the_report_json(people: People, api: httpx.Client) -> None:
    period = this_month()
    # At least one startup this month, so the ward chart has a bar.
    api_startup(api, f"Dự án biểu đồ {uuid.uuid4().hex[:6]}")
    for name in ("admin", "organizer"):
        page = people.page(name)

        def chart_disagreements(page: Page = page) -> list[str]:
            page.goto(f"/dashboard?period={period}")
            report = _report_json(api, period)
            if report["missing_sections"]:
                return [f"missing {report['missing_sections']}"]
            charts = page.locator("figure.chart")
            assert charts.count() >= 3
            wrong = []
            for index in range(charts.count()):
                chart = charts.nth(index)
                section = chart.get_attribute("data-section") or ""
                figure = chart.get_attribute("data-figure") or ""
                expected = (report.get(section) or {}).get(figure) or {}
                rows = chart.locator("tbody tr")
                shown = {
                    rows.nth(i).get_attribute("data-key"): float(
                        rows.nth(i).get_attribute("data-value") or "nan"
                    )
                    for i in range(rows.count())
                }
                if shown != {k: float(v) for k, v in expected.items()}:
                    wrong.append(f"{section}.{figure}: {shown} != {expected}")
                assert (chart.locator("img").get_attribute("src") or "").startswith(
                    "data:image/svg+xml;base64,"
                )
            return wrong

        agree(chart_disagreements)


def test_each_console_refuses_the_other_roles(people: People) -> None:
    roles = {
        "staff": "association_staff",
        "organizer": "organizer",
        "judge1": "judge",
        "advisor": "school_advisor",
        "mentor": "mentor",
        "admin": "admin",
    }
    anonymous = people.browser.new_context(base_url=people.base_url)
    try:
        for path in CONSOLES:
            answer = anonymous.request.get(path, max_redirects=0)
            assert answer.status in (302, 303), path
            assert answer.headers["location"].startswith("/login"), path
    finally:
        anonymous.close()
    for name, role in roles.items():
        page = people.page(name)
        for path, endpoint in CONSOLES.items():
            allowed = WHO[endpoint]
            assert allowed is not None
            answer = page.request.get(path, max_redirects=0)
            if any(r.value == role for r in allowed):
                assert answer.status == 200, (name, path, answer.status)
            else:
                assert answer.status == 403, (name, path, answer.status)
        page.close()


def test_console_pages_pass_axe_and_screenshots_are_kept(people: People) -> None:
    pages = {
        "staff": [
            "/console/staff",
            "/console/staff/consultations",
            "/console/staff/batch",
            "/console/staff/mentors",
        ],
        "organizer": [
            "/console/organizer",
            "/console/organizer/competitions/new",
            "/console/organizer/initiatives",
            "/dashboard",
            "/dashboard/trend",
        ],
        "judge1": ["/console/judge", "/console/judge/initiatives"],
        "advisor": ["/console/school"],
        "admin": [
            "/console/admin",
            "/console/admin/reference",
            "/console/admin/dead-letters",
            f"/console/admin/report?period={this_month()}",
            "/dashboard",
        ],
    }
    problems: dict[str, Any] = {}
    for width in (1280, 360):
        for name, paths in pages.items():
            page = people.page(name, width, bypass_csp=True)
            for path in paths:
                page.goto(path)
                if width == 1280 and (found := axe_violations(page)):
                    problems[f"{name} {path}"] = found
                shoot(page, "console-" + re.sub(r"[^a-z0-9]+", "-", f"{name}{path}").strip("-"))
            page.close()
    assert problems == {}


def test_the_dashboard_charts_render_under_the_csp(people: People) -> None:
    page = people.page("admin")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"/dashboard?period={this_month()}")
    first = page.locator("figure.chart img").first
    expect(first).to_be_visible()
    width = first.evaluate("img => img.naturalWidth")
    assert width > 0
    assert not [e for e in errors if "Content Security Policy" in e]


def test_initiative_council_votes_and_decision(people: People, api: httpx.Client) -> None:
    filer, _ = founder_with_startup(api, f"Người nộp sáng kiến {uuid.uuid4().hex[:6]}")
    title = f"Số hoá hồ sơ một cửa {uuid.uuid4().hex[:6]}"
    dossier = {
        "title": title,
        "authors": [{"name": "Võ Thị Mai", "share": 60}, {"name": "Đặng Quốc Huy", "share": 40}],
        "unit": "UBND phường Gò Vấp",
        "field": "Cải cách hành chính",
        "solution": "Quét và ký số hồ sơ ngay tại quầy một cửa.",
        "novelty": "Trước đây hồ sơ giấy được chuyển tay giữa các bộ phận.",
        "applied_where": "Bộ phận một cửa phường Gò Vấp",
        "applied_since": "2026-01-05",
        "economic_benefit": "Tiết kiệm 120 triệu đồng giấy in mỗi năm.",
        "social_benefit": "Người dân chờ ít hơn một nửa thời gian.",
        "can_spread": True,
    }
    filed = api.post(f"{API}/initiatives", json=dossier, headers=filer)
    assert filed.status_code == 201, filed.text
    initiative_id = filed.json()["id"]
    organizer = people.page("organizer")
    organizer.goto("/console/organizer/initiatives")
    card = organizer.locator(f"#initiative-{initiative_id}")
    # The council is ticked by name among the judge accounts.
    for n in (1, 2, 3):
        card.get_by_label(f"Trần Quốc Khảo {JUDGE_NAMES[n]}").check()
    card.locator("form[action$='/council'] button").click()
    expect(organizer.locator("p.ok")).to_be_visible()
    card = organizer.locator(f"#initiative-{initiative_id}")
    # Three calendar months from today (Decree 13/2012's limit): 89 to 92 days, one fewer
    # if the local day turned since the dossier was accepted.
    today = datetime.now(HCMC).date()
    left = (decision_due(today) - today).days
    expect(card).to_contain_text(re.compile(rf"còn ({left}|{left - 1}) ngày"))
    # One vote in favour of three is short of two thirds: recognition is refused.
    judge = people.page("judge1")
    judge.goto("/console/judge/initiatives")
    form = judge.locator(f"#initiative-{initiative_id} form")
    for index in range(form.locator("input[type=number]").count()):
        form.locator(f"input[name=points_{index}]").fill("20")
    form.locator("input[value=yes]").check()
    form.locator("button[type=submit]").click()
    expect(judge.locator("p.ok")).to_be_visible()
    organizer.goto("/console/organizer/initiatives")
    card = organizer.locator(f"#initiative-{initiative_id}")
    expect(card.locator(".votes")).to_contain_text("1 trên 3")
    card.locator("input[name=recognised][value=yes]").check()
    card.locator("select[name=scope]").select_option("ward")
    card.locator("form[action$='/decision'] button").click()
    expect(organizer.locator(f"#initiative-{initiative_id} .alert")).to_be_visible()
    # A second vote in favour makes two thirds.
    second = people.page("judge2")
    second.goto("/console/judge/initiatives")
    form = second.locator(f"#initiative-{initiative_id} form")
    for index in range(form.locator("input[type=number]").count()):
        form.locator(f"input[name=points_{index}]").fill("20")
    form.locator("input[value=yes]").check()
    form.locator("button[type=submit]").click()
    expect(second.locator("p.ok")).to_be_visible()
    organizer.goto("/console/organizer/initiatives")
    card = organizer.locator(f"#initiative-{initiative_id}")
    card.locator("input[name=recognised][value=yes]").check()
    card.locator("select[name=scope]").select_option("ward")
    card.locator("form[action$='/decision'] button").click()
    expect(organizer.locator("p.ok")).to_be_visible()
    expect(organizer.locator(f"#initiative-{initiative_id}")).to_contain_text("Đã công nhận")
    # Anyone reads it on the public page, at its scope, without its authors' names.
    visitor = people.browser.new_context(base_url=people.base_url, locale="vi-VN")
    try:
        public = visitor.new_page()
        public.goto("/initiatives")
        card = public.locator("#recognised li", has_text=title)
        expect(card).to_contain_text("Cấp phường")
        expect(card).to_contain_text("UBND phường Gò Vấp")
        assert "Võ Thị Mai" not in public.inner_text("main")
    finally:
        visitor.close()


def test_admin_creates_finds_and_disables_a_staff_account(
    people: People, api: httpx.Client
) -> None:
    admin = people.page("admin")
    admin.goto("/console/admin")
    email = f"canbo-{uuid.uuid4().hex[:8]}@govap.example.vn"
    admin.fill("#f-full_name", "Huỳnh Minh Khoa")
    admin.fill("#f-email", email)
    admin.fill("#f-password", PASSWORD)
    admin.select_option("#f-role", "organizer")
    # No organization chosen: refused next to the field, what was typed kept.
    admin.click("form[action='/console/admin/users'] button[type=submit]")
    expect(admin.locator("#e-organization")).to_be_visible()
    expect(admin.locator("#f-email")).to_have_value(email)
    admin.fill("#f-password", PASSWORD)
    admin.select_option("#f-organization", "youth_union")
    admin.click("form[action='/console/admin/users'] button[type=submit]")
    row = admin.locator("#users tbody tr", has_text=email)
    expect(row).to_have_count(1)
    row.locator("button.danger").click()
    row = admin.locator("#users tbody tr", has_text=email)
    expect(row.locator("th")).to_contain_text("đã khóa")
    refused = api.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD})
    assert refused.status_code in (401, 403)


def test_the_month_by_month_tables_match_each_month_report(
    people: People, api: httpx.Client
) -> None:
    page = people.page("organizer")
    period = this_month()

    def trend_disagreements() -> list[str]:
        page.goto("/dashboard/trend")
        trends = page.locator("figure.trend")
        expect(trends).to_have_count(2)
        report = _report_json(api, period)
        if report["missing_sections"]:
            return [f"missing {report['missing_sections']}"]
        wrong = []
        for index in range(trends.count()):
            trend = trends.nth(index)
            columns = trend.locator("thead th[data-section]")
            keys = [
                (
                    columns.nth(i).get_attribute("data-section"),
                    columns.nth(i).get_attribute("data-figure"),
                )
                for i in range(columns.count())
            ]
            cells = trend.locator(f"tbody tr[data-period='{period}'] td")
            for i, (section, figure) in enumerate(keys):
                expected = (report.get(section or "") or {}).get(figure or "")
                value = cells.nth(i).get_attribute("data-value") or ""
                if (float(value) if value else None) != (
                    float(expected) if expected is not None else None
                ):
                    wrong.append(f"{period} {section}.{figure}: {value!r} != {expected!r}")
        return wrong

    agree(trend_disagreements)
