"""What the web app shows (QA walk-through, wave 3): the page's language (a saved locale,
Accept-Language, the switch), the site's 404 page for browsers, the inbox counts updated at
once, the report pages' labels and period form, the favicon."""

from __future__ import annotations

import re
from datetime import datetime

import httpx

from services.gateway.web.kit import LANG_COOKIE
from shared.infra.testing import eventually
from shared.localtime import HCMC
from tests.integration.conftest import bearer, login, register
from tests.integration.test_registry import startup
from tests.integration.test_web_session import PASSWORD, csrf_of, sign_up

ADMIN = ("admin@govap.gov.vn", "quan-tri-vien-2026")
API = "/api/v1"
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


async def web_login(api: httpx.AsyncClient, email: str, password: str) -> None:
    """Sign in through the web form (the client keeps the session cookie)."""
    token = await csrf_of(api, "/login")
    signed = await api.post(
        "/login", data={"csrf_token": token, "email": email, "password": password}
    )
    assert signed.status_code == 303, signed.text


async def test_a_saved_english_locale_decides_the_page_unless_the_switch_was_used(
    api: httpx.AsyncClient,
) -> None:
    assert (await register(api, "en@example.vn", password=PASSWORD, locale="en")).status_code == 201
    await web_login(api, "en@example.vn", PASSWORD)
    me = await api.get("/me")
    assert me.status_code == 200
    assert '<html lang="en"' in me.text and me.headers["content-language"] == "en"
    refused = await api.get("/console/admin")  # an error page speaks the saved language too
    assert refused.status_code == 403 and '<html lang="en"' in refused.text

    # The switch in the header is an explicit choice: it wins over the saved locale.
    await api.get("/lang", params={"to": "vi", "next": "/me"})
    assert api.cookies.get(LANG_COOKIE) == "vi"
    assert '<html lang="vi"' in (await api.get("/me")).text


async def test_accept_language_decides_for_someone_not_signed_in(api: httpx.AsyncClient) -> None:
    english = await api.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en"' in english.text
    assert '<html lang="vi"' in (await api.get("/login")).text
    french_then_vi = await api.get("/login", headers={"Accept-Language": "fr, vi;q=0.5"})
    assert '<html lang="vi"' in french_then_vi.text


async def test_an_unknown_page_is_the_sites_404_page_the_api_keeps_problem_json(
    api: httpx.AsyncClient,
) -> None:
    page = await api.get("/khong-ton-tai", headers=HTML)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="vi"' in page.text and 'href="/"' in page.text
    english = await api.get("/khong-ton-tai", headers={**HTML, "Accept-Language": "en"})
    assert english.status_code == 404 and '<html lang="en"' in english.text

    for path, headers in (
        ("/khong-ton-tai", {"Accept": "application/json"}),
        ("/api/v1/khong-ton-tai", HTML),
    ):
        answer = await api.get(path, headers=headers)
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["code"] == "not_found"


async def test_every_page_links_the_favicon(api: httpx.AsyncClient) -> None:
    page = await api.get("/login")
    found = re.search(r'<link rel="icon" href="([^"]+)"', page.text)
    assert found is not None
    icon = await api.get(found.group(1))
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")


async def test_marking_a_notice_read_updates_both_counts_at_once(api: httpx.AsyncClient) -> None:
    assert (await sign_up(api, "doc@example.vn")).status_code == 303

    async def inbox() -> str:
        return (await api.get("/inbox")).text

    text = await eventually(inbox, until=lambda t: 'action="/inbox/' in t)  # the welcome
    assert re.search(r'id="unread"[^>]*>1<', text)
    notice = re.search(r'action="/inbox/([^/"]+)/read"', text)
    token = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert notice is not None and token is not None
    marked = await api.post(
        f"/inbox/{notice.group(1)}/read",
        data={"csrf_token": token.group(1)},
        headers={"HX-Request": "true"},
    )
    assert marked.status_code == 200
    # The header's badge and the inbox's own line, both swapped out of band.
    assert re.search(r'<span id="unread" hx-swap-oob="true"[^>]*>0</span>', marked.text)
    line = re.search(r'<span id="inbox-unread" hx-swap-oob="true">([^<]*)</span>', marked.text)
    assert line is not None and "0" in line.group(1)
    assert 'id="inbox-unread"' in (await api.get("/inbox")).text


