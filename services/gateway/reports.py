"""The district report: periods and the plan's calendar, composition of the services'
figures, ward sets across the reforms, and CSV / XLSX renderings that show people words,
not codes (DESIGN §7, §8; issue 14). Pure, no I/O."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import get_month_names
from babel.numbers import format_decimal
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from shared.contracts.base import Invalid
from shared.i18n import enum_label, gettext, known, label

HCMC = ZoneInfo("Asia/Ho_Chi_Minh")
SECTIONS = ("startups", "consultations", "competitions", "clubs", "initiatives", "events")
_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2})|-(?P<half>[Hh][12]))?$")


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
    """The period a URL names, in its canonical form (`2026-11`, `2026-H1`, `2026`): used
    for storage keys, JSON and file names. Surrounding spaces are ignored and `h1` is `H1`;
    anything else that is not a period, control characters included, raises `Invalid`
    (422), so nothing typed in a URL reaches a header (issue 14)."""
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in text):
        raise Invalid("detail.period_format", period=text.encode("unicode_escape").decode())
    match = _PERIOD.match(text.strip(" "))
    if not match:
        raise Invalid("detail.period_format", period=text)
    year = int(match["year"])
    if not 2000 <= year <= 2100:
        raise Invalid("detail.period_year", period=text)
    if match["month"]:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise Invalid("detail.period_month", period=text)
        end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        return Period(f"{year}-{month:02d}", "month", date(year, month, 1), end)
    if match["half"]:
        half = match["half"].upper()
        if half == "H1":
            return Period(f"{year}-H1", "half_year", date(year, 1, 1), date(year, 7, 1))
        return Period(f"{year}-H2", "half_year", date(year, 7, 1), date(year + 1, 1, 1))
    return Period(str(year), "year", date(year, 1, 1), date(year + 1, 1, 1))


def period_title(period: Period, locale: str) -> str:
    """The period as people write it: "Tháng 11/2026", "6 tháng đầu năm 2026", "Năm 2026";
    "November 2026", "First half of 2026", "Year 2026" (month names from Babel's CLDR)."""
    year = period.start.year
    if period.kind == "month":
        month = period.start.month
        month_name = str(get_month_names("wide", locale=locale)[month]).capitalize()
        return gettext("report.period_month", locale, month=month, month_name=month_name, year=year)
    if period.kind == "half_year":
        key = "report.period_h1" if period.start.month == 1 else "report.period_h2"
        return gettext(key, locale, year=year)
    return gettext("report.period_year", locale, year=year)


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


# --- labels and renderings ------------------------------------------------------------------

#: Figures that are shares of 1, shown as percentages ("5 %").
SHARES = frozenset({"coverage", "target", "coverage_by_ward", "coverage_by_level"})
#: Breakdowns keyed by the value of a contract enum, labelled from the catalogue.
ENUM_KEYED = {
    "by_stage": "Stage",
    "by_referral": "Referral",
    "by_topic": "Need",
    "coverage_by_level": "SchoolLevel",
    "recognised_by_scope": "InitiativeScope",
    # events (issue 18)
    "by_kind": "EventKind",
}
#: Breakdowns keyed by reference data whose names the report is given (`ReportNames`).
SECTOR_KEYED = frozenset({"by_sector"})
#: A figure whose key is also a section's: its own heading.
FIGURE_HEADINGS = {"clubs": "clubs_count"}


@dataclass(frozen=True)
class ReportHeader:
    """Who issues the report and to whom (configuration: the Economic Division named in the
    plan no longer exists, DESIGN §7), in the locale of the rendering."""

    issued_by: str
    recipient: str


@dataclass(frozen=True)
class ReportNames:
    """Names of reference data in the locale of the rendering: sector code → name."""

    sectors: dict[str, str] = field(default_factory=dict)


def heading(key: str, locale: str) -> str:
    """The label of a section or a figure, `report.<key>` in the catalogue; a key the
    catalogue lacks is shown as it is (a test keeps every figure key in the catalogue)."""
    message_id = f"report.{key}"
    return gettext(message_id, locale) if known(message_id) else key


def figure_heading(key: str, locale: str) -> str:
    """The label of a figure inside a section (`clubs` in the clubs section is a count)."""
    return heading(FIGURE_HEADINGS.get(key, key), locale)


def key_label(breakdown: str, key: str, locale: str, names: ReportNames) -> str:
    """The label of one key of a breakdown: a sector's name, a stage's, a topic's..., or the
    key itself where it is already a name (wards) or typed by a person (free topics)."""
    if key == "unknown":
        return gettext("report.unknown", locale)
    if breakdown in SECTOR_KEYED:
        return names.sectors.get(key, key)
    enum_name = ENUM_KEYED.get(breakdown)
    if enum_name is not None:
        return enum_label(enum_name, key, locale) or key
    return key


def percent(share: float, locale: str) -> str:
    """A share of 1 as people write a percentage: 0.05 → "5 %" (vi) / "5%" (en); 0.125 →
    "12,5 %" / "12.5%" (Babel's decimal format for the locale)."""
    value = format_decimal(round(share * 100, 1), format="#,##0.#", locale=locale)
    return gettext("report.percent", locale, value=value)


def shown(value: Any, locale: str, *, share: bool = False) -> Any:
    """A figure as a cell: counts stay numbers, shares become percentages, booleans
    "Có"/"Không", nothing "Không có", other numbers rounded to two decimals."""
    if isinstance(value, bool):
        return label(value, locale)
    if value is None:
        return gettext("report.none", locale)
    if share and isinstance(value, int | float):
        return percent(float(value), locale)
    if isinstance(value, float):
        return round(value, 2)
    return value


def day(value: str | date | None, locale: str) -> str:
    """A date as dd/mm/yyyy (DESIGN §7); no date is "Không có"."""
    if value is None:
        return gettext("report.none", locale)
    parsed = date.fromisoformat(value) if isinstance(value, str) else value
    return parsed.strftime("%d/%m/%Y")


def moment(value: datetime | str | None, locale: str) -> str:
    """An instant as dd/mm/yyyy HH:MM in Asia/Ho_Chi_Minh (DESIGN §7)."""
    if value is None:
        return gettext("report.none", locale)
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(HCMC).strftime("%d/%m/%Y %H:%M")


def rows(
    section: dict[str, Any],
    locale: str,
    names: ReportNames | None = None,
    prefix: tuple[str, ...] = (),
) -> list[tuple[str, Any]]:
    """A section's figures as (label path, cell) rows, every code replaced by its label:
    `("Theo giai đoạn / Ý tưởng", 2)`, `("Tỷ lệ bao phủ", "5 %")`."""
    names = names or ReportNames()
    found: list[tuple[str, Any]] = []
    for key, value in section.items():
        path = (*prefix, figure_heading(key, locale))
        if key == "year_to_date" and isinstance(value, dict):
            found.extend(rows(value, locale, names, path))
        elif isinstance(value, dict):
            for sub, number in value.items():
                sub_path = " / ".join((*path, key_label(key, str(sub), locale, names)))
                found.append((sub_path, shown(number, locale, share=key in SHARES)))
        elif isinstance(value, list):
            labels = [key_label(key, str(item), locale, names) for item in value]
            found.append((" / ".join(path), ", ".join(labels)))
        else:
            found.append((" / ".join(path), shown(value, locale, share=key in SHARES)))
    return found


def header_rows(
    report: dict[str, Any], locale: str, header: ReportHeader | None
) -> list[tuple[str, Any]]:
    """The header block: title, issuing unit, recipient, the period as people write it,
    due date, whether the period has ended, when it was generated, the locked version and
    the sections that lack figures."""
    period = parse_period(str(report["period"]))
    block: list[tuple[str, Any]] = [(heading("title", locale), period_title(period, locale))]
    if header is not None:
        block.append((heading("issued_by", locale), header.issued_by))
        block.append((heading("recipient", locale), header.recipient))
    block += [
        (heading("period", locale), period_title(period, locale)),
        (heading("due_date", locale), day(report.get("due_date"), locale)),
        (heading("complete", locale), label(bool(report.get("complete")), locale)),
        (heading("generated_at", locale), moment(report.get("generated_at"), locale)),
    ]
    locked = report.get("locked")
    if isinstance(locked, dict) and locked.get("version"):
        block.append((heading("locked_version", locale), locked["version"]))
    missing = report.get("missing_sections") or []
    if missing:
        block.append(
            (heading("missing_sections", locale), ", ".join(heading(m, locale) for m in missing))
        )
    return block


def printable(value: Any) -> Any:
    """A cell as a spreadsheet takes it: text without the control characters openpyxl
    refuses (a second guard behind the contract edge, for text stored before it), and
    never read as a formula. Numbers stay numbers."""
    if not isinstance(value, str):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    # OWASP CSV injection: a cell starting with = + - @ is a formula to spreadsheet programs.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def _table(
    report: dict[str, Any], locale: str, header: ReportHeader | None, names: ReportNames | None
) -> Iterator[tuple[str, str, Any]]:
    general = heading("summary_sheet", locale)
    for title, value in header_rows(report, locale, header):
        yield general, title, value
    for section in SECTIONS:
        figures = report.get(section)
        if figures is None:
            yield heading(section, locale), heading("missing", locale), ""
            continue
        for title, value in rows(figures, locale, names):
            yield heading(section, locale), title, value


