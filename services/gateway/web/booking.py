"""Booking and dashboard parts of the founder's and mentor's pages: the coming week's free
booking slots of a mentor (`free_week`, pure), the booking context of a consultation, the
reader's upcoming sessions and certificate count. A mentor's weekly availability (`Slot`: weekday, HH:MM start and end in
Asia/Ho_Chi_Minh; an end before the start crosses midnight, 24:00 is midnight) is cut into
one-hour choices; a choice overlapping a booked session, or already begun, is left out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from services.gateway.deps import Services
from services.gateway.routes.certificates import ISSUERS
from services.gateway.web.kit import Web
from services.gateway.web.units import organization_names
from shared.contracts.base import Role
from shared.contracts.rpc.certificates import ListMyCertificates, certificates_subject
from shared.contracts.rpc.mentoring.mentors import GetMentor, GetMentorBusy, Slot
from shared.contracts.rpc.mentoring.sessions import ListSessions, SessionStatus
from shared.infra.broker import RpcFailure
from shared.localtime import HCMC

#: The length of one choice offered (the founder picks the session's length apart).
STEP = timedelta(hours=1)
#: How many days are shown, today first.
DAYS = 7


@dataclass
class Day:
    """One local day of the week view: its date and its free starts (aware, local)."""

    day: date
    starts: list[datetime] = field(default_factory=list)


def _hhmm(value: str) -> timedelta:
    hours, minutes = value.split(":")
    return timedelta(hours=int(hours), minutes=int(minutes))


def _windows(slots: Iterable[Slot], day: date) -> list[tuple[datetime, datetime]]:
    """The availability windows that start on `day` (local), as aware instants."""
    midnight = datetime.combine(day, time(0), tzinfo=HCMC)
    windows = []
    for slot in slots:
        if slot.weekday != day.weekday():
            continue
        start, end = _hhmm(slot.start), _hhmm(slot.end)
        if end <= start:
            end += timedelta(days=1)
        windows.append((midnight + start, midnight + end))
    return windows


def free_week(
    slots: Iterable[Slot],
    booked: Sequence[tuple[datetime, datetime]],
    now: datetime,
    *,
    days: int = DAYS,
) -> list[Day]:
    """The next `days` local days from `now`'s (aware) date, each with the one-hour starts
    inside the mentor's availability that begin after `now` and overlap no `booked`
    [start, end) interval, listed on the local day they begin (a slot crossing midnight
    gives starts on two days); days without a free start are kept (shown as full)."""
    slots = list(slots)
    today = now.astimezone(HCMC).date()
    week = {
        today + timedelta(days=offset): Day(today + timedelta(days=offset))
        for offset in range(days)
    }
    # The day before today too: its slot may cross midnight into today.
    for offset in range(-1, days):
        for window_start, window_end in _windows(slots, today + timedelta(days=offset)):
            start = window_start
            while start + STEP <= window_end:
                end = start + STEP
                taken = any(start < b_end and b_start < end for b_start, b_end in booked)
                day = week.get(start.date())
                if start > now and not taken and day is not None and start not in day.starts:
                    day.starts.append(start)
                start = end
    for day in week.values():
        day.starts.sort()
    return list(week.values())


async def booking(page: Web, found: Any) -> dict[str, Any]:
    """The proposed or accepted mentor (`GetMentor`, `None` when not readable) with the name
    of their organization (reference data) and, for the
    founder of a matched request, the coming week's free one-hour starts: the mentor's
    weekly availability minus every time the mentor is taken (`GetMentorBusy`: with anyone,
    when only; the service still refuses a time another founder took meanwhile)."""
    if not found.mentor_id:
        return {"mentor": None, "mentor_unit": None, "week": []}
    mentor = await page.try_call(GetMentor(mentor_id=found.mentor_id))
    unit = None
    if mentor is not None and mentor.organization:
        unit = await organization_names(page.request, mentor.organization)
    actor = page.actor
    if mentor is None or actor is None or actor.role != Role.FOUNDER or found.status != "matched":
        return {"mentor": mentor, "mentor_unit": unit, "week": []}
    now = datetime.now(HCMC)
    busy = await page.try_call(
        GetMentorBusy(
            mentor_id=found.mentor_id,
            starts_from=now - timedelta(days=1),
            starts_before=now + timedelta(days=DAYS + 1),
        )
    )
    booked = [(b.starts_at, b.ends_at) for b in busy.items] if busy else []
    return {"mentor": mentor, "mentor_unit": unit, "week": free_week(mentor.slots, booked, now)}


async def upcoming_sessions(page: Web) -> list[Any]:
    """The reader's scheduled sessions from an hour ago on (a session just begun is still
    to hold), earliest first, at most 20."""
    found = await page.try_call(
        ListSessions(
            status=SessionStatus.SCHEDULED,
            starts_from=datetime.now(HCMC) - timedelta(hours=1),
            page=1,
            page_size=20,
        )
    )
    return list(found.items) if found else []


async def sessions_to_complete(page: Web) -> list[Any]:
    """A mentor's sessions still `scheduled` that have begun (over the last 90 days): their
    outcome is to be recorded. Earliest first, at most 50."""
    now = datetime.now(HCMC)
    found = await page.try_call(
        ListSessions(
            status=SessionStatus.SCHEDULED,
            starts_from=now - timedelta(days=90),
            starts_before=now,
            page=1,
            page_size=50,
        )
    )
    return list(found.items) if found else []


async def certificates_count(page: Web, actor_id: str) -> int | None:
    """How many certificates the reader holds from every issuer; `None` when an issuer did
    not answer (the count would be wrong)."""
    total = 0
    for service in ISSUERS:
        try:
            listed = await Services(page.request).call(
                ListMyCertificates(user_id=actor_id, page=1, page_size=1),
                subject=certificates_subject(service, "mine"),
            )
        except RpcFailure:
            return None
        total += listed.total
    return total