async def test_a_bad_report_period_shows_the_period_form_with_the_error(
    api: httpx.AsyncClient,
) -> None:
    await web_login(api, *ADMIN)
    for path, name in (
        ("/console/admin/report?period=2026-13", "period"),
        ("/dashboard?period=abc", "period"),
        ("/dashboard/trend?year=1999", "year"),
    ):
        page = await api.get(path)
        assert page.status_code == 422, path
        field = re.search(rf'<input id="f-{name}"[^>]*>', page.text)
        assert field is not None, path
        assert 'aria-invalid="true"' in field.group(0)
        assert f'id="e-{name}" role="alert"' in page.text
        assert "2026-H1" in page.text  # the error says what a period looks like


async def test_consoles_show_names_not_codes(registry_api: httpx.AsyncClient) -> None:
    """Staff queue: the ward's name; admin accounts: the unit's name; the report page: the
    sector's name (QA finding 10); the dashboard's labels follow the page's language."""
    api = registry_api
    await register(api, "codes@example.vn", password=PASSWORD)
    owner = bearer((await login(api, "codes@example.vn", PASSWORD))["access_token"])
    created = await api.post(f"{API}/startups", json=startup("Nông Trại Số"), headers=owner)
    assert created.status_code == 201, created.text
    staff_user = await api.post(
        f"{API}/admin/users",
        json={
            "email": "hdn-codes@govap.gov.vn",
            "password": PASSWORD,
            "full_name": "Phan Văn Tâm",
            "role": "association_staff",
            "organization": "business_association",
        },
        headers=bearer((await login(api, *ADMIN))["access_token"]),
    )
    assert staff_user.status_code == 201, staff_user.text

    await web_login(api, *ADMIN)

    async def queue() -> str:
        return (await api.get("/console/staff")).text

    text = await eventually(queue, until=lambda t: "Nông Trại Số" in t)
    card = text[text.index("Nông Trại Số") :][:600]
    assert "Phường Gò Vấp" in card and "· go-vap" not in card

    users = (await api.get("/console/admin", params={"q": "Phan Văn Tâm"})).text
    assert "hdn-codes@govap.gov.vn" in users, users[-3000:]
    row = users[users.index("hdn-codes@govap.gov.vn") :][:400]
    assert "Hội Doanh nghiệp Gò Vấp" in row and ">business_association<" not in row

    month = datetime.now(HCMC).strftime("%Y-%m")

    async def report() -> str:
        return (await api.get("/console/admin/report", params={"period": month})).text

    text = await eventually(report, until=lambda t: "Nông nghiệp công nghệ cao" in t)
    assert "/ agriculture<" not in text

    # The reader switches to English: the dashboard's labels follow the page.
    await api.get("/lang", params={"to": "en", "next": "/dashboard"})
    board = (await api.get("/dashboard", params={"period": month})).text
    assert '<html lang="en"' in board
    assert "Tháng" not in board and "Theo phường" not in board


async def test_days_read_dd_mm_yyyy_on_the_receipt_and_the_reference_page(
    api: httpx.AsyncClient,
) -> None:
    assert (await sign_up(api, "xoa-ngay@example.vn")).status_code == 303
    token = await csrf_of(api, "/me/delete")
    receipt = await api.post("/me/delete", data={"csrf_token": token, "confirm": "1"})
    assert receipt.status_code == 200, receipt.text
    due = re.search(r"<dd>([^<]*)</dd></dl>", receipt.text)
    assert due is not None and re.fullmatch(r"\d{2}/\d{2}/\d{4}", due.group(1)), receipt.text

    api.cookies.clear()
    await web_login(api, *ADMIN)
    reference = (await api.get("/console/admin/reference")).text
    wards = reference[reference.index('id="wards"') : reference.index("</table>")]
    assert re.search(r"<td>\d{2}/\d{2}/\d{4}</td>", wards)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", wards)
