"""The waitlist moving up (issue 18): a freed seat, a larger capacity or a seat the audit
returned goes to the earliest waiting registration, who is told."""

from __future__ import annotations

from services.events import views
from services.events.records import EventRecords, envelope_of
from services.events.repository.schema import REGISTRATIONS
from shared.contracts.events.events import RegistrationPromotedV1, RegistrationStatus
from shared.infra.logging import get_logger
from shared.infra.mongo import Document

log = get_logger(__name__)

#: How many waiting registrations one freed seat may try before giving up (each that
#: cancelled meanwhile is skipped).
PROMOTION_TRIES = 50


class Waitlist:
    """Promotion from the waitlist over the events' `records`; used by registrations
    (a cancelled seat, a lost race), the event's lifecycle (a larger capacity) and the
    seat audit (`seats.SeatAudit`)."""

    def __init__(self, records: EventRecords) -> None:
        self.records = records

    async def fill_free_seats(self, event_id: str) -> int:
        """Give free seats to the waitlist, first come first served: take a seat
        atomically, then move the earliest waiting registration to it (if it cancelled
        meanwhile, the seat goes back and the next is tried). Each promoted person is
        told. Returns how many were promoted."""
        store, promoted = self.records.store, 0
        event: Document | None = None
        for _ in range(PROMOTION_TRIES):
            first = await store.registrations.first_waiting(event_id)
            if first is None or not await store.seats.take_seat(event_id):
                break
            event = event or await self.records.event(event_id)
            news = RegistrationPromotedV1(
                registration_id=first["_id"], user_id=first["user_id"], event=views.summary(event)
            )
            moved = await store.registrations.move_registration(
                first["_id"],
                RegistrationStatus.WAITLIST.value,
                {"status": "seat", "status_order": 0, "promoted_at": self.records.clock()},
                [envelope_of(news, first["_id"])],
            )
            if moved is None:
                await store.seats.give_back_seat(event_id)
                continue
            await self.records.outbox.flush(REGISTRATIONS, first["_id"])
            promoted += 1
        if promoted:
            log.info("waitlist.promoted", event_id=event_id, promoted=promoted)
        return promoted
