"""The district report: periods and the plan's calendar, composition of the services'
figures, ward sets across the reforms, and CSV / XLSX renderings. Pure, no I/O."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook  # type: ignore[import-untyped]  # no stubs installed

from shared.contracts.base import Invalid

HCMC = ZoneInfo("Asia/Ho_Chi_Minh")
SECTIONS = ("startups", "consultations", "competitions", "clubs", "initiatives")
_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2})|-(?P<half>H[12]))?$")


@dataclass(frozen=True)
class Period:
    label: str
    kind: str  # month | half_year | year
    start: date  # first day, local
    end: date  # first day after, local

    @property
    def start_utc(self) -> datetime:
        return datetime.combine(self.start, datetime.min.time(), tzinfo=HCMC).astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        return datetime.combine(self.end, datetime.min.time(), tzinfo=HCMC).astimezone(UTC)

    @property
    def year_start(self) -> date:
        return date(self.start.year, 1, 1)

    def due_date(self) -> date | None:
        """Monthly by the 5th of the next month; the half-year report before 10 June and
        the annual one before 10 November (DESIGN §8). The plan sets no date for H2."""
        if self.kind == "month":
            return self.end.replace(day=5)
        if self.label.endswith("H1"):
            return date(self.start.year, 6, 10)
        if self.kind == "year":
            return date(self.start.year, 11, 10)
        return None

    def complete(self, now: datetime) -> bool:
        return now >= self.end_utc


def parse_period(text: str) -> Period:
    match = _PERIOD.match(text.strip())
    if not match:
        raise Invalid("kỳ báo cáo phải có dạng YYYY-MM, YYYY-H1, YYYY-H2 hoặc YYYY", period=text)
    year = int(match["year"])
    if not 2000 <= year <= 2100:
        raise Invalid("năm báo cáo không hợp lệ", period=text)
    if match["month"]:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise Invalid("tháng không hợp lệ", period=text)
        end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        return Period(text, "month", date(year, month, 1), end)
    if match["half"] == "H1":
        return Period(text, "half_year", date(year, 1, 1), date(year, 7, 1))
    if match["half"] == "H2":
        return Period(text, "half_year", date(year, 7, 1), date(year + 1, 1, 1))
    return Period(text, "year", date(year, 1, 1), date(year + 1, 1, 1))


# --- wards across the reforms -------------------------------------------------------------


def ward_names_at(wards: list[dict[str, Any]], day: date) -> dict[str, str]:
    """Code → the name of the ward valid on `day` that the code is, or became.

    A ward of an earlier set is followed forward through its successors (the wards that
    list it as a predecessor) to the set valid on `day`."""
    successors: dict[str, list[str]] = {}
    for ward in wards:
        for predecessor in ward.get("predecessors", []):
            successors.setdefault(predecessor, []).append(ward["code"])
    valid = {
        w["code"]: w["name"]
        for w in wards
        if w["valid_from"] <= day.isoformat()
        and (not w.get("valid_to") or day.isoformat() <= w["valid_to"])
    }
    names: dict[str, str] = {}
    for ward in wards:
        code, seen = ward["code"], set()
        while code not in valid and successors.get(code) and code not in seen:
            seen.add(code)
            code = successors[code][0]
        names[ward["code"]] = valid.get(code, ward["name"])
    return names


def relabel_wards(counts: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """Counts keyed by ward code → keyed by the ward's name in the period's set; codes that
    became the same ward add up. Values that are not counts are kept as they are."""
    merged: dict[str, Any] = {}
    for code, count in counts.items():
        label = names.get(code, code)
        if isinstance(count, int) and isinstance(merged.get(label, 0), int):
            merged[label] = merged.get(label, 0) + count
        else:
            merged[label] = count
    return dict(sorted(merged.items()))


def coverage_by_ward(clubs: dict[str, Any]) -> dict[str, float]:
    """Schools with an active club ÷ schools, per ward (after relabelling)."""
    schools = clubs.get("schools_by_ward") or {}
    covered = clubs.get("covered_by_ward") or {}
    return {
        ward: round(covered.get(ward, 0) / total, 4) for ward, total in schools.items() if total
    }


# --- flattening and renderings --------------------------------------------------------------

HEADINGS_VI = {
    "startups": "Khởi nghiệp",
    "consultations": "Điểm tư vấn khởi nghiệp",
    "competitions": "Cuộc thi",
    "clubs": "Câu lạc bộ trường học",
    "initiatives": "Sáng kiến",
    "registered": "Đăng ký mới",
    "verified": "Được xác minh",
    "active": "Đang hoạt động",
    "women_led": "Do phụ nữ làm chủ",
    "youth_led": "Do thanh niên làm chủ",
    "by_ward": "Theo phường",
    "by_sector": "Theo lĩnh vực",
    "by_stage": "Theo giai đoạn",
    "year_to_date": "Lũy kế từ đầu năm",
    "requests": "Yêu cầu tư vấn",
    "matched": "Được ghép chuyên gia",
    "sessions_held": "Buổi tư vấn đã diễn ra",
    "hours": "Số giờ tư vấn",
    "average_rating": "Đánh giá trung bình",
    "by_topic": "Theo chủ đề",
    "by_referral": "Theo đơn vị giới thiệu",
    "held": "Cuộc thi đã tổ chức",
    "entries": "Bài dự thi",
    "participants": "Người tham gia",
    "winners": "Giải thưởng",
    "winners_by_ward": "Đoạt giải theo phường",
    "schools": "Số trường",
    "schools_with_active_club": "Trường có CLB hoạt động",
    "coverage": "Tỷ lệ bao phủ",
    "target": "Chỉ tiêu",
    "meets_target": "Đạt chỉ tiêu",
    "schools_by_ward": "Số trường theo phường",
    "covered_by_ward": "Trường có CLB theo phường",
    "coverage_by_ward": "Tỷ lệ bao phủ theo phường",
    "coverage_by_level": "Tỷ lệ bao phủ theo cấp học",
    "filed": "Đã nộp",
    "decided": "Đã xét",
    "recognised": "Được công nhận",
    "recognised_by_scope": "Công nhận theo phạm vi ảnh hưởng",
    "period": "Kỳ báo cáo",
}
HEADINGS_EN = {
    "startups": "Startups",
    "consultations": "Startup Consultation Point",
    "competitions": "Competitions",
    "clubs": "School clubs",
    "initiatives": "Initiatives",
    "year_to_date": "Year to date",
    "period": "Period",
}


def heading(key: str, locale: str) -> str:
    table = HEADINGS_EN if locale == "en" else HEADINGS_VI
    return table.get(key, key.replace("_", " "))


def rows(
    section: dict[str, Any], locale: str, prefix: tuple[str, ...] = ()
) -> list[tuple[str, Any]]:
    """Nested figures as (label path, number) rows; numbers stay numbers."""
    found: list[tuple[str, Any]] = []
    for key, value in section.items():
        path = (*prefix, heading(key, locale) if not prefix or key in HEADINGS_VI else key)
        if isinstance(value, dict):
            found.extend(rows(value, locale, path))
        elif isinstance(value, list):
            found.append((" / ".join(path), ", ".join(map(str, value))))
        else:
            found.append((" / ".join(path), value))
    return found


def to_csv(report: dict[str, Any], locale: str) -> bytes:
    """UTF-8 with a BOM, so spreadsheet programs show Vietnamese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "Mục" if locale == "vi" else "Section",
            "Chỉ tiêu" if locale == "vi" else "Figure",
            "Giá trị" if locale == "vi" else "Value",
        ]
    )
    writer.writerow([heading("period", locale), "", report["period"]])
    for section in SECTIONS:
        for label, value in rows(report.get(section) or {}, locale):
            writer.writerow([heading(section, locale), label, value])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(report: dict[str, Any], locale: str) -> bytes:
    """One sheet per section, headings in the user's locale, numbers as numbers."""
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = heading("period", locale)
    summary.append([heading("period", locale), report["period"]])
    summary.append(["due_date", report.get("due_date") or ""])
    summary.append(["complete", report.get("complete")])
    for section in SECTIONS:
        sheet = book.create_sheet(heading(section, locale)[:31])
        sheet.append(
            ["Chỉ tiêu" if locale == "vi" else "Figure", "Giá trị" if locale == "vi" else "Value"]
        )
        for label, value in rows(report.get(section) or {}, locale):
            sheet.append([label, value])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def drifted(locked: dict[str, Any], live: dict[str, Any]) -> list[str]:
    """The sections whose live figures differ from the locked version."""
    return [s for s in SECTIONS if (locked.get(s) or {}) != (live.get(s) or {})]
