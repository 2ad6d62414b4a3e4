"""Consultation Point rules: availability, capacity, who may act on what. Pure, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from services.mentoring.matching import topic_key
from shared.contracts.base import Actor, Conflict, Forbidden, Invalid, Role
from shared.contracts.events.mentoring import (
    FeedbackRecordedV1,
    MatchAcceptedV1,
    RequestOpenedV1,
    SessionCancelledV1,
    SessionCompletedV1,
    SessionNoShowV1,
)
from shared.localtime import HCMC, local_day, utc

STAFF = frozenset({Role.ASSOCIATION_STAFF, Role.ADMIN})
LOOKAHEAD = timedelta(days=14)
MAX_SESSION = timedelta(hours=8)
MAX_BOOKING_AHEAD = timedelta(days=180)


def is_staff(actor: Actor) -> bool:
    """Whether the actor is Consultation Point staff (association staff or an admin)."""
    return actor.role in STAFF


def month_bounds(moment: datetime) -> tuple[datetime, datetime]:
    """The local calendar month containing `moment`, as aware datetimes."""
    local = moment.astimezone(HCMC)
    start = datetime(local.year, local.month, 1, tzinfo=HCMC)
    end = datetime(local.year + (local.month == 12), local.month % 12 + 1, 1, tzinfo=HCMC)
    return start, end


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


WEEK = 7 * 24 * 60


def slot_span(slot: dict[str, Any]) -> tuple[int, int]:
    """A weekly slot as [start, end) minutes from Monday 00:00 local time; an end of 24:00
    or one before the start runs past midnight into the next day (issue 14)."""
    begin = _minutes(slot["start"])
    finish = _minutes(slot["end"])
    if finish <= begin:
        finish += 24 * 60
    offset = slot["weekday"] * 24 * 60
    return offset + begin, offset + finish


def within_slots(slots: Iterable[dict[str, Any]], starts_at: datetime, ends_at: datetime) -> bool:
    """True when the whole session falls inside one weekly slot (local time); slots may end
    at 24:00 or cross midnight (a mentor free 20:00–02:00 can be booked 23:30–00:30), and
    Sunday's late slot runs into Monday."""
    start = starts_at.astimezone(HCMC)
    begin = start.weekday() * 24 * 60 + start.hour * 60 + start.minute
    finish = begin + int((ends_at - starts_at).total_seconds() // 60)
    for slot in slots:
        low, high = slot_span(slot)
        for shift in (0, WEEK):
            if low <= begin + shift and finish + shift <= high:
                return True
    return False


def free_hours(
    slots: Iterable[dict[str, Any]], booked: Iterable[tuple[datetime, datetime]], now: datetime
) -> float:
    """Hours of weekly availability (Asia/Ho_Chi_Minh) between now and 14 days ahead, less
    what is already booked; a slot already under way today counts only what is left."""
    slots = list(slots)
    horizon = now + LOOKAHEAD
    total = 0.0
    today = now.astimezone(HCMC).date()
    for offset in range(-1, LOOKAHEAD.days + 1):  # yesterday's slot may run past midnight
        day: date = today + timedelta(days=offset)
        for slot in slots:
            if slot["weekday"] != day.weekday():
                continue
            low, high = slot_span(slot)
            midnight = datetime.combine(day, time(0), HCMC) - timedelta(days=day.weekday())
            start = midnight + timedelta(minutes=low)
            end = midnight + timedelta(minutes=high)
            start, end = max(start, now), min(end, horizon)
            if end > start:
                total += (end - start).total_seconds() / 3600
    taken = sum((end - start).total_seconds() / 3600 for start, end in booked)
    return round(max(total - taken, 0.0), 2)


#: How far back a mentor may record a session held without being booked (issue 17).
RECORD_LATE_WINDOW = timedelta(days=30)
#: A booking may start this much before now (a form filled in slowly).
BOOKING_GRACE = timedelta(minutes=5)


def check_session_times(
    starts_at: datetime, ends_at: datetime, now: datetime, *, may_record_late: bool = False
) -> bool:
    """Check a booking's times (aware datetimes); True when it records a past session.

    The session ends after it starts and lasts at most 8 hours; it starts at most 180 days
    ahead. A start in the past (more than 5 minutes ago) is a past session: only the mentor
    (`may_record_late`) may record one, held within the last 30 days and already over; it
    is then "recorded late". Raises `Invalid` naming `starts_at` or `ends_at`, with a message
    about the past for a past start and about the future for a far one (issue 17).
    """
    if ends_at <= starts_at:
        raise Invalid("giờ kết thúc phải sau giờ bắt đầu", field="ends_at")
    if ends_at - starts_at > MAX_SESSION:
        raise Invalid("một buổi tư vấn dài tối đa 8 giờ", field="ends_at")
    if starts_at > now + MAX_BOOKING_AHEAD:
        raise Invalid("detail.session_too_far", field="starts_at")
    if starts_at >= now - BOOKING_GRACE:
        return False
    if not may_record_late:
        raise Invalid("detail.session_in_past", field="starts_at")
    if starts_at < now - RECORD_LATE_WINDOW:
        raise Invalid("detail.session_too_old", field="starts_at")
    if ends_at > now:
        raise Invalid("detail.session_not_over", field="ends_at")
    return True


def overlaps(
    starts_at: datetime, ends_at: datetime, others: Iterable[tuple[datetime, datetime]]
) -> bool:
    """Whether [starts_at, ends_at) overlaps any of the half-open intervals `others`."""
    return any(start < ends_at and starts_at < end for start, end in others)


#: How long a booking in progress holds its time; a crash mid-booking frees it after this.
HOLD = timedelta(seconds=30)


def blocking(own_id: str, others: Iterable[dict[str, Any]], now: datetime) -> dict[str, Any] | None:
    """The session that wins over the booking `own_id` for the same time, if any.

    A booking is first written as `held`, then checked, then confirmed: a confirmed session
    always wins; of two bookings held at once the older id (UUIDv7) wins, so two
    concurrent bookings never both succeed. A hold older than HOLD is a crash's leftover."""
    for other in others:
        if other["_id"] == own_id:
            continue
        if other["status"] != "held":
            return other
        held_at = utc(other["held_at"])
        if other["_id"] < own_id and now - held_at < HOLD:
            return other
    return None


def check_mentor_edit(actor: Actor, mentor_id: str) -> None:
    """Raise `Forbidden` unless the actor is the mentor or staff."""
    if not (is_staff(actor) or actor.id == mentor_id):
        raise Forbidden("chỉ chuyên gia hoặc cán bộ Điểm tư vấn được sửa hồ sơ này")


def check_founder_of(actor: Actor, founder_id: str) -> None:
    """Raise `Forbidden` unless the actor is the founder `founder_id`."""
    if actor.id != founder_id:
        raise Forbidden("chỉ nhà sáng lập của dự án được làm việc này")


def check_open(request: dict[str, Any]) -> None:
    """Raise `Conflict` (with the current `status`) unless the request is still open."""
    if request["status"] != "open":
        raise Conflict("yêu cầu tư vấn không còn mở", status=request["status"])


# --- figures for the district report ---------------------------------------------------


def local_days(start: datetime, end: datetime) -> tuple[str, str]:
    """The local days an interval touches, as [first, before); day-aligned periods map exactly."""
    last = date.fromisoformat(local_day(end - timedelta(microseconds=1)))
    return local_day(start), (last + timedelta(days=1)).isoformat()


def figure_entry(
    event: object, at: datetime
) -> tuple[dict[str, int], dict[str, list[Any]], datetime] | None:
    """What one mentoring event adds to the district figures: counters with fixed names, the
    values it lists (`topics` as `{key, label}`, `wards`, `referrals`), and the moment it
    counts for (a session counts in the month it took place, issue 17); None for events not
    counted. No text a person typed is ever a field name (issue 14)."""
    if isinstance(event, RequestOpenedV1):
        topics: list[dict[str, str]] = []
        for topic in event.topics:
            key = topic_key(topic)
            if all(t["key"] != key for t in topics):
                topics.append({"key": key, "label": topic})
        values: dict[str, list[Any]] = {
            "topics": topics,
            "wards": [event.ward or "unknown"],
            "referrals": [event.referred_by.value],
        }
        return {"requests": 1}, values, event.opened_at
    if isinstance(event, MatchAcceptedV1):
        return {"matched": 1}, {}, at
    if isinstance(event, SessionCompletedV1):
        counts = {"sessions_held": 1, "minutes": event.duration_minutes}
        if event.recorded_late:
            counts["sessions_recorded_late"] = 1
        return counts, {}, event.starts_at or event.completed_at
    if isinstance(event, SessionCancelledV1):
        return {"sessions_cancelled": 1}, {}, event.starts_at
    if isinstance(event, SessionNoShowV1):
        return {"no_shows": 1}, {}, event.starts_at
    if isinstance(event, FeedbackRecordedV1):
        return {"rating_sum": event.rating, "rating_count": 1}, {}, at
    return None
