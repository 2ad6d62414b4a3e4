"""The district's clock rules, one copy for every service: the zone days are counted in,
how a stored moment becomes aware, and when a reference-data entry is in force.

Pure: no I/O, so `domain.py` modules may import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

HCMC = ZoneInfo("Asia/Ho_Chi_Minh")
"""Gò Vấp's zone (UTC+7, no daylight saving): local days, quiet hours and slots use it."""


def utc(value: datetime) -> datetime:
    """The same moment, aware. MongoDB hands datetimes back naive unless the client is
    tz-aware, and what it stores is always UTC, so a naive value is read as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def local_date(moment: datetime) -> date:
    """The calendar day in Gò Vấp at `moment` (naive moments are UTC)."""
    return utc(moment).astimezone(HCMC).date()


def local_day(moment: datetime) -> str:
    """`local_date` as an ISO date (`YYYY-MM-DD`), the key of daily figure buckets."""
    return local_date(moment).isoformat()


def valid_on(entry: Mapping[str, object] | None, day: str) -> bool:
    """Whether a ward (or any dated reference entry) is in force on `day` (ISO date):
    `valid_from <= day <= valid_to`, an absent `valid_to` meaning still in force. Gò Vấp's
    wards changed on 1 January and 1 July 2025 (DESIGN §7), so validity is always judged on
    a date. None (an unknown entry) is never valid."""
    if entry is None:
        return False
    valid_to = entry.get("valid_to")
    return str(entry["valid_from"]) <= day and (valid_to is None or day <= str(valid_to))
