"""Initiative (sáng kiến) rules, pure: the dossier's conditions (Decree 13/2012), the council's
scoring sheet, the two-thirds vote and the 3-month limit from acceptance to decision."""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from shared.contracts.base import Conflict, Invalid

SCOPES: tuple[str, ...] = ("unit", "ward", "city", "national")
SCOPE_LABELS = {
    "unit": "cấp cơ sở",
    "ward": "cấp phường",
    "city": "cấp thành phố",
    "national": "toàn quốc",
}
DEFAULT_SHEET: dict[str, Any] = {
    "criteria": [
        {"name": "Tính mới", "max_points": 30},
        {"name": "Khả năng áp dụng", "max_points": 30},
        {"name": "Hiệu quả kinh tế – xã hội", "max_points": 40},
    ],
    "pass_mark": 50,
}
DECISION_MONTHS = 3
WARN_BEFORE = timedelta(days=14)


class Status:
    """The statuses of an initiative dossier (Decree 13/2012/NĐ-CP): filed, under review,
    then recognised or refused."""

    FILED = "filed"
    UNDER_REVIEW = "under_review"
    RECOGNISED = "recognised"
    REFUSED = "refused"


def check_dossier(
    shares: Sequence[float], applied_since: date, ip_protected: bool, today: date
) -> None:
    """Authors' shares sum to 100%; applied (or trial-applied) already; not already IP."""
    if abs(math.fsum(shares) - 100.0) > 1e-6:
        raise Invalid("tổng tỷ lệ đóng góp của các tác giả phải bằng 100%", field="authors")
    if applied_since > today:
        raise Invalid(
            "sáng kiến phải đã được áp dụng hoặc áp dụng thử trước khi nộp",
            field="applied_since",
        )
    if ip_protected:
        raise Invalid(
            "giải pháp đã được bảo hộ quyền sở hữu trí tuệ không được công nhận là sáng kiến",
            field="ip_protected",
        )


def check_sheet(criteria: Sequence[tuple[str, float]], pass_mark: float) -> None:
    """Raise `Invalid` when criteria names repeat (case-insensitively) or the pass mark
    exceeds the sheet's total points."""
    names = [name.casefold() for name, _ in criteria]
    if len(set(names)) != len(names):
        raise Invalid("tên các tiêu chí không được trùng nhau", field="sheet.criteria")
    if pass_mark > math.fsum(points for _, points in criteria):
        raise Invalid("điểm đạt không được vượt tổng điểm của phiếu", field="sheet.pass_mark")


def sheet_total(sheet: Mapping[str, object], points: Mapping[str, float]) -> float:
    """The sum of `points` after checking them against the sheet: every criterion, nothing
    else, each in [0, max_points]; raises `Invalid` otherwise."""
    criteria = sheet["criteria"]
    assert isinstance(criteria, list)
    maxima = {c["name"]: float(c["max_points"]) for c in criteria}
    missing = sorted(set(maxima) - set(points))
    unknown = sorted(set(points) - set(maxima))
    if missing or unknown:
        raise Invalid(
            "phiếu chấm phải có đúng các tiêu chí của hội đồng", missing=missing, unknown=unknown
        )
    outside = sorted(name for name, value in points.items() if not 0 <= value <= maxima[name])
    if outside:
        raise Invalid("điểm mỗi tiêu chí từ 0 đến điểm tối đa của tiêu chí", criteria=outside)
    return math.fsum(points.values())


def two_thirds(votes_for: int, council_size: int) -> bool:
    """At least two thirds of the whole council in favour (not only of those who voted)."""
    return council_size > 0 and 3 * votes_for >= 2 * council_size


def add_months(day: date, months: int) -> date:
    """`day` plus `months` calendar months, clamped to the last day of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def decision_due(accepted_on: date) -> date:
    """The legal limit: 3 months from acceptance of the dossier to the decision."""
    return add_months(accepted_on, DECISION_MONTHS)


def deadline_warning(accepted_on: date | None, today: date, decided: bool) -> bool:
    """Warn from two weeks before the limit until a decision is recorded."""
    if accepted_on is None or decided:
        return False
    return today >= decision_due(accepted_on) - WARN_BEFORE


def check_decision(
    recognised: bool,
    scope: str | None,
    reasons: str | None,
    votes_for: int,
    council_size: int,
    scopes: Sequence[str] = SCOPES,
) -> None:
    """Check a council decision (Decree 13/2012/NĐ-CP). `Conflict` without a council, or
    when recognising without two thirds of the whole council in favour; `Invalid` when
    recognising without a valid scope or refusing without reasons."""
    if council_size == 0:
        raise Conflict("cần thành lập hội đồng trước khi quyết định")
    if recognised:
        if scope not in scopes:
            raise Invalid("cần chọn phạm vi ảnh hưởng hợp lệ", field="scope", allowed=list(scopes))
        if not two_thirds(votes_for, council_size):
            raise Conflict(
                "cần ít nhất hai phần ba thành viên hội đồng tán thành để công nhận",
                votes_for=votes_for,
                council_size=council_size,
            )
    elif not reasons:
        raise Invalid("cần nêu lý do không công nhận", field="reasons")
