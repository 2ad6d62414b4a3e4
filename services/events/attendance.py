"""Check-in (issue 18): a ticket's code, typed or scanned at the door, records its holder's
attendance of a sitting once, even from two phones at once."""

from __future__ import annotations

from services.events import domain
from services.events.records import EventRecords
from shared.contracts.base import Actor, Conflict, Invalid, NotFound
from shared.contracts.events.events import EventStatus, RegistrationStatus
from shared.contracts.rpc.events.attendance import CheckInFields, CheckInView


class Attendance:
    """Check-in over the events' `records`, by those who manage the event."""

    def __init__(self, records: EventRecords) -> None:
        self.records = records
        self.store = records.store

    async def check_in(self, actor: Actor, event_id: str, fields: CheckInFields) -> CheckInView:
        """Check a ticket in to a sitting, once. Raises `NotFound` (`ticket_unknown`),
        `Conflict` (`ticket_other_event`, `ticket_cancelled`, `ticket_waitlisted`,
        `already_checked_in`, event not open) or `Invalid` (`sitting_unknown`)."""
        event = await self.records.event(event_id)
        domain.check_manager(actor, event)
        domain.check_status(event, EventStatus.PUBLISHED)
        doc = await self.store.registrations.registration_by_code(
            domain.normalise_code(fields.code)
        )
        if doc is None:
            raise NotFound("detail.event_ticket_unknown", reason="ticket_unknown")
        if doc["event_id"] != event_id:
            raise domain.refuse(Conflict, "ticket_other_event")
        if doc["status"] == RegistrationStatus.CANCELLED.value:
            raise domain.refuse(Conflict, "ticket_cancelled")
        if doc["status"] != RegistrationStatus.SEAT.value:
            raise domain.refuse(Conflict, "ticket_waitlisted")
        now = self.records.clock()
        sitting = fields.sitting or domain.pick_sitting(event["sittings"], now)
        if sitting > len(event["sittings"]):
            raise domain.refuse(Invalid, "sitting_unknown")
        after = await self.store.registrations.check_in(doc["_id"], sitting, now)
        if after is None:
            raise domain.refuse(Conflict, "already_checked_in")
        names = await self.store.people.people_named([doc["user_id"]])
        return CheckInView(
            registration_id=doc["_id"],
            user_id=doc["user_id"],
            full_name=names.get(doc["user_id"]) or doc.get("full_name"),
            sitting=sitting,
            attended=sorted(after.get("attended") or []),
            checked_in_at=now,
        )
