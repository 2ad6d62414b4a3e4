"""The whole journey in a real browser (issue 15): a founder signs up, registers a
startup, staff verify it (through the API today), the founder reads the notice in the
inbox, asks for advice, the mentor accepts in pages, the founder books a session, the
mentor completes it, the founder rates it and enters a competition. The public finds the
startup by typing a prefix; English is one click away; forms refuse a missing CSRF token;
a script-named startup shows as text; axe finds nothing serious; screenshots are kept."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Dialog, Page, expect
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import (
    API,
    PASSWORD,
    api_founder,
    axe_violations,
    create_user,
    poll,
    shoot,
    sign_in,
    token,
)

pytestmark = pytest.mark.browser
HCMC = ZoneInfo("Asia/Ho_Chi_Minh")
NewPage = Callable[..., Page]


def sign_up(page: Page, email: str, name: str = "Trần Thị Mai") -> None:
    """Through `/signup`: a first try without consent is refused next to the box, with
    what was typed kept; then with consent."""
    page.goto("/signup")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    consent = page.locator("#f-consent")
    expect(consent).not_to_be_checked()
    page.fill("#f-full_name", name)
    page.fill("#f-email", email)
    page.fill("#f-password", PASSWORD)
    page.click("form[action='/signup'] button[type=submit]")
    error = page.locator("#e-consent")
    expect(error).to_have_attribute("role", "alert")
    expect(page.locator("#f-consent")).to_have_attribute("aria-describedby", "e-consent")
    expect(page.locator("#f-full_name")).to_have_value(name)
    page.fill("#f-password", PASSWORD)
    page.check("#f-consent")
    page.click("form[action='/signup'] button[type=submit]")
    page.wait_for_url(re.compile(r"/me$"))


def register_startup(page: Page, name: str) -> str:
    """Through `/startups/new`; returns the new startup's id."""
    page.goto("/startups/new")
    page.fill("#f-name", name)
    page.fill("#f-summary", "Ứng dụng kết nối nông sản sạch với bếp ăn trường học ở Gò Vấp.")
    page.select_option("#f-sector", index=1)
    page.select_option("#f-stage", "mvp")
    page.select_option("#f-ward", index=1)
    page.check("#f-youth_led")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert not page.url.endswith("/new"), page.locator(".alert, .error").all_inner_texts()
    return page.url.rsplit("/", 1)[1]


def verify(api: httpx.Client, startup_id: str) -> None:
    """Staff verify the startup through the JSON API."""
    admin = token(api, "admin@govap.gov.vn", "quan-tri-vien-2026")

    def verified() -> bool:
        response = api.post(f"{API}/startups/{startup_id}/verify", json={}, headers=admin)
        return response.status_code == 200

    poll(verified)


def api_startup(api: httpx.Client, name: str) -> str:
    """A founder registered through the API with a verified public startup named `name`."""
    headers, ward = api_founder(api, "Lê Văn Nam")
    body = {
        "name": name,
        "summary": "Một dự án thử nghiệm cho việc hiển thị an toàn.",
        "sector": "other",
        "stage": "idea",
        "ward": ward,
    }
    created = api.post(f"{API}/startups", json=body, headers=headers)
    assert created.status_code == 201, created.text
    startup_id: str = created.json()["id"]
    verify(api, startup_id)
    return startup_id


