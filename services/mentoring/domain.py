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
    SessionCompletedV1,
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


def within_slots(slots: Iterable[dict[str, Any]], starts_at: datetime, ends_at: datetime) -> bool:
    """True when the whole session falls inside one weekly slot (local time)."""
    start, end = starts_at.astimezone(HCMC), ends_at.astimezone(HCMC)
    if start.date() != end.date() and end.time() != time(0, 0):
        return False
    begin = start.hour * 60 + start.minute
    finish = end.hour * 60 + end.minute or 24 * 60
    return any(
        slot["weekday"] == start.weekday()
        and _minutes(slot["start"]) <= begin
        and finish <= _minutes(slot["end"])
        for slot in slots
    )


def free_hours(
    slots: Iterable[dict[str, Any]], booked: Iterable[tuple[datetime, datetime]], now: datetime
) -> float:
    """Hours of weekly availability (Asia/Ho_Chi_Minh) between now and 14 days ahead, less
    what is already booked; a slot already under way today counts only what is left."""
    slots = list(slots)
    horizon = now + LOOKAHEAD
    total = 0.0
    today = now.astimezone(HCMC).date()
    for offset in range(LOOKAHEAD.days + 1):
        day: date = today + timedelta(days=offset)
        for slot in slots:
            if slot["weekday"] != day.weekday():
                continue
            start = datetime.combine(day, time(0), HCMC) + timedelta(
                minutes=_minutes(slot["start"])
            )
            end = datetime.combine(day, time(0), HCMC) + timedelta(minutes=_minutes(slot["end"]))
            start, end = max(start, now), min(end, horizon)
            if end > start:
                total += (end - start).total_seconds() / 3600
    taken = sum((end - start).total_seconds() / 3600 for start, end in booked)
    return round(max(total - taken, 0.0), 2)


def check_session_times(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    """Raise `Invalid` unless the session ends after it starts, lasts at most 8 hours and
    starts between 5 minutes ago and 180 days from `now` (aware datetimes)."""
    if ends_at <= starts_at:
        raise Invalid("giờ kết thúc phải sau giờ bắt đầu", field="ends_at")
    if ends_at - starts_at > MAX_SESSION:
        raise Invalid("một buổi tư vấn dài tối đa 8 giờ", field="ends_at")
    if starts_at < now - timedelta(minutes=5) or starts_at > now + MAX_BOOKING_AHEAD:
        raise Invalid("chỉ đặt lịch trong 180 ngày tới", field="starts_at")


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


def _field(text: str) -> str:
    """A figure key usable as a MongoDB field name."""
    return text.replace(".", " ").replace("$", " ").strip() or "unknown"


def figure_increments(
    event: object, at: datetime
) -> tuple[dict[str, int], dict[str, str], datetime]:
    """What one mentoring event adds to its day's figures, the display names of topics it
    counts, and the moment it counts for."""
    if isinstance(event, RequestOpenedV1):
        increments = {
            "requests": 1,
            f"by_ward.{_field(event.ward or 'unknown')}": 1,
            f"by_referral.{_field(event.referred_by.value)}": 1,
        }
        names = {}
        for topic in event.topics:
            key = _field(topic_key(topic))
            increments[f"by_topic.{key}"] = increments.get(f"by_topic.{key}", 0) + 1
            names[f"topic_names.{key}"] = topic
        return increments, names, event.opened_at
    if isinstance(event, MatchAcceptedV1):
        return {"matched": 1}, {}, at
    if isinstance(event, SessionCompletedV1):
        return {"sessions_held": 1, "minutes": event.duration_minutes}, {}, event.completed_at
    if isinstance(event, FeedbackRecordedV1):
        return {"rating_sum": event.rating, "rating_count": 1}, {}, at
    return {}, {}, at
