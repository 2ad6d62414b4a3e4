"""The founder's and mentor's pages over the mentoring service (QA findings 5 and 6): topics
shown as their labels in the page's language (and round-tripping through the mentor's edit
box), and a week view offering only the times free of every booking of the mentor."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import httpx

from shared.contracts.base import Role
from tests.integration.test_mentoring import (
    API,
    HCMC_OFFSET,
    Point,
    accepted_match,
    point,
    tomorrow_at,
)
from tests.integration.test_web_display import web_login

__all__ = ["point"]  # the fixture, imported for pytest


def slot_id(hour: int) -> str:
    """The radio's id of tomorrow's `hour`:00 start in the week view."""
    local = datetime.now(UTC) + HCMC_OFFSET + timedelta(days=1)
    return f"slot-{local.strftime('%Y%m%d')}{hour:02d}00"


async def as_person(api: httpx.AsyncClient, email: str, password: str) -> None:
    api.cookies.clear()
    await web_login(api, email, password)


async def test_topics_read_as_labels_and_the_week_leaves_out_anothers_booking(
    point: Point,
) -> None:
    api = point.api
    first = await point.founder("dau@example.vn")
    second = await point.founder("sau@example.vn")
    staff = await point.account("staff-w@hdn.govap.vn", Role.ASSOCIATION_STAFF)
    mentor, _ = await point.mentor("vonmarketing@hdn.govap.vn", ["gọi vốn", "marketing"])
    requests = []
    for owner, name in ((first, "Bánh Tráng Số"), (second, "Cà Phê Hạnh Thông")):
        startup_id = await point.startup(owner, name)
        request = await point.request(owner, startup_id, ["gọi vốn", "marketing"])
        await accepted_match(point, staff, mentor, request["id"])
        requests.append(request["id"])

    # The first founder books tomorrow 10:00–11:00.
    booked = await api.post(
        f"{API}/sessions",
        json={
            "match_id": (
                await api.get(f"{API}/consultations/{requests[0]}", headers=first.headers)
            ).json()["match_id"],
            "starts_at": tomorrow_at(10),
            "ends_at": tomorrow_at(11),
        },
        headers=first.headers,
    )
    assert booked.status_code == 201, booked.text

    # The second founder is offered 09:00 and 11:00 but not the taken 10:00.
    await as_person(api, "sau@example.vn", "mat-khau-du-dai")
    page = await api.get(f"/consultations/{requests[1]}")
    assert page.status_code == 200, page.text
    text = html.unescape(page.text)
    assert f'id="{slot_id(9)}"' in text and f'id="{slot_id(11)}"' in text
    assert f'id="{slot_id(10)}"' not in text
    assert "Gọi vốn, marketing" in text and "funding" not in text
    # The startup is shown by its name, and labelled so (not as its "code").
    assert "<dt>Dự án khởi nghiệp</dt><dd>Cà Phê Hạnh Thông</dd>" in text
    assert "Mã dự án khởi nghiệp" not in text

    # The mentor's summary and edit box: labels, which save back as the same topics.
    await as_person(api, "vonmarketing@hdn.govap.vn", "tai-khoan-2026")
    me = html.unescape((await api.get("/me")).text)
    assert "Gọi vốn, marketing" in me and "funding" not in me
    form = (await api.get("/mentor/profile")).text
    box = re.search(r'<input[^>]*name="expertise"[^>]*>', form)
    assert box is not None and 'value="Gọi vốn, marketing"' in html.unescape(box.group(0))
    await api.get("/lang", params={"to": "en", "next": "/me"})
    english = (await api.get("/mentor/profile")).text
    box = re.search(r'<input[^>]*name="expertise"[^>]*>', english)
    assert box is not None and 'value="Funding, marketing"' in html.unescape(box.group(0))
    profile = (await api.get(f"{API}/mentors/{mentor.id}", headers=mentor.headers)).json()
    assert profile["expertise"] == ["funding", "marketing"]

    # Saving the form as filled (in English) keeps the very same topics.
    token = re.search(r'name="csrf_token" value="([^"]+)"', english)
    assert token is not None
    saved = await api.post(
        "/mentor/profile",
        data={
            "csrf_token": token.group(1),
            "expertise": "Funding, marketing",
            "sectors": "agriculture",
            "languages": "vi",
            "monthly_capacity": "4",
            "bio": profile["bio"],
        },
    )
    assert saved.status_code == 303, saved.text
    again = (await api.get(f"{API}/mentors/{mentor.id}", headers=mentor.headers)).json()
    assert again["expertise"] == ["funding", "marketing"]