def test_founder_and_mentor_journey(new_page: NewPage, api: httpx.Client) -> None:
    founder = new_page()
    email = f"founder-{uuid.uuid4().hex[:8]}@govap.example.vn"
    sign_up(founder, email)
    name = f"Khởi nghiệp xanh Gò Vấp {uuid.uuid4().hex[:6]}"
    startup_id = register_startup(founder, name)
    expect(founder.locator("h1")).to_have_text(name)

    verify(api, startup_id)

    # A founder hears three things: the welcome, "received" and "verified". They come
    # from different streams in any order, so the count is read once all three are in
    # (a notice landing between the count and the click would hide a broken mark-read).
    def notices_arrived() -> bool:
        founder.goto("/inbox")
        text = founder.inner_text("main")
        return (
            name in text and "xác minh" in text and founder.locator("li.card.unread").count() == 3
        )

    poll(notices_arrived)
    shoot(founder, "journey-inbox-with-notice")
    assert int(founder.inner_text("#unread")) == 3
    first = founder.locator("li.card.unread").first
    first_id = first.get_attribute("id")
    first.locator("button").click()
    founder.wait_for_load_state()
    poll(lambda: int(founder.inner_text("#unread")) == 2, timeout=30)
    expect(founder.locator(f"#{first_id}")).not_to_have_class(re.compile(r"\bunread\b"))
    founder.goto("/inbox")
    assert int(founder.inner_text("#unread")) == 2
    assert founder.locator("li.card.unread").count() == 2

    # Notification preferences: a daily digest, kept after saving.
    founder.goto("/inbox/preferences")
    founder.check("#f-digest")
    founder.click("main form button[type=submit]")
    founder.wait_for_url(re.compile(r"saved=1"))
    expect(founder.locator("#f-digest")).to_be_checked()

    # Someone else saves while the founder edits: the form explains what changed and
    # keeps what the founder typed.
    founder.goto(f"/startups/{startup_id}/edit")
    version = founder.locator("input[name=version]").get_attribute("value")
    owner = token(api, email, PASSWORD)
    changed = api.patch(
        f"{API}/startups/{startup_id}",
        json={"version": int(version or 0), "summary": "Nội dung do người khác cập nhật trước."},
        headers=owner,
    )
    assert changed.status_code == 200, changed.text
    founder.fill("#f-name", name + " mới")
    founder.click("main form button[type=submit]")
    expect(founder.locator(".alert").first).to_contain_text("Người khác vừa thay đổi")
    expect(founder.locator("main")).to_contain_text("Nội dung do người khác cập nhật trước.")
    expect(founder.locator("#f-name")).to_have_value(name + " mới")
    shoot(founder, "journey-version-conflict")
    founder.click("main form button[type=submit]")  # saved again, over the new version
    founder.wait_for_url(re.compile(rf"/startups/{startup_id}$"))
    expect(founder.locator("h1")).to_have_text(name + " mới")

    # The history: registration, verification, the other person's edit and the founder's.
    founder.goto(f"/startups/{startup_id}/history")
    expect(founder.locator("tbody tr")).to_have_count(4)

    # Ask for advice.
    founder.goto("/consultations/new")
    founder.select_option("#f-startup_id", startup_id)
    founder.fill("#f-topics", "gọi vốn, marketing")
    founder.fill("#f-message", "Chúng tôi cần lời khuyên về gọi vốn hạt giống và tiếp thị.")
    founder.click("form[action='/consultations/new'] button[type=submit]")
    founder.wait_for_url(re.compile(r"/consultations/[^/]+$"))
    request_id = founder.url.rsplit("/", 1)[1]

    # A mentor account (made by the admin) writes a profile and a week of availability in
    # pages; staff propose the mentor through the API (today); the mentor accepts in pages.
    mentor = create_user(api, "mentor", "business_association")
    mentor_page = new_page()
    sign_in(mentor_page, mentor["email"])
    mentor_page.goto("/mentor/profile")
    mentor_page.fill("#f-expertise", "gọi vốn, marketing")
    mentor_page.fill("#f-monthly_capacity", "5")
    mentor_page.click("main form button[type=submit]")
    mentor_page.wait_for_url(re.compile(r"saved=1"))
    mentor_page.goto("/mentor/availability")
    # Free all day, and late evenings into the night (a slot across midnight), so the
    # session booked below "now" fits one slot whatever the hour the test runs at.
    for day in range(7):
        mentor_page.fill(f"#s-{day}-1", "00:00")
        mentor_page.fill(f"#e-{day}-1", "23:59")
        mentor_page.fill(f"#s-{day}-2", "20:00")
        mentor_page.fill(f"#e-{day}-2", "02:00")
    mentor_page.click("main form button[type=submit]")
    mentor_page.wait_for_url(re.compile(r"saved=1"))
    expect(mentor_page.locator("#e-0-1")).to_have_value("23:59")
    expect(mentor_page.locator("#e-6-2")).to_have_value("02:00")
    admin = token(api, "admin@govap.gov.vn", "quan-tri-vien-2026")
    proposed = api.post(
        f"{API}/consultations/{request_id}/match",
        json={"mentor_id": mentor["id"]},
        headers=admin,
    )
    assert proposed.status_code == 201, proposed.text
    mentor_page.goto("/me")
    mentor_page.click("button[name=answer][value=accept]")
    mentor_page.wait_for_url(re.compile(r"/me$"))

    # The founder books a session that has just started (the service accepts a start up
    # to 5 minutes ago), so it can be completed at once, before and after the rule that
    # a session is completed only once it has started.
    founder.goto(f"/consultations/{request_id}")
    expect(founder.locator("#consultation-status")).to_have_text(re.compile("Đã có chuyên gia"))
    starts = datetime.now(UTC).astimezone(HCMC).replace(second=0, microsecond=0)
    founder.fill("#f-starts_at", starts.strftime("%Y-%m-%dT%H:%M"))
    founder.select_option("#f-minutes", "30")
    founder.click(f"form[action='/consultations/{request_id}/book'] button[type=submit]")
    session_id = founder.locator("#session-id").get_attribute("data-session")
    assert session_id
    shoot(founder, "journey-session-booked")

    # The mentor's dashboard lists the begun session to complete.
    mentor_page.goto("/me")
    mentor_page.click(f"#to-complete a[href='/sessions/{session_id}/complete']")
    mentor_page.fill("#f-notes", "Đã rà soát kế hoạch gọi vốn và kênh tiếp thị.")
    mentor_page.fill("#f-duration_minutes", "30")
    mentor_page.click("main form button[type=submit]")
    expect(mentor_page.locator(".ok")).to_be_visible()

    founder.goto(f"/sessions/{session_id}/rate")
    founder.select_option("#f-rating", "5")
    founder.fill("#f-comment", "Rất hữu ích.")
    founder.click("form[action$='/rate'] button[type=submit]")
    expect(founder.locator(".ok")).to_be_visible()

    def rating_shown() -> bool:
        mentor_page.goto("/mentor/profile")
        # Written as Vietnamese writes numbers (QA finding 16): "5/5", "4,5/5".
        return "5/5" in mentor_page.inner_text("#feedback-h + p")

    poll(rating_shown, timeout=20)

    # Enter a competition an organizer opened (through the API today).
    organizer = create_user(api, "organizer", "youth_union")
    now = datetime.now(UTC)
    competition = {
        "title": "Cuộc thi Khởi nghiệp thanh niên Gò Vấp 2026",
        "kind": "youth_startup",
        "description": "Cuộc thi dành cho các dự án khởi nghiệp của thanh niên quận Gò Vấp.",
        "entry_deadline": (now + timedelta(days=7)).isoformat(),
        "judging_deadline": (now + timedelta(days=14)).isoformat(),
        "rubric": {"criteria": [{"name": "Tính khả thi", "weight": 1.0}]},
    }
    created = api.post(f"{API}/competitions", json=competition, headers=organizer["headers"])
    assert created.status_code == 201, created.text
    competition_id = created.json()["id"]
    published = api.post(
        f"{API}/competitions/{competition_id}/publish", headers=organizer["headers"]
    )
    assert published.status_code == 200, published.text

    def entered() -> bool:
        founder.goto(f"/competitions/{competition_id}/enter")
        founder.select_option("#f-startup_id", startup_id)
        founder.fill("#f-title", "Nông sản sạch cho bếp ăn trường học")
        founder.fill("#f-description", "Kết nối nông hộ với 20 bếp ăn trường học trong quận.")
        founder.click("main form button[type=submit]")
        founder.wait_for_load_state()
        return "entered=1" in founder.url

    poll(entered)

    # The founder's own account: a new password (still signed in), the data export, and
    # deletion with its receipt, after which the session is over.
    founder.goto("/me/password")
    founder.fill("#f-current_password", PASSWORD)
    founder.fill("#f-new_password", "mat-khau-moi-rat-dai-2026")
    founder.click("main form button[type=submit]")
    expect(founder.locator(".ok")).to_be_visible()
    founder.goto("/me")
    with founder.expect_download() as download:
        founder.click("a[href='/me/data']")
    exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert exported["gateway"]["account"]["email"] == email
    founder.goto("/me/delete")
    founder.check("#f-confirm")
    founder.click("main form button.danger")
    expect(founder.locator(".ok")).to_contain_text("Yêu cầu xoá dữ liệu cá nhân")
    founder.goto("/me")
    founder.wait_for_url(re.compile(r"/login"))


