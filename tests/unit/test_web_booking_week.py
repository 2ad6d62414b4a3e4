"""The founder's week view of a mentor's free slots (services/gateway/web/booking.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.gateway.web.booking import free_week
from shared.contracts.rpc.mentoring.mentors import Slot
from shared.localtime import HCMC

# Monday 30/11/2026, 08:30 in Gò Vấp.
NOW = datetime(2026, 11, 30, 8, 30, tzinfo=HCMC)


def at(day: int, hour: int) -> datetime:
    """Local `hour`:00 on 30/11/2026 + `day` days."""
    return datetime(2026, 11, 30, hour, tzinfo=HCMC) + timedelta(days=day)


def test_a_week_of_one_hour_starts_inside_the_availability() -> None:
    week = free_week([Slot(weekday=0, start="09:00", end="11:30")], [], NOW)
    assert len(week) == 7
    assert week[0].day.isoformat() == "2026-11-30"
    # 11:00–12:00 would pass the slot's end; other days have no slot.
    assert week[0].starts == [at(0, 9), at(0, 10)]
    assert all(day.starts == [] for day in week[1:])


def test_booked_and_past_times_are_not_offered() -> None:
    slot = Slot(weekday=1, start="08:00", end="12:00")
    booked = [(at(1, 9) + timedelta(minutes=30), at(1, 10))]
    week = free_week([slot, Slot(weekday=0, start="07:00", end="10:00")], booked, NOW)
    assert week[0].starts == [at(0, 9)]  # 07:00 and 08:00 have begun
    assert week[1].starts == [at(1, 8), at(1, 10), at(1, 11)]


def test_a_slot_crossing_midnight_gives_starts_on_the_day_each_begins() -> None:
    week = free_week([Slot(weekday=2, start="22:00", end="01:00")], [], NOW)
    assert week[2].starts == [at(2, 22), at(2, 23)]
    assert week[3].starts == [at(3, 0)]
    # Sunday night's slot reaches into Monday (today) morning.
    sunday = free_week(
        [Slot(weekday=6, start="23:00", end="24:00")], [], at(0, 0) - timedelta(hours=2)
    )
    assert sunday[0].day.isoformat() == "2026-11-29" and sunday[0].starts == [at(-1, 23)]
