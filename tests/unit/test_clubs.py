"""Club rules without infrastructure: when a club is active, and coverage of schools."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.competitions import clubs
from services.competitions.clubs import School
from shared.contracts.base import Invalid

TODAY = date(2026, 6, 30)


def test_a_club_is_active_with_an_activity_in_the_last_180_days() -> None:
    assert clubs.is_active([TODAY - timedelta(days=180)], TODAY)
    assert not clubs.is_active([TODAY - timedelta(days=181)], TODAY)
    assert not clubs.is_active([], TODAY)
    assert not clubs.is_active([TODAY + timedelta(days=1)], TODAY)  # not yet, as of then


def test_coverage_counts_schools_with_an_active_club_over_all_schools() -> None:
    schools = [
        School("th-a", "go-vap", "primary"),
        School("th-b", "go-vap", "primary"),
        School("thcs-c", "an-nhon", "lower_secondary"),
        School("thpt-d", "an-nhon", "upper_secondary"),
    ]
    recent, old = [TODAY - timedelta(days=10)], [TODAY - timedelta(days=400)]
    activity = {
        "th-a": [old, recent],  # one active club is enough
        "thcs-c": [recent, recent],  # two clubs count the school once
        "thpt-d": [old],
        "not-a-school": [recent],  # unknown to the reference data: ignored
    }
    result = clubs.coverage(schools, activity, TODAY)
    assert (result.overall.schools, result.overall.covered) == (4, 2)
    assert result.overall.share == 0.5
    assert result.overall.meets()
    assert result.by_ward["go-vap"].covered == 1
    assert result.by_ward["an-nhon"].share == 0.5
    assert result.by_level["primary"].share == 0.5
    assert result.by_level["upper_secondary"].covered == 0
    assert not result.by_level["upper_secondary"].meets()


def test_no_schools_means_zero_and_not_met() -> None:
    result = clubs.coverage([], {}, TODAY)
    assert result.overall.share == 0.0
    assert not result.overall.meets()


def test_activity_dates_are_not_in_the_future_nor_before_the_club_was_founded() -> None:
    clubs.check_activity_date(TODAY, TODAY, date(2025, 9, 5))
    with pytest.raises(Invalid, match="tương lai"):
        clubs.check_activity_date(TODAY + timedelta(days=1), TODAY, None)
    with pytest.raises(Invalid, match="thành lập"):
        clubs.check_activity_date(date(2025, 9, 1), TODAY, date(2025, 9, 5))