def test_public_finds_a_startup_by_typing_a_prefix(new_page: NewPage, api: httpx.Client) -> None:
    name = f"Khởi nghiệp số Hạnh Thông {uuid.uuid4().hex[:6]}"
    startup_id = api_startup(api, name)
    page = new_page(360, 800)
    page.goto("/")

    def found_by(words: str) -> Callable[[], bool]:
        def found() -> bool:
            page.fill("#q", "")
            page.type("#q", words, delay=30)
            # The results for exactly these words, not those of the words typed before.
            results = page.locator(f"#search-results[data-q='{words}']")
            try:
                results.wait_for(timeout=5000)
            except PlaywrightError:
                return False
            return results.locator(f"a[href='/startups/{startup_id}']").count() == 1

        return found

    # Whole words, accents or not, first: then only the prefix rule is left to check.
    poll(found_by("khởi nghiệp"), timeout=30)
    poll(found_by("khoi nghiep"), timeout=30)
    shoot(page, "search-as-you-type")
    poll(found_by("khoi ngh"), timeout=30)
    poll(found_by("hạnh th"), timeout=30)


def test_english_switch_shows_english_and_is_remembered(new_page: NewPage) -> None:
    page = new_page()
    page.goto("/startups")
    expect(page.locator("h1")).to_have_text("Dự án khởi nghiệp")
    page.click("a.lang")
    page.wait_for_url(re.compile(r"/startups$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Startups")
    page.goto("/signup")
    expect(page.locator("h1")).to_have_text("Create an account")


def test_a_form_posted_without_its_csrf_token_is_refused(new_page: NewPage, base_url: str) -> None:
    page = new_page()
    page.goto("/login")
    # The browser's own cookies, but no token in the form: refused.
    response = page.request.post(
        "/login", form={"email": "a@b.vn", "password": PASSWORD}, max_redirects=0
    )
    assert response.status == 403
    assert "Biểu mẫu đã hết hạn" in response.text()
    # A forged token is refused too; the page's own token works.
    forged = page.request.post(
        "/login", form={"email": "a@b.vn", "password": PASSWORD, "csrf_token": "x.y.z"}
    )
    assert forged.status == 403
    good = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    wrong_password = page.request.post(
        "/login", form={"email": "a@b.vn", "password": PASSWORD, "csrf_token": good}
    )
    assert wrong_password.status == 401
    # Another browser (no cookie) cannot reuse the token.
    with httpx.Client(base_url=base_url) as other:
        stolen = other.post("/login", data={"email": "a@b.vn", "csrf_token": good})
    assert stolen.status_code == 403


def test_a_script_named_startup_renders_as_text(new_page: NewPage, api: httpx.Client) -> None:
    name = "<script>alert(1)</script>"
    startup_id = api_startup(api, name)
    page = new_page()
    dialogs: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.goto(f"/startups/{startup_id}")
    expect(page.locator("h1")).to_have_text(name)
    assert dialogs == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.content()


def test_every_page_passes_axe_and_screenshots_are_kept(
    new_page: NewPage, api: httpx.Client
) -> None:
    startup_id = api_startup(api, f"Khởi nghiệp Gò Vấp xanh {uuid.uuid4().hex[:6]}")
    organizer = create_user(api, "organizer", "youth_union")
    now = datetime.now(UTC)
    competition = {
        "title": "Ngày hội sáng tạo Gò Vấp",
        "kind": "innovation",
        "description": "Ngày hội giới thiệu các sáng kiến đổi mới sáng tạo của quận.",
        "entry_deadline": (now + timedelta(days=7)).isoformat(),
        "judging_deadline": (now + timedelta(days=14)).isoformat(),
        "rubric": {"criteria": [{"name": "Tính sáng tạo", "weight": 1.0}]},
    }
    created = api.post(f"{API}/competitions", json=competition, headers=organizer["headers"])
    assert created.status_code == 201, created.text
    competition_id = created.json()["id"]
    api.post(f"{API}/competitions/{competition_id}/publish", headers=organizer["headers"])

    public = [
        "/",
        "/startups",
        f"/startups/{startup_id}",
        "/competitions",
        f"/competitions/{competition_id}",
        "/signup",
        "/login",
        "/clubs",
        "/initiatives",
    ]
    private = [
        "/me",
        "/inbox",
        "/inbox/preferences",
        "/startups/new",
        "/consultations/new",
        "/me/password",
        "/me/delete",
    ]
    problems: dict[str, Any] = {}
    for width in (1280, 360):
        page = new_page(width, 800, bypass_csp=True)
        for path in public:
            page.goto(path)
            if width == 1280 and (found := axe_violations(page)):
                problems[path] = found
            shoot(page, _name(path))
        sign_up(page, f"axe-{width}-{uuid.uuid4().hex[:6]}@govap.example.vn")
        for path in private:
            page.goto(path)
            if width == 1280 and (found := axe_violations(page)):
                problems[path] = found
            shoot(page, _name(path))
        # A form with errors announced next to its fields passes too.
        page.goto("/startups/new")
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        if width == 1280 and (found := axe_violations(page)):
            problems["/startups/new (errors)"] = found
        shoot(page, "startup-form-errors")
    mentor = create_user(api, "mentor", "business_association")
    for width in (1280, 360):
        page = new_page(width, 800, bypass_csp=True)
        sign_in(page, mentor["email"])
        for path in ("/mentor/profile", "/mentor/availability", "/me"):
            page.goto(path)
            if width == 1280 and (found := axe_violations(page)):
                problems[f"{path} (mentor)"] = found
            shoot(page, "mentor-" + _name(path))
    assert problems == {}


def _name(path: str) -> str:
    cleaned = re.sub(r"[0-9a-f]{8,}[-0-9a-f]*", "id", path.strip("/")) or "home"
    return re.sub(r"[^a-z0-9]+", "-", cleaned)


def test_docs_and_pages_load_nothing_from_another_host(new_page: NewPage, base_url: str) -> None:
    page = new_page()
    elsewhere: list[str] = []
    host = base_url.split("//", 1)[1]
    page.on(
        "request",
        lambda request: None if host in request.url else elsewhere.append(request.url),
    )
    docs = page.goto("/docs")
    assert docs is not None
    policy = docs.headers["content-security-policy"]
    assert "http" not in policy and "jsdelivr" not in policy and "tiangolo" not in policy
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Gò Vấp InnoHub API")
    page.goto("/")
    page.fill("#q", "rau")
    page.wait_for_selector("#search-results[data-q='rau']")
    assert [url for url in elsewhere if not url.startswith("data:")] == []


def test_founder_books_a_free_slot_from_the_week_view_and_sees_it_on_me(
    new_page: NewPage, api: httpx.Client
) -> None:
    # A verified startup of a founder (API), a mentor free 09:00–11:00 every day, the
    # request proposed to the mentor and accepted (API): the booking is the founder's, in pages.
    email = f"week-{uuid.uuid4().hex[:8]}@govap.example.vn"
    registered = api.post(
        f"{API}/auth/register",
        json={"email": email, "password": PASSWORD, "full_name": "Lê Văn Nam", "consent": True},
    )
    assert registered.status_code == 201, registered.text
    owner = token(api, email, PASSWORD)
    wards = api.get(f"{API}/wards", params={"page_size": 100}).json()["items"]
    body = {
        "name": f"Bếp sạch Gò Vấp {uuid.uuid4().hex[:6]}",
        "summary": "Bữa ăn sạch cho công nhân khu công nghiệp.",
        "sector": "other",
        "stage": "idea",
        "ward": next(w["code"] for w in wards if w.get("current")),
    }
    created = api.post(f"{API}/startups", json=body, headers=owner)
    assert created.status_code == 201, created.text
    startup_id = created.json()["id"]
    verify(api, startup_id)
    mentor = create_user(api, "mentor", "business_association")
    profile = {"expertise": ["marketing"], "monthly_capacity": 5}
    saved = api.post(f"{API}/mentors", json=profile, headers=mentor["headers"])
    assert saved.status_code == 201, saved.text
    slots = [{"weekday": day, "start": "09:00", "end": "11:00"} for day in range(7)]
    put = api.put(
        f"{API}/mentors/{mentor['id']}/availability",
        json={"slots": slots},
        headers=mentor["headers"],
    )
    assert put.status_code == 200, put.text
    draft = {"startup_id": startup_id, "topics": ["marketing"], "message": "Cần tư vấn tiếp thị."}

    def opened() -> str | None:
        response = api.post(f"{API}/consultations", json=draft, headers=owner)
        return str(response.json()["id"]) if response.status_code == 201 else None

    request_id = poll(opened)
    admin = token(api, "admin@govap.gov.vn", "quan-tri-vien-2026")
    proposed = api.post(
        f"{API}/consultations/{request_id}/match",
        json={"mentor_id": mentor["id"]},
        headers=admin,
    )
    assert proposed.status_code == 201, proposed.text
    accepted = api.post(f"{API}/matches/{proposed.json()['id']}/accept", headers=mentor["headers"])
    assert accepted.status_code == 200, accepted.text

    founder = new_page(bypass_csp=True)
    sign_in(founder, email)
    founder.goto(f"/consultations/{request_id}")
    expect(founder.locator("#consultation-mentor")).to_have_text(
        "Nguyễn Thị Thu Hà · Hội Doanh nghiệp Gò Vấp"
    )
    # Tomorrow (local) 09:00 and 10:00 are offered; the week starts today, 7 days.
    tomorrow = (datetime.now(HCMC) + timedelta(days=1)).date()
    nine = f"#slot-{tomorrow:%Y%m%d}0900"
    expect(founder.locator(nine)).to_be_visible()
    expect(founder.locator(f"#slot-{tomorrow:%Y%m%d}1000")).to_be_visible()
    expect(founder.locator("fieldset.week-day")).to_have_count(7)
    expect(founder.locator("fieldset.week-day legend").nth(1)).to_contain_text(
        f"{tomorrow:%d/%m/%Y}"
    )
    assert axe_violations(founder) == []
    shoot(founder, "booking-week-view")
    founder.check(nine)
    founder.select_option("#f-minutes", "60")
    founder.click(f"form[action='/consultations/{request_id}/book'] button[type=submit]")
    expect(founder.locator(".ok")).to_contain_text(f"{tomorrow:%d/%m/%Y} 09:00")
    session_id = founder.locator("#session-id").get_attribute("data-session")
    # The booked hour is no longer offered; the next one still is.
    founder.goto(f"/consultations/{request_id}")
    expect(founder.locator(nine)).to_have_count(0)
    expect(founder.locator(f"#slot-{tomorrow:%Y%m%d}1000")).to_be_visible()

    # The dashboard lists it in local time, linked to its page; the certificates link too.
    founder.goto("/me")
    upcoming = founder.locator(f"#upcoming-sessions a[href='/sessions/{session_id}']")
    expect(upcoming).to_contain_text(f"{tomorrow:%d/%m/%Y} 09:00")
    expect(founder.locator("#my-certificates")).to_have_text("Chứng nhận của tôi (0)")
    assert axe_violations(founder) == []
    shoot(founder, "me-founder-upcoming")

    # The mentor's dashboard: their own profile and the same session.
    mentor_page = new_page(bypass_csp=True)
    sign_in(mentor_page, mentor["email"])
    expect(mentor_page.locator("#mentor-summary")).to_contain_text("marketing")
    expect(
        mentor_page.locator(f"#upcoming-sessions a[href='/sessions/{session_id}']")
    ).to_be_visible()
    assert axe_violations(mentor_page) == []
    shoot(mentor_page, "me-mentor")
