"""The event's lifecycle (issue 18): announce a draft, read and list events, publish,
change, cancel, close as held (with its certificates) and archive. Registrations are
`registrations.py`, the waitlist moving up `waitlist.py`, check-in `attendance.py`,
certificates `certificates.py`, the report's figures `figures.py`, people and their data
`people.py`; `records.py` loads and saves an event for them all."""

from __future__ import annotations

from typing import Any

from services.events import domain, views
from services.events.certificates import Certificates
from services.events.records import EventRecords
from services.events.waitlist import Waitlist
from shared.contracts.base import Actor, Conflict, Event, Invalid, NotFound, Page, new_id
from shared.contracts.events.events import (
    EventCancelledV1,
    EventChangedV1,
    EventHeldV1,
    EventPublishedV1,
    EventStatus,
)
from shared.contracts.rpc.events.announcements import EventChanges, EventFields, EventView
from shared.infra.logging import get_logger
from shared.localtime import utc

log = get_logger(__name__)


class Events:
    """The events' lifecycle over the events' `records`; a larger capacity moves the
    `waitlist` up, closing issues `certificates`. Each use case takes the acting user,
    checks `domain`'s rules and saves the event with its events in one write."""

    def __init__(
        self, records: EventRecords, waitlist: Waitlist, certificates: Certificates
    ) -> None:
        self.records = records
        self.store = records.store
        self.waitlist = waitlist
        self.certificates = certificates

    async def create(self, actor: Actor, fields: EventFields) -> EventView:
        """A draft event. Raises `Forbidden` for a role that may not announce, `Invalid`
        when it would start in the past or close registration after its start, or names as
        organizer or gives a quota to a unit the organizations read model does not hold as
        active (`organizer_unknown`, `quota_unit_unknown`, with the `codes`)."""
        doc = domain.new_event(new_id(), fields, actor, self.records.clock())
        organizations = self.store.organizations
        unknown = await organizations.unknown_organizations(list(fields.organizers))
        if unknown:
            raise Invalid(
                "detail.event_organizer_unknown", reason="organizer_unknown", codes=unknown
            )
        quota_units = [quota.organization for quota in fields.quotas]
        unknown = await organizations.unknown_organizations(quota_units) if quota_units else []
        if unknown:
            raise Invalid(
                "detail.event_quota_unit_unknown", reason="quota_unit_unknown", codes=unknown
            )
        await self.store.events.insert_event(doc, [])
        log.info("event.created", event_id=doc["_id"], kind=doc["kind"])
        return views.event_view(doc, 0)

    async def get(self, actor: Actor | None, event_id: str) -> EventView:
        """One event; a draft only for those who manage it (404 for others)."""
        doc = await self.records.event(event_id)
        if doc["status"] == EventStatus.DRAFT.value and (
            actor is None or not domain.may_manage(actor, doc)
        ):
            raise NotFound("detail.event_not_found", reason="not_found")
        return await self.records.view(doc)

    async def list_events(
        self,
        actor: Actor | None,
        *,
        kind: str | None,
        ward: str | None,
        status: str | None,
        upcoming: bool,
        mine: bool,
        page: int,
        page_size: int,
    ) -> Page[EventView]:
        """Events soonest first; drafts only among the actor's own (`mine`)."""
        clauses: list[dict[str, Any]] = []
        if mine and actor is not None:
            clauses.append({"created_by": actor.id})
        else:
            visible = ["published", "held", "cancelled"]
            clauses.append({"status": {"$in": [status] if status in visible else visible}})
        if mine and status:
            clauses.append({"status": status})
        if kind:
            clauses.append({"kind": kind})
        if ward:
            clauses.append({"$or": [{"open_to_all_wards": True}, {"audience.wards": ward}]})
        if upcoming:
            clauses.append({"ends_at": {"$gt": self.records.clock()}})
        docs, total = await self.store.events.page_events(
            {"$and": clauses}, (page - 1) * page_size, page_size
        )
        items = [await self.records.view(doc) for doc in docs]
        return Page(items=items, total=total, page=page, page_size=page_size)

    async def publish(self, actor: Actor, event_id: str) -> EventView:
        """Announce a draft: registration opens. Raises `Conflict` unless a draft, and
        `Invalid` when its first sitting has already started."""
        doc = await self.records.event(event_id)
        domain.check_manager(actor, doc)
        domain.check_status(doc, EventStatus.DRAFT)
        if utc(doc["starts_at"]) <= self.records.clock():
            raise domain.refuse(Invalid, "starts_in_past")
        event = EventPublishedV1(
            event=views.summary(doc), capacity=doc["capacity"], organizers=doc["organizers"]
        )
        changes = {
            "status": EventStatus.PUBLISHED.value,
            "published_at": self.records.clock(),
            "open_to_all_wards": not (doc.get("audience") or {}).get("wards"),
        }
        return await self.records.view(await self.records.change(doc, changes, [event]))

    async def update(self, actor: Actor, event_id: str, changes: EventChanges) -> EventView:
        """Change text, place, sittings or capacity of a draft or published event; the
        registrants of a published one are told of a new time or place. A smaller capacity
        must keep the seats already taken (`Invalid` otherwise); a larger one moves the
        waitlist up."""
        doc = await self.records.event(event_id)
        domain.check_manager(actor, doc)
        domain.check_status(doc, EventStatus.DRAFT, EventStatus.PUBLISHED)
        fields = changes.model_dump(exclude_none=True, exclude={"sittings", "capacity"})
        delta = 0
        if changes.sittings is not None:
            sittings = domain.check_sittings(changes.sittings)
            if sittings[0].starts_at <= self.records.clock():
                raise domain.refuse(Invalid, "starts_in_past")
            fields["sittings"] = [
                {"starts_at": utc(s.starts_at), "ends_at": utc(s.ends_at)} for s in sittings
            ]
            fields["starts_at"] = utc(sittings[0].starts_at)
            fields["ends_at"] = utc(sittings[-1].ends_at)
            fields["min_sittings"] = min(int(doc["min_sittings"]), len(sittings))
            if utc(doc["registration_closes_at"]) > fields["starts_at"]:
                fields["registration_closes_at"] = fields["starts_at"]
        if changes.capacity is not None:
            delta = changes.capacity - int(doc["capacity"])
            fields["capacity"] = changes.capacity
        told: list[Event] = []
        moved = any(key in fields for key in ("sittings", "place", "online_link"))
        if doc["status"] == EventStatus.PUBLISHED.value and moved:
            merged = {**doc, **fields}
            told.append(
                EventChangedV1(
                    event=views.summary(merged),
                    registrant_ids=await self.store.registrations.registrants(event_id),
                )
            )
        try:
            after = await self.records.change(doc, fields, told, seats_delta=delta)
        except Conflict:
            if delta < 0:
                raise domain.refuse(Invalid, "capacity_below_seats") from None
            raise
        if delta > 0:
            await self.waitlist.fill_free_seats(event_id)
        return await self.records.view(after)

    async def cancel(self, actor: Actor, event_id: str, reason: str) -> EventView:
        """Cancel a draft or published event; every registrant is told, with the reason."""
        doc = await self.records.event(event_id)
        domain.check_manager(actor, doc)
        domain.check_status(doc, EventStatus.DRAFT, EventStatus.PUBLISHED)
        told: list[Event] = []
        if doc["status"] == EventStatus.PUBLISHED.value:
            told.append(
                EventCancelledV1(
                    event=views.summary(doc),
                    reason=reason,
                    registrant_ids=await self.store.registrations.registrants(event_id),
                )
            )
        changes = {
            "status": EventStatus.CANCELLED.value,
            "cancel_reason": reason,
            "cancelled_at": self.records.clock(),
        }
        return await self.records.view(await self.records.change(doc, changes, told))

    async def close(self, actor: Actor, event_id: str) -> EventView:
        """Close a published event as held once its first sitting has started: attendance
        becomes final and, when the event gives certificates, each seat that attended at
        least `min_sittings` sittings gets one (idempotent: a retried close issues none
        twice). Raises `Conflict` before the start or when not published."""
        event = await self.records.event(event_id)
        domain.check_manager(actor, event)
        domain.check_status(event, EventStatus.PUBLISHED)
        now = self.records.clock()
        if now < utc(event["starts_at"]):
            raise domain.refuse(Conflict, "not_started")
        attendees = await self.store.registrations.attendees(event_id)
        certified: list[str] = []
        if event.get("certificate"):
            certified = await self.certificates.issue(event, attendees, now)
        registrations = await self.store.registrations.count_registrations(event_id, "seat")
        held = EventHeldV1(
            event=views.summary(event),
            registrations=registrations,
            attendees=len(attendees),
            certified_ids=certified,
        )
        changes = {"status": EventStatus.HELD.value, "held": True, "held_at": now}
        after = await self.records.change(event, changes, [held])
        log.info(
            "event.held", event_id=event_id, attendees=len(attendees), certified=len(certified)
        )
        return await self.records.view(after)

    async def archive(self, actor: Actor, event_id: str) -> EventView:
        """Archive a held or cancelled event (it leaves the lists; figures stay)."""
        doc = await self.records.event(event_id)
        domain.check_manager(actor, doc)
        domain.check_status(doc, EventStatus.HELD, EventStatus.CANCELLED)
        changes = {"status": EventStatus.ARCHIVED.value, "archived_at": self.records.clock()}
        return await self.records.view(await self.records.change(doc, changes, []))
