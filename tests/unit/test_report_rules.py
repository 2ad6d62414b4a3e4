from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from services.gateway import reports, seed
from shared.contracts.base import Invalid


@pytest.mark.parametrize(
    ("text", "start", "end", "due"),
    [
        ("2026-10", date(2026, 10, 1), date(2026, 11, 1), date(2026, 11, 5)),
        ("2026-12", date(2026, 12, 1), date(2027, 1, 1), date(2027, 1, 5)),
        ("2026-H1", date(2026, 1, 1), date(2026, 7, 1), date(2026, 6, 10)),
        ("2026-H2", date(2026, 7, 1), date(2027, 1, 1), None),
        ("2026", date(2026, 1, 1), date(2027, 1, 1), date(2026, 11, 10)),
    ],
)
def test_periods_and_their_due_dates(text: str, start: date, end: date, due: date | None) -> None:
    period = reports.parse_period(text)
    assert (period.start, period.end, period.due_date()) == (start, end, due)


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-00", "2026-H3", "26-10", "2026-1", "abc", "1899"]
)
def test_invalid_periods_are_refused(text: str) -> None:
    with pytest.raises(Invalid):
        reports.parse_period(text)


def test_period_boundaries_are_local_midnight() -> None:
    period = reports.parse_period("2026-10")
    assert period.start_utc == datetime(2026, 9, 30, 17, 0, tzinfo=UTC)
    assert period.complete(datetime(2026, 10, 31, 16, 59, tzinfo=UTC)) is False
    assert period.complete(datetime(2026, 10, 31, 17, 0, tzinfo=UTC)) is True


def _wards() -> list[dict[str, object]]:
    return [
        {
            **w,
            "valid_from": str(w["valid_from"]),
            "valid_to": str(w["valid_to"]) if w["valid_to"] else None,
        }
        for w in seed.wards()
    ]


def test_wards_follow_their_successors_across_the_reforms() -> None:
    # 2025 spans both reforms: by its last day the six wards are in force
    names = reports.ward_names_at(_wards(), date(2025, 12, 31))
    assert names["govap-2022-p1"] == "Phường Hạnh Thông"
    assert names["govap-2025-p10"] == "Phường Gò Vấp"
    assert names["an-nhon"] == "Phường An Nhơn"
    counts = {"govap-2025-p1": 2, "govap-2025-p3": 1, "hanh-thong": 4, "an-nhon": 1}
    assert reports.relabel_wards(counts, names) == {"Phường An Nhơn": 1, "Phường Hạnh Thông": 7}
    # a 2024 month is reported in the 16-ward set
    before = reports.ward_names_at(_wards(), date(2024, 10, 31))
    assert before["govap-2022-p4"] == "Phường 4"


REPORT = {
    "period": "2026-10",
    "due_date": "2026-11-05",
    "complete": True,
    "startups": {
        "registered": 3,
        "by_ward": {"Phường Gò Vấp": 2},
        "year_to_date": {"registered": 9},
    },
    "consultations": None,
}


def test_csv_has_a_bom_and_vietnamese_headings() -> None:
    raw = reports.to_csv(REPORT, "vi")
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["Mục", "Chỉ tiêu", "Giá trị"]
    assert ["Khởi nghiệp", "Đăng ký mới", "3"] in rows
    assert ["Khởi nghiệp", "Theo phường / Phường Gò Vấp", "2"] in rows
    assert ["Khởi nghiệp", "Lũy kế từ đầu năm / Đăng ký mới", "9"] in rows


def test_xlsx_has_a_sheet_per_section_and_numbers_stay_numbers() -> None:
    book = load_workbook(io.BytesIO(reports.to_xlsx(REPORT, "vi")))
    assert "Khởi nghiệp" in book.sheetnames
    assert "Sáng kiến" in book.sheetnames
    values = {row[0]: row[1] for row in book["Khởi nghiệp"].iter_rows(min_row=2, values_only=True)}
    assert values["Đăng ký mới"] == 3
    assert isinstance(values["Đăng ký mới"], int)
    english = load_workbook(io.BytesIO(reports.to_xlsx(REPORT, "en")))
    assert "Startups" in english.sheetnames
