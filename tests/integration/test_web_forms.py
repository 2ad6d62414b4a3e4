"""The web app's forms after a refusal (QA walk-through, wave 3): each error shown beside
its field, what was typed kept (passwords aside), every field error of a sign-up at once,
the competition form's eligibility and the initiative dossier form.

Through the gateway's pages with CSRF, as a browser posts them; the services run against
the real nats-server and database server."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from shared.infra.testing import eventually
from tests.integration.test_competitions import (  # noqa: F401 (the `capi` fixture)
    capi,
    create_published,
    known,
    staff,
    team,
)
from tests.integration.test_competitions import founder as competitions_founder
from tests.integration.test_initiatives import dossier
from tests.integration.test_registry import create, founder

API = "/api/v1"
ADMIN = ("admin@govap.gov.vn", "quan-tri-vien-2026")
PASSWORD = "mat-khau-web-2026"


def token_in(html: str) -> str:
    """The CSRF token of the first form of a page."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the form carries no CSRF token"
    return found.group(1)


@asynccontextmanager
async def browser(api: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """A second client of the same gateway with its own cookies (another browser)."""
    transport = httpx.ASGITransport(app=api.app)  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        yield client


async def web_login(client: httpx.AsyncClient, email: str, password: str) -> None:
    """Sign in through `/login` (the session cookie stays in `client`)."""
    form = await client.get("/login")
    signed = await client.post(
        "/login", data={"csrf_token": token_in(form.text), "email": email, "password": password}
    )
    assert signed.status_code == 303, signed.text


async def post_form(
    client: httpx.AsyncClient, path: str, form_path: str, data: dict[str, str | list[str]]
) -> httpx.Response:
    """Post `data` to `path` with the CSRF token of the page at `form_path`."""
    page = await client.get(form_path)
    assert page.status_code == 200, page.text
    return await client.post(path, data={"csrf_token": token_in(page.text), **data})


def field_error(html: str, name: str) -> str | None:
    """The error shown beside field `name` (`_forms.html`'s `e-<name>`), if any."""
    found = re.search(rf'<p class="error" id="e-{re.escape(name)}" role="alert">([^<]*)</p>', html)
    return found.group(1) if found else None


async def test_startup_edit_shows_each_field_error(registry_api: httpx.AsyncClient) -> None:
    """QA 1: clearing the name and typing a bad website gives 422 with both errors beside
    their fields, not a silent form."""
    api = registry_api
    headers = await founder(api, "sua.du.an@example.vn")
    created = await create(api, headers, name="Nông Sản Sạch Gò Vấp")
    async with browser(api) as client:
        await web_login(client, "sua.du.an@example.vn", "mat-khau-du-dai")
        edit = f"/startups/{created['id']}/edit"
        refused = await post_form(
            client,
            edit,
            edit,
            {
                "version": str(created["version"]),
                "name": "",
                "summary": created["summary"],
                "sector": "agriculture",
                "stage": "mvp",
                "ward": "go-vap",
                "website": "không phải trang web",
            },
        )
    assert refused.status_code == 422
    assert 'role="alert" id="form-errors"' in refused.text
    assert field_error(refused.text, "name")
    assert field_error(refused.text, "website")
    assert 'value="không phải trang web"' in refused.text


async def test_another_founders_startup_edit_page_is_refused_before_typing(
    registry_api: httpx.AsyncClient,
) -> None:
    """QA 20: the edit page of someone else's startup is a 403 page when it is opened, not
    after the form is filled in; the owner still gets the form."""
    api = registry_api
    owner = await founder(api, "chu.du.an@example.vn")
    created = await create(api, owner, name="Bánh Mì Hạnh Thông Tây")
    # Verified, so other founders may read it (an unverified one is a 404 to them).
    admin = await api.post(f"{API}/auth/login", json={"email": ADMIN[0], "password": ADMIN[1]})
    staff = {"Authorization": f"Bearer {admin.json()['access_token']}"}
    verified = await api.post(f"{API}/startups/{created['id']}/verify", json={}, headers=staff)
    assert verified.status_code == 200, verified.text
    await founder(api, "nguoi.khac@example.vn")
    async with browser(api) as client:
        await web_login(client, "nguoi.khac@example.vn", "mat-khau-du-dai")
        other = await client.get(f"/startups/{created['id']}/edit")
        assert other.status_code == 403, other.text[:300]
        assert "Bánh Mì Hạnh Thông Tây" not in other.text
    async with browser(api) as client:
        await web_login(client, "chu.du.an@example.vn", "mat-khau-du-dai")
        mine = await client.get(f"/startups/{created['id']}/edit")
        assert mine.status_code == 200 and "Bánh Mì Hạnh Thông Tây" in mine.text


async def test_signup_names_every_error_at_once_and_keeps_the_tick(
    api: httpx.AsyncClient,
) -> None:
    """QA 15: a short phone, a short password and no consent are named in one answer,
    each beside its field; what was typed comes back except the password, and a ticked
    consent stays ticked."""
    typed = {"full_name": "Đặng Thị Hồng", "email": "hong.qa@example.vn", "phone": "12345"}
    refused = await post_form(api, "/signup", "/signup", {**typed, "password": "ngan"})
    assert refused.status_code == 422
    assert field_error(refused.text, "phone")
    assert field_error(refused.text, "password")
    assert field_error(refused.text, "consent")
    assert 'value="12345"' in refused.text and 'value="hong.qa@example.vn"' in refused.text
    assert 'value="ngan"' not in refused.text

    ticked = await post_form(
        api, "/signup", "/signup", {**typed, "password": "ngan", "consent": "1"}
    )
    assert ticked.status_code == 422
    box = re.search(r'<input id="f-consent"[^>]*>', ticked.text)
    assert box is not None and "checked" in box.group(0)
    assert field_error(ticked.text, "consent") is None
    assert field_error(ticked.text, "phone") and field_error(ticked.text, "password")

    created = await post_form(
        api,
        "/signup",
        "/signup",
        {**typed, "phone": "0912345678", "password": PASSWORD, "consent": "1"},
    )
    assert created.status_code == 303


async def test_consoles_keep_what_was_typed_beside_each_error(
    capi: httpx.AsyncClient,  # noqa: F811
) -> None:
    """QA 8, 9, 10, 15: the school console names the school; a team entry refused keeps
    each consent tick; an activity without a date keeps its title; a judge's 12 and 7 on a
    0–10 range come back with the error beside the 12 and the entry named; a conflict
    without a reason opens its section with the error beside the reason; a council
    member's points typed as a word come back with the other points."""
    api = capi
    organizer = await staff(api, "btc.web@quandoan.govap.vn", "organizer", "youth_union")
    advisor = await staff(api, "gv.web@thcs-go-vap.edu.vn", "school_advisor", "thcs-go-vap")
    judge = await staff(api, "gk.web@example.vn", "judge", "education_division")
    published = await create_published(api, organizer, seconds=12)
    cid = published["id"]
    async with browser(api) as school:
        await web_login(school, "gv.web@thcs-go-vap.edu.vn", "mat-khau-cuoc-thi-2026")
        home = await school.get("/console/school")
        assert "Trường THCS Gò Vấp" in home.text and "thcs-go-vap" not in home.text
        refused = await post_form(
            school,
            "/console/school/team",
            "/console/school",
            {
                "competition_id": cid,
                "team_name": "Đội Sáng Tạo",
                "title": "Máy tưới cây tự động",
                "description": "Cảm biến độ ẩm đất điều khiển bơm nước.",
                "student_0": "Lê Hoàng Minh Khôi",
                "grade_0": "8",
                "student_agreed_0": "1",
                "guardian_0": "Phạm Thị Hoa",
                "guardian_agreed_0": "1",
                "student_1": "Trần Ngọc Bảo Anh",
                "grade_1": "8",
                "student_agreed_1": "1",
            },
        )
        assert refused.status_code == 422
        for box, ticked in (
            ("student_agreed_0", True),
            ("guardian_agreed_0", True),
            ("student_agreed_1", True),
            ("guardian_agreed_1", False),
        ):
            found = re.search(rf'<input id="f-{box}"[^>]*>', refused.text)
            assert found is not None and ("checked" in found.group(0)) is ticked, box
        entered = await api.post(
            f"/api/v1/competitions/{cid}/entries",
            json=team("Đội Gò Vấp", "thcs-go-vap"),
            headers=advisor.headers,
        )
        assert entered.status_code == 201, entered.text

        club = {"kind": "stem", "name": "CLB STEM Gò Vấp", "members_count": 35}
        made = await api.post("/api/v1/clubs", json=club, headers=advisor.headers)
        assert made.status_code == 201, made.text
        club_id = made.json()["id"]
        no_date = await post_form(
            school,
            f"/console/school/clubs/{club_id}/activities",
            "/console/school",
            {"date": "", "title": "Ngày hội STEM", "participants": "40"},
        )
        assert no_date.status_code == 422
        assert 'value="Ngày hội STEM"' in no_date.text and 'value="40"' in no_date.text
        assert field_error(no_date.text, f"d-{club_id}")

    await known(api, organizer, cid, judge)

    async def assigned() -> list[dict[str, Any]]:
        page = await api.get("/api/v1/judging/assignments", headers=judge.headers)
        items: list[dict[str, Any]] = page.json()["items"]
        return items

    entry_id = (await eventually(assigned, timeout=30))[0]["entry_id"]
    async with browser(api) as jury:
        await web_login(jury, "gk.web@example.vn", "mat-khau-cuoc-thi-2026")
        scored = await post_form(
            jury,
            f"/console/judge/entries/{entry_id}/score",
            "/console/judge",
            {"score_0": "12", "score_1": "7", "score_2": "8"},
        )
        assert scored.status_code == 422
        assert field_error(scored.text, f"s-{entry_id}-0")
        assert field_error(scored.text, f"s-{entry_id}-1") is None
        assert 'value="12"' in scored.text and 'value="7"' in scored.text
        assert f'href="#entry-{entry_id}">Máy tưới cây tự động</a>' in scored.text

        conflict = await post_form(
            jury, f"/console/judge/entries/{entry_id}/conflict", "/console/judge", {"reason": ""}
        )
        assert conflict.status_code == 422
        assert "<details open>" in conflict.text
        assert field_error(conflict.text, f"c-{entry_id}")

        author = await competitions_founder(api, "tac.gia.web@example.vn")
        filed = await api.post("/api/v1/initiatives", json=dossier(), headers=author.headers)
        assert filed.status_code == 201, filed.text
        iid = filed.json()["id"]

        async def formed() -> int:
            response = await api.post(
                f"/api/v1/initiatives/{iid}/council",
                json={"member_ids": [judge.id]},
                headers=organizer.headers,
            )
            return response.status_code

        await eventually(formed, until=lambda s: s == 200)
        review = await post_form(
            jury,
            f"/console/judge/initiatives/{iid}/review",
            "/console/judge/initiatives",
            {"points_0": "mười", "points_1": "15", "in_favour": "yes", "comment": "Hữu ích"},
        )
        assert review.status_code == 422
        assert field_error(review.text, f"p-{iid}-0")
        assert 'value="15"' in review.text and ">Hữu ích</textarea>" in review.text
        favour = re.search(rf'<input type="radio" id="vy-{iid}"[^>]*>', review.text)
        assert favour is not None and "checked" in favour.group(0)

    # QA 3, 16: the organizer reads the same score as the public page, as Vietnamese
    # writes it (7,6), not the normalised final score.
    body = {"scores": {"Tính sáng tạo": 8, "Tính khả thi": 7, "Trình bày": 7.5}}
    scored_api = await api.post(
        f"/api/v1/entries/{entry_id}/scores", json=body, headers=judge.headers
    )
    assert scored_api.status_code == 200, scored_api.text
    results = await api.post(
        f"/api/v1/competitions/{cid}/results/publish", headers=organizer.headers
    )
    assert results.status_code == 200, results.text
    async with browser(api) as console:
        await web_login(console, "btc.web@quandoan.govap.vn", "mat-khau-cuoc-thi-2026")
        shown = await console.get(f"/console/organizer/competitions/{cid}")
        row = re.search(r'<table id="results">.*?</table>', shown.text, re.S)
        assert row is not None and "<td>7,6</td>" in row.group(0), row
        assert "0.00" not in row.group(0)
        assert "<dd>0 – 10</dd>" in shown.text and "<td>50 %</td>" in shown.text


async def test_competition_form_sets_eligibility_and_weights_in_percent(
    capi: httpx.AsyncClient,  # noqa: F811
) -> None:
    """QA 13, 14: an organizer makes a school-team contest for lower-secondary schools in
    the web app; weights not summing to 100 % are refused in percent beside the criteria,
    with every choice kept."""
    api = capi
    organizer = await staff(api, "btc.form@quandoan.govap.vn", "organizer", "youth_union")
    form: dict[str, str | list[str]] = {
        "title": "Ngày hội Học sinh Gò Vấp cùng trải nghiệm sáng tạo",
        "kind": "school_creativity",
        "description": "Các đội học sinh trình bày sản phẩm sáng tạo.",
        "entrants": "school_team",
        "school_levels": ["lower_secondary"],
        "wards": ["go-vap", "an-nhon"],
        "entry_deadline": "2031-05-01T17:00",
        "judging_deadline": "2031-05-20T17:00",
        "criterion_0": "Tính sáng tạo",
        "weight_0": "40",
        "criterion_1": "Tính khả thi",
        "weight_1": "35",
        "criterion_2": "Trình bày",
        "weight_2": "30",
        "min_score": "0",
        "max_score": "10",
    }
    path = "/console/organizer/competitions/new"
    async with browser(api) as console:
        await web_login(console, "btc.form@quandoan.govap.vn", "mat-khau-cuoc-thi-2026")
        blank = await console.get(path)
        assert 'name="entrants" value="school_team"' in blank.text
        refused = await post_form(console, path, path, form)
        assert refused.status_code == 422
        error = field_error(refused.text, "criteria")
        assert error is not None and "100 %" in error and "105 %" in error, error
        assert "bằng 1<" not in refused.text
        for kept in (
            'id="f-entrants-school_team" name="entrants" value="school_team" checked',
            'id="f-school_levels-lower_secondary" name="school_levels" '
            'value="lower_secondary" checked',
            'id="f-wards-an-nhon" name="wards" value="an-nhon" checked',
        ):
            assert kept in refused.text, kept
        created = await post_form(console, path, path, {**form, "weight_2": "25"})
        assert created.status_code == 303, created.text
        competition_id = created.headers["location"].rsplit("/", 1)[-1]
        shown = await console.get(created.headers["location"])
        assert "Đội học sinh" in shown.text
    read = await api.get(f"/api/v1/competitions/{competition_id}", headers=organizer.headers)
    assert read.status_code == 200, read.text
    eligibility = read.json()["eligibility"]
    assert eligibility["entrants"] == "school_team"
    assert eligibility["school_levels"] == ["lower_secondary"]
    assert sorted(eligibility["wards"]) == ["an-nhon", "go-vap"]


async def test_anyone_signed_in_files_an_initiative_with_its_authors(
    capi: httpx.AsyncClient,  # noqa: F811
) -> None:
    """QA 13: `/initiatives/new` (linked from /initiatives and /me) files the dossier of
    `InitiativeFields` with its authors; a share typed wrong is marked on its author's row
    and shares not summing to 100 % on the authors, with everything typed kept."""
    api = capi
    author = await competitions_founder(api, "sang.kien.web@example.vn")
    listing = await api.get("/initiatives")
    assert 'href="/initiatives/new"' in listing.text
    anonymous = await api.get("/initiatives/new")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    fields = dossier()
    form: dict[str, str | list[str]] = {
        key: str(value) for key, value in fields.items() if key not in ("authors", "can_spread")
    }
    form |= {"can_spread": "1", "author_name_0": "Võ Thị Mai", "author_name_1": "Đặng Quốc Huy"}
    async with browser(api) as client:
        await web_login(client, "sang.kien.web@example.vn", "mat-khau-cuoc-thi-2026")
        me = await client.get("/me")
        assert 'href="/initiatives/new"' in me.text
        path = "/initiatives/new"
        bad_share = await post_form(
            client, path, path, {**form, "author_share_0": "60", "author_share_1": "bốn mươi"}
        )
        assert bad_share.status_code == 422
        assert field_error(bad_share.text, "author_share_1")
        assert field_error(bad_share.text, "author_share_0") is None
        assert 'value="Đặng Quốc Huy"' in bad_share.text and 'value="bốn mươi"' in bad_share.text
        assert "Bộ phận một cửa phường Gò Vấp" in bad_share.text

        not_whole = await post_form(
            client, path, path, {**form, "author_share_0": "60", "author_share_1": "30"}
        )
        assert not_whole.status_code == 422
        assert field_error(not_whole.text, "authors")

        filed = await post_form(
            client, path, path, {**form, "author_share_0": "60", "author_share_1": "40"}
        )
        assert filed.status_code == 303, filed.text
        done = await client.get(filed.headers["location"])
        assert 'id="initiative-filed"' in done.text and fields["title"] in done.text
    mine = (await api.get("/api/v1/initiatives", headers=author.headers)).json()["items"]
    assert [(i["title"], [a["share"] for a in i["authors"]]) for i in mine] == [
        (fields["title"], [60, 40])
    ]
    assert mine[0]["can_spread"] is True and mine[0]["applied_since"] == "2026-01-05"