def to_csv(
    report: dict[str, Any],
    locale: str,
    header: ReportHeader | None = None,
    names: ReportNames | None = None,
) -> bytes:
    """UTF-8 with a BOM, so spreadsheet programs show Vietnamese correctly: one row per
    figure, `section, figure, value`, after the header block; labels only, no codes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [heading("section", locale), heading("figure", locale), heading("value", locale)]
    )
    for section, title, value in _table(report, locale, header, names):
        writer.writerow([printable(section), printable(title), printable(value)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(
    report: dict[str, Any],
    locale: str,
    header: ReportHeader | None = None,
    names: ReportNames | None = None,
) -> bytes:
    """A general sheet with the header block, then one sheet per section, headings in the
    user's locale, counts as numbers, labels only; no stored text can make it fail."""
    book = Workbook()
    general = book.active
    assert general is not None
    general.title = heading("summary_sheet", locale)[:31]
    for title, value in header_rows(report, locale, header):
        _append(general, [title, value])
    for section in SECTIONS:
        sheet = book.create_sheet(heading(section, locale)[:31])
        sheet.append([heading("figure", locale), heading("value", locale)])
        figures = report.get(section)
        if figures is None:
            _append(sheet, [heading("missing", locale), ""])
            continue
        for title, value in rows(figures, locale, names):
            _append(sheet, [title, value])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _append(sheet: Any, cells: list[Any]) -> None:
    sheet.append([printable(cell) for cell in cells])
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":  # openpyxl reads "=..." as a formula: it is text here
            cell.data_type = "s"


def labels(report: dict[str, Any], locale: str, names: ReportNames) -> dict[str, Any]:
    """What the JSON adds to the codes it keeps as keys: the label of every section and
    figure (and, under `sections`, of every section alone), and of every key of every
    breakdown, in `locale` (`labels.by_stage.idea` →
    "Ý tưởng")."""
    # `sections` holds the section headings alone: in `headings` a figure named like its
    # section (`clubs` in `clubs`) replaces the section's heading.
    found: dict[str, Any] = {"headings": {}, "sections": {}}
    for section in SECTIONS:
        found["headings"][section] = found["sections"][section] = heading(section, locale)
        figures = report.get(section) or {}
        for scope in (figures, figures.get("year_to_date") or {}):
            for key, value in scope.items():
                found["headings"][key] = figure_heading(key, locale)
                if isinstance(value, dict) and key != "year_to_date":
                    keyed = found.setdefault(key, {})
                    for sub in value:
                        keyed[str(sub)] = key_label(key, str(sub), locale, names)
    return found


def drifted(locked: dict[str, Any], live: dict[str, Any]) -> list[str]:
    """The sections whose live figures differ from the locked version."""
    return [s for s in SECTIONS if (locked.get(s) or {}) != (live.get(s) or {})]
