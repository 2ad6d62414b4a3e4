"""School club rules, pure: when a club is active, and coverage against the plan's target."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from shared.contracts.base import Invalid

ACTIVE_WINDOW = timedelta(days=180)
TARGET = 0.5


@dataclass(frozen=True)
class School:
    """A school from the reference data: its code, ward and level (None when unknown)."""

    code: str
    ward: str | None
    level: str | None


@dataclass(frozen=True)
class Share:
    """`covered` schools with an active club out of `schools`."""

    schools: int
    covered: int

    @property
    def share(self) -> float:
        """covered ÷ schools rounded to 4 places, in [0, 1]; 0.0 when there are no schools."""
        return round(self.covered / self.schools, 4) if self.schools else 0.0

    def meets(self, target: float = TARGET) -> bool:
        """Whether the share reaches `target` (the plan's 50% of schools, DESIGN §8)."""
        return self.schools > 0 and self.covered / self.schools >= target


@dataclass(frozen=True)
class CoverageResult:
    """Club coverage overall, by ward code and by school level."""

    overall: Share
    by_ward: dict[str, Share]
    by_level: dict[str, Share]


def is_active(activity_dates: Iterable[date], on: date) -> bool:
    """Active when it has an activity in the 180 days up to and including `on`."""
    return any(on - ACTIVE_WINDOW <= day <= on for day in activity_dates)


def check_activity_date(day: date, today: date, founded: date | None) -> None:
    """Raise `Invalid` when an activity's date is after `today` or before the
    club was founded."""
    if day > today:
        raise Invalid("ngày hoạt động không được ở tương lai", field="date")
    if founded is not None and day < founded:
        raise Invalid("ngày hoạt động trước ngày thành lập câu lạc bộ", field="date")


def check_founded(founded: date | None, today: date) -> None:
    """Raise `Invalid` when the founding date is after `today` or before 1950."""
    if founded is not None and (founded > today or founded.year < 1950):
        raise Invalid("ngày thành lập không hợp lệ", field="founded")


def coverage(
    schools: Sequence[School],
    club_activity: Mapping[str, Iterable[Iterable[date]]],
    on: date,
) -> CoverageResult:
    """Schools with at least one active club ÷ all schools, overall, by ward, by level.

    `club_activity` maps a school code to the activity dates of each of its clubs; clubs of
    schools not in the reference data do not count."""
    covered = {
        school.code
        for school in schools
        if any(is_active(days, on) for days in club_activity.get(school.code, ()))
    }

    def share(group: Iterable[School]) -> Share:
        """The share of `group`'s schools that have an active club."""
        members = list(group)
        return Share(len(members), sum(1 for s in members if s.code in covered))

    wards = sorted({s.ward for s in schools if s.ward})
    levels = sorted({s.level for s in schools if s.level})
    return CoverageResult(
        overall=share(schools),
        by_ward={w: share(s for s in schools if s.ward == w) for w in wards},
        by_level={lv: share(s for s in schools if s.level == lv) for lv in levels},
    )
