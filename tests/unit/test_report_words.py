"""District report exports show people words (issue 14, DESIGN §7): labels instead of codes,
percentages, dd/mm/yyyy dates, a header block, the period as people write it; canonical
periods from the URL; exports that no stored text can break."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from services.gateway import reports
from shared.contracts.base import Invalid
from shared.contracts.rpc.competitions.figures import (
    ClubFigures,
    CompetitionFigures,
    InitiativeFigures,
)
from shared.contracts.rpc.events.figures import EventsFigures
from shared.contracts.rpc.mentoring.figures import MentoringFigures
from shared.contracts.rpc.registry import RegistryFigures
from shared.i18n import known

HEADER_VI = reports.ReportHeader("Phòng Kinh tế", "Ủy ban nhân dân phường Gò Vấp")
HEADER_EN = reports.ReportHeader("Economic Division", "Gò Vấp Ward People's Committee")
NAMES = reports.ReportNames(sectors={"environment": "Môi trường", "agriculture": "Nông nghiệp"})

REPORT: dict[str, Any] = {
    "period": "2026-11",
    "due_date": "2026-12-05",
    "complete": False,
    "generated_at": datetime(2026, 11, 30, 1, 5, tzinfo=UTC),
    "missing_sections": [],
    "startups": {
        "registered": 3,
        "verified": 2,
        "active": 0,
        "women_led": 2,
        "youth_led": 1,
        "by_ward": {"Phường Gò Vấp": 2, "Phường An Nhơn": 1},
        "by_sector": {"environment": 1, "agriculture": 2},
        "by_stage": {"prototype": 1, "idea": 2},
        "year_to_date": {"registered": 9, "by_stage": {"prototype": 4}},
    },
    "consultations": {
        "requests": 2,
        "matched": 1,
        "sessions_held": 0,
        "hours": 1.5,
        "average_rating": None,
        "by_topic": {"funding": 1, "gọi\x16vốn": 1, "=1+1": 1},
        "by_ward": {},
        "by_referral": {"self": 2},
    },
    "competitions": {
        "held": 1,
        "entries": 3,
        "participants": 7,
        "winners": 1,
        "winners_by_ward": {"unknown": 1},
    },
    "clubs": {
        "registered": 1,
        "clubs": 1,
        "active": 1,
        "schools": 20,
        "schools_with_active_club": 1,
        "coverage": 0.05,
        "target": 0.5,
        "meets_target": False,
        "schools_by_ward": {"Phường Gò Vấp": 20},
        "covered_by_ward": {"Phường Gò Vấp": 1},
        "coverage_by_level": {"lower_secondary": 0.05},
        "coverage_by_ward": {"Phường Gò Vấp": 0.05},
    },
    "initiatives": {"filed": 1, "decided": 1, "recognised": 1, "recognised_by_scope": {"unit": 1}},
}
CODES = (
    "environment",
    "agriculture",
    "prototype",
    "idea",
    "funding",
    "self",
    "lower_secondary",
    "unit",
    "unknown",
    "False",
    "True",
    "None",
    "due_date",
    "complete",
    "coverage",
    "0.05",
    "0.5",
    "by_",
    "year_to_date",
)


def csv_cells(locale: str) -> list[list[str]]:
    raw = reports.to_csv(REPORT, locale, HEADER_VI if locale == "vi" else HEADER_EN, NAMES)
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def xlsx_cells(locale: str) -> dict[str, list[tuple[Any, ...]]]:
    raw = reports.to_xlsx(REPORT, locale, HEADER_VI if locale == "vi" else HEADER_EN, NAMES)
    book = load_workbook(io.BytesIO(raw))
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}


def words_in(cells: list[Any]) -> list[str]:
    return [str(cell) for cell in cells if cell is not None]


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_no_code_reaches_a_csv_or_xlsx_cell(locale: str) -> None:
    texts = words_in([cell for row in csv_cells(locale) for cell in row])
    for sheet in xlsx_cells(locale).values():
        texts += words_in([cell for row in sheet for cell in row])
    leaked = sorted(
        {
            (code, text)
            for text in texts
            for code in CODES
            if code in text.split(" / ") or text == code
        }
    )
    assert leaked == []
    assert not [text for text in texts if "_" in text]


def test_vietnamese_labels_percentages_dates_and_header() -> None:
    rows = {(row[0], row[1]): row[2] for row in csv_cells("vi")[1:]}
    general = "Thông tin chung"
    assert rows[(general, "Đơn vị báo cáo")] == "Phòng Kinh tế"
    assert rows[(general, "Kính gửi")] == "Ủy ban nhân dân phường Gò Vấp"
    assert rows[(general, "Kỳ báo cáo")] == "Tháng 11/2026"
    assert rows[(general, "Hạn nộp")] == "05/12/2026"
    assert rows[(general, "Kỳ báo cáo đã kết thúc")] == "Không"
    assert rows[(general, "Lập lúc")] == "30/11/2026 08:05"
    assert rows[("Khởi nghiệp", "Theo lĩnh vực / Môi trường")] == "1"
    assert rows[("Khởi nghiệp", "Theo giai đoạn / Mẫu thử")] == "1"
    assert rows[("Khởi nghiệp", "Lũy kế từ đầu năm / Theo giai đoạn / Mẫu thử")] == "4"
    assert rows[("Điểm tư vấn khởi nghiệp", "Theo chủ đề / Gọi vốn")] == "1"
    assert rows[("Điểm tư vấn khởi nghiệp", "Theo đơn vị giới thiệu / Tự đăng ký")] == "2"
    assert rows[("Điểm tư vấn khởi nghiệp", "Đánh giá trung bình")] == "Không có"
    assert rows[("Cuộc thi", "Đoạt giải theo phường / Không rõ")] == "1"
    assert rows[("Câu lạc bộ trường học", "Tỷ lệ bao phủ")] == "5 %"
    assert rows[("Câu lạc bộ trường học", "Chỉ tiêu")] == "50 %"
    assert rows[("Câu lạc bộ trường học", "Đạt chỉ tiêu")] == "Không"
    assert rows[("Câu lạc bộ trường học", "Tỷ lệ bao phủ theo cấp học / Trung học cơ sở")] == "5 %"
    assert rows[("Sáng kiến", "Công nhận theo phạm vi ảnh hưởng / Cấp cơ sở")] == "1"


def test_english_labels() -> None:
    sheets = xlsx_cells("en")
    general = dict(row[:2] for row in sheets["General"])
    assert general["Issued by"] == "Economic Division"
    assert general["Period"] == "November 2026"
    assert general["Period ended"] == "No"
    figures = dict(row[:2] for row in sheets["School clubs"][1:])
    assert figures["Coverage"] == "5%"
    assert figures["Coverage by school level / Lower secondary"] == "5%"
    startups = dict(row[:2] for row in sheets["Startups"][1:])
    assert startups["By stage / Prototype"] == 1
    assert isinstance(startups["Newly registered"], int)


def test_stored_text_openpyxl_refuses_does_not_break_an_export() -> None:
    sheets = xlsx_cells("vi")
    topics = [row[0] for row in sheets["Điểm tư vấn khởi nghiệp"] if "Theo chủ đề" in str(row[0])]
    assert "Theo chủ đề / gọivốn" in topics
    # A typed "=..." stays text: neither a formula in the workbook nor in a CSV program.
    assert "'Theo chủ đề / =1+1" not in topics
    assert "Theo chủ đề / =1+1" in topics
    assert all("\x16" not in cell for row in csv_cells("vi") for cell in row)


@pytest.mark.parametrize(
    ("typed", "canonical", "vi", "en"),
    [
        ("2026-11", "2026-11", "Tháng 11/2026", "November 2026"),
        (" 2026-11 ", "2026-11", "Tháng 11/2026", "November 2026"),
        ("2026-h1", "2026-H1", "6 tháng đầu năm 2026", "First half of 2026"),
        ("2026-H2", "2026-H2", "6 tháng cuối năm 2026", "Second half of 2026"),
        ("2026", "2026", "Năm 2026", "Year 2026"),
    ],
)
def test_periods_are_canonical_and_written_as_people_write_them(
    typed: str, canonical: str, vi: str, en: str
) -> None:
    period = reports.parse_period(typed)
    assert period.label == canonical
    assert (reports.period_title(period, "vi"), reports.period_title(period, "en")) == (vi, en)


@pytest.mark.parametrize("typed", ["2026\n", "2026\r\n", "2026-11\x00", "2026\u200b", "\t2026"])
def test_a_period_with_control_or_invisible_characters_is_refused(typed: str) -> None:
    with pytest.raises(Invalid):
        reports.parse_period(typed)


def test_every_figure_of_every_section_has_a_heading() -> None:
    keys = {"year_to_date", *reports.SECTIONS}
    for model in (
        RegistryFigures,
        MentoringFigures,
        CompetitionFigures,
        ClubFigures,
        InitiativeFigures,
        EventsFigures,
    ):
        keys |= set(model.model_fields)
    keys = {reports.FIGURE_HEADINGS.get(key, key) for key in keys}
    assert sorted(key for key in keys if not known(f"report.{key}")) == []


def test_json_labels_keep_codes_as_keys() -> None:
    found = reports.labels(REPORT, "vi", NAMES)
    assert found["by_stage"] == {"prototype": "Mẫu thử", "idea": "Ý tưởng"}
    assert found["by_sector"]["environment"] == "Môi trường"
    assert found["coverage_by_level"] == {"lower_secondary": "Trung học cơ sở"}
    assert found["recognised_by_scope"] == {"unit": "Cấp cơ sở"}
    assert found["headings"]["coverage"] == "Tỷ lệ bao phủ"
