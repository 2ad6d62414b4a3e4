"""The seat audit: a seat taken by a copy that crashed before writing its registration (or
freed by a cancellation whose give-back was lost) is found and returned (issue 18's
leftover).

Taking a seat and writing the registration are two writes on two documents (one aggregate
per write, DESIGN §4), so a crash between them leaves `seats_free` one short for good. The
counter is checked against the registrations that hold a seat, but only once it has stood
still for `grace`: a registration in flight has moved the counter moments ago, so a
counter that has not moved for two minutes, and disagreed with the registrations at two
audits in a row, is a lost write, not a race. The reset is conditional on the counter still not having moved,
so two copies auditing at once, or a registration arriving meanwhile, change nothing.

A unit's quota counter (places a ward committee or union may still fill with its members)
is audited the same way against the live registrations the unit made: taking a place and
writing the member's registration are two writes too, and so are a cancellation and the
place it gives back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.events.ports import EventsRepository
from shared.infra.logging import get_logger
from shared.infra.periodic import run_every

log = get_logger(__name__)

#: How long a counter must stand still before it is trusted to disagree.
GRACE = timedelta(minutes=2)
#: How often each copy audits the published events' counters, in seconds.
AUDIT_SECONDS = 60.0


@dataclass(frozen=True)
class Sighting:
    """A counter's move count and when this copy first saw it at that value."""

    moves: int
    since: datetime


class Standstill:
    """Which counters have stood still for `grace`, as this copy has seen them."""

    def __init__(self, grace: timedelta) -> None:
        self.grace = grace
        self.seen: dict[str, Sighting] = {}
        self.suspected: dict[str, tuple[int, int]] = {}

    def still(self, key: str, moves: int, now: datetime) -> bool:
        """True when the counter `key` was already at `moves` `grace` ago; notes it."""
        sighting = self.seen.get(key)
        if sighting is None or sighting.moves != moves:
            self.seen[key] = Sighting(moves, now)
            return False
        return now - sighting.since >= self.grace

    def confirmed(self, key: str, moves: int, target: int | None) -> bool:
        """True when the previous audit already found counter `key`, at the same `moves`,
        wanting the same `target`; notes the finding otherwise (`target` None: it agrees).

        A cancellation writes the registration first and gives its seat or place back a
        few milliseconds later: an audit between the two would see a disagreement on a
        standing counter and return the place, and the give-back would return it again.
        The same disagreement seen by two audits a whole interval apart is a lost write."""
        finding = None if target is None else (moves, target)
        if finding is not None and self.suspected.get(key) == finding:
            del self.suspected[key]
            return True
        if finding is None:
            self.suspected.pop(key, None)
        else:
            self.suspected[key] = finding
        return False

    def keep_only(self, keys: set[str]) -> None:
        """Forget counters no longer audited (events held, cancelled or archived)."""
        self.seen = {k: v for k, v in self.seen.items() if k in keys}
        self.suspected = {k: v for k, v in self.suspected.items() if k in keys}


class SeatAudit:
    """Brings `seats_free` back to `capacity − registrations holding a seat` for published
    events whose counter stood still for `grace` while disagreeing; a returned seat goes to
    the waitlist through `fill_free_seats` (`waitlist.Waitlist`)."""

    def __init__(
        self,
        store: EventsRepository,
        fill_free_seats: Callable[[str], Awaitable[int]],
        clock: Callable[[], datetime],
        grace: timedelta = GRACE,
    ) -> None:
        self.store = store
        self.fill_free_seats = fill_free_seats
        self.clock = clock
        self.standstill = Standstill(grace)

    async def once(self) -> dict[str, int]:
        """One audit of every published event. Returns event id → seats returned (negative
        when the counter showed more free seats than there are) for the counters reset."""
        now = self.clock()
        reset: dict[str, int] = {}
        counters = await self.store.seats.seat_counters()
        self.standstill.keep_only({c["_id"] for c in counters})
        for counter in counters:
            event_id = counter["_id"]
            moves = int(counter.get("seat_moves") or 0)
            if not self.standstill.still(event_id, moves, now):
                continue
            seated = await self.store.registrations.count_registrations(event_id, "seat")
            should_be = int(counter["capacity"]) - seated
            agrees = should_be == int(counter["seats_free"]) or should_be < 0
            if not self.standstill.confirmed(event_id, moves, None if agrees else should_be):
                continue
            if not await self.store.seats.reset_seats(event_id, moves, should_be):
                continue  # it moved meanwhile: a live registration, look again next time
            reset[event_id] = should_be - int(counter["seats_free"])
            log.warning(
                "seats.reconciled",
                event_id=event_id,
                seats_free_before=counter["seats_free"],
                seats_free_after=should_be,
            )
            if should_be > 0:
                await self.fill_free_seats(event_id)
        return reset

    async def run(self, interval: float, stop: asyncio.Event) -> None:
        """Audit every `interval` seconds until `stop` is set; a failed audit is logged
        (`seats.audit.failed`) and the next one tries again."""
        await run_every(interval, stop, self.once, "seats.audit")


class QuotaAudit:
    """Brings a unit's places left back to `seats − live registrations it made` for
    published events whose quota counter stood still for `grace` while disagreeing."""

    def __init__(
        self, store: EventsRepository, clock: Callable[[], datetime], grace: timedelta = GRACE
    ) -> None:
        self.store = store
        self.clock = clock
        self.standstill = Standstill(grace)

    async def once(self) -> dict[str, int]:
        """One audit of every quota counter of a published event. Returns counter id
        (`event:unit`) → places returned (negative when it showed more than there are)."""
        now = self.clock()
        reset: dict[str, int] = {}
        counters = await self.store.quotas.quota_counters()
        self.standstill.keep_only({c["_id"] for c in counters})
        for counter in counters:
            key = counter["_id"]
            moves = int(counter.get("moves") or 0)
            if not self.standstill.still(key, moves, now):
                continue
            used = await self.store.registrations.count_unit_registrations(
                counter["event_id"], counter["organization"]
            )
            should_be = max(0, int(counter["seats"]) - used)
            agrees = should_be == int(counter["left"])
            if not self.standstill.confirmed(key, moves, None if agrees else should_be):
                continue
            if not await self.store.quotas.reset_quota(key, moves, should_be):
                continue  # it moved meanwhile: a live enrolment, look again next time
            reset[key] = should_be - int(counter["left"])
            log.warning(
                "quota.reconciled",
                event_id=counter["event_id"],
                organization=counter["organization"],
                left_before=counter["left"],
                left_after=should_be,
            )
        return reset

    async def run(self, interval: float, stop: asyncio.Event) -> None:
        """Audit every `interval` seconds until `stop` is set; a failed audit is logged
        (`quota.audit.failed`) and the next one tries again."""
        await run_every(interval, stop, self.once, "quota.audit")
