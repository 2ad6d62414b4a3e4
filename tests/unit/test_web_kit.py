"""The web kit's pure parts (issue 15): where a form may send the reader back to, what a
form keeps after an error, local times, and escaping in every template."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.gateway.web.forms import FormData, FormErrors
from services.gateway.web.kit import safe_next
from services.gateway.web.rendering import local_time, templates


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("/startups?page=2", "/startups?page=2"),
        ("//evil.example/x", "/"),
        ("https://evil.example", "/"),
        ("/\\evil.example", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_only_a_local_path_is_a_place_to_go_back_to(given: str | None, expected: str) -> None:
    assert safe_next(given) == expected


def test_a_form_keeps_what_was_typed_but_never_a_password_or_its_token() -> None:
    form = FormData(
        {
            "full_name": [" Ngô Bảo Châu "],
            "password": ["bi-mat-lam-nhe"],
            "new_password": ["bi-mat-khac"],
            "csrf_token": ["abc"],
            "needs": ["legal", "funding"],
        }
    )
    assert form.kept() == {"full_name": " Ngô Bảo Châu ", "needs": ["legal", "funding"]}
    assert form.get("full_name") == "Ngô Bảo Châu"
    assert form.all("needs") == ["legal", "funding"]
    assert form.flag("needs") and not form.flag("consent")
    assert form.optional("phone") is None


def test_times_read_in_ho_chi_minh_city_as_day_month_year() -> None:
    moment = datetime(2026, 1, 31, 17, 30, tzinfo=UTC)  # 00:30 on 1 February in Vietnam
    assert local_time(moment) == "01/02/2026 00:30"
    assert local_time(moment, with_time=False) == "01/02/2026"
    assert local_time(None) == ""


def test_every_template_escapes_what_people_typed() -> None:
    html = templates.get_template("_search_results.html").render(
        _=lambda key, **params: key,
        q="<img src=x onerror=alert(1)>",
        found=None,
    )
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_a_fields_bounds_reach_the_browser_and_what_was_typed_stays_escaped() -> None:
    macro = templates.get_template("_forms.html").module.field  # type: ignore[attr-defined]
    html = str(
        macro(
            "reason",
            "Lý do",
            {"reason": '"><script>alert(1)</script>'},
            None,
            extra='maxlength="500" spellcheck="false"',
        )
    )
    # The template's own attributes work (they were escaped to maxlength=&#34;500&#34;).
    assert 'maxlength="500" spellcheck="false"' in html
    assert "<script>" not in html


def test_a_checkbox_hint_is_read_with_the_box() -> None:
    """A screen reader reads the hint with the box it explains (the organization's
    "active" box: what unticking it means)."""
    macro = templates.get_template("_forms.html").module.checkbox  # type: ignore[attr-defined]
    html = str(macro("active", "Đang hoạt động", {"active": "1"}, None, hint="Bỏ chọn khi…"))
    assert 'aria-describedby="h-active"' in html
    assert '<p class="hint" id="h-active">Bỏ chọn khi…</p>' in html
    plain = str(macro("active", "Đang hoạt động", {}, None))
    assert "aria-describedby" not in plain and "h-active" not in plain
    refused = str(
        macro("active", "Đang hoạt động", {}, FormErrors("", {"active": "sai"}), hint="x")
    )
    assert 'aria-describedby="e-active h-active"' in refused
