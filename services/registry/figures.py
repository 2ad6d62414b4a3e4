"""The registry's section of the district report (DESIGN §8): its own events counted into
daily buckets (local dates, Asia/Ho_Chi_Minh) and summed over a period."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from services.registry import domain
from services.registry.ports import StartupRepository
from shared.contracts.base import Envelope
from shared.contracts.events.registry import StartupRegisteredV1
from shared.contracts.rpc.registry import RegistryFigures
from shared.localtime import local_day


class Figures:
    """Counting the registry's events by local day, and the figures of a period, over the
    `StartupRepository`'s daily buckets."""

    def __init__(self, store: StartupRepository) -> None:
        self.store = store

    async def count_event(self, envelope: Envelope) -> None:
        """Add one of the registry's own events to its day's figures (local date)."""
        event = envelope.event()
        increments = domain.figure_increments(event)
        if not increments:
            return
        at = (
            event.startup.registered_at if isinstance(event, StartupRegisteredV1) else envelope.time
        )
        await self.store.add_to_day(local_day(at), increments, envelope.id)

    async def period(self, start: datetime, end: datetime) -> RegistryFigures:
        """Summed from daily buckets, so a year costs 365 small reads whatever the number
        of startups. Periods are whole local days; `active` is the running total at `end`."""
        # the local days the interval touches: day-aligned periods map exactly
        first = local_day(start)
        before = (
            date.fromisoformat(local_day(end - timedelta(microseconds=1))) + timedelta(days=1)
        ).isoformat()
        in_period = await self.store.days(first, before)
        totals = domain.sum_days(in_period)
        active = sum(int(day.get("active_delta", 0)) for day in await self.store.days(None, before))
        return RegistryFigures(
            registered=totals.get("registered", 0),
            verified=totals.get("verified", 0),
            active=active,
            women_led=totals.get("women_led", 0),
            youth_led=totals.get("youth_led", 0),
            by_ward=domain.breakdown(totals, "by_ward"),
            by_sector=domain.breakdown(totals, "by_sector"),
            by_stage=domain.breakdown(totals, "by_stage"),
        )
