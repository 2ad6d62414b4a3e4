"""Closing an event as held and its certificates of attendance, the district report's
figures, the people read model (from identity events) and a person's data and erasure."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from services.events import domain, views
from services.events.ports import EventsRepository
from services.events.repository.schema import EVENTS
from shared.contracts.base import (
    Actor,
    Conflict,
    Envelope,
    Forbidden,
    NotFound,
    Page,
)
from shared.contracts.events.events import EventHeldV1, EventStatus
from shared.contracts.events.identity import (
    UserDeletionRequestedV1,
    UserRegisteredV1,
    UserUpdatedV1,
)
from shared.contracts.events.reference import OrganizationSavedV1
from shared.contracts.rpc.certificates import CertificateView, new_certificate_code
from shared.contracts.rpc.events import EventsFigures, EventView
from shared.infra.logging import get_logger
from shared.infra.outbox import Outbox
from shared.infra.personal_data import clear_contact
from shared.localtime import local_date, utc

log = get_logger(__name__)


def pseudonym(user_id: str) -> str:
    """The stable stand-in for an erased person's id: figures stay true, nothing points
    back to them."""
    return "erased-" + hashlib.sha256(user_id.encode()).hexdigest()[:16]


class Records:
    """Held events and certificates, figures, people."""

    def __init__(
        self, store: EventsRepository, outbox: Outbox, clock: Callable[[], datetime]
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.clock = clock

    async def close(self, actor: Actor, event_id: str) -> EventView:
        """Close a published event as held once its first sitting has started: attendance
        becomes final and, when the event gives certificates, each seat that attended at
        least `min_sittings` sittings gets one (idempotent: a retried close issues none
        twice). Raises `Conflict` before the start or when not published."""
        event = await self.store.events.get_event(event_id)
        if event is None:
            raise NotFound("detail.event_not_found", reason="not_found")
        domain.check_manager(actor, event)
        domain.check_status(event, EventStatus.PUBLISHED)
        now = self.clock()
        if now < utc(event["starts_at"]):
            raise domain.refuse(Conflict, "not_started")
        attendees = await self.store.registrations.attendees(event_id)
        certified: list[str] = []
        if event.get("certificate"):
            certified = await self._issue(event, attendees, now)
        registrations = await self.store.registrations.count_registrations(event_id, "seat")
        held = EventHeldV1(
            event=views.summary(event),
            registrations=registrations,
            attendees=len(attendees),
            certified_ids=certified,
        )
        changes = {"status": EventStatus.HELD.value, "held": True, "held_at": now}
        after = await self.store.events.update_event(
            event_id, event["version"], changes, [Envelope.wrap(held, aggregate_id=event_id)]
        )
        if after is None:
            raise Conflict("detail.event_changed_meanwhile", reason="version")
        await self.outbox.flush(EVENTS, event_id)
        log.info(
            "event.held", event_id=event_id, attendees=len(attendees), certified=len(certified)
        )
        waiting = await self.store.registrations.count_registrations(event_id, "waitlist")
        return views.event_view(after, waiting, await self.store.quotas.quotas_left(event_id))

    async def _issue(
        self, event: dict[str, Any], attendees: list[dict[str, Any]], now: datetime
    ) -> list[str]:
        total = len(event["sittings"])
        names = await self.store.people.people_named([a["user_id"] for a in attendees])
        certified = []
        for registration in attendees:
            attended = registration.get("attended") or []
            if not domain.qualifies(attended, int(event["min_sittings"])):
                continue
            holder = registration["user_id"]
            existing = await self.store.certificates.certificate_for(event["_id"], holder)
            code = existing["_id"] if existing else new_certificate_code("EV")
            if existing is None:
                await self.store.certificates.insert_certificate(
                    {
                        "_id": code,
                        "holder_id": holder,
                        "holder_name": names.get(holder) or registration.get("full_name") or "",
                        "subject_id": event["_id"],
                        "subject_title": event["title"],
                        "detail": f"{len(set(attended))}/{total}",
                        "issuer": ", ".join(event["organizers"]),
                        "issued_on": local_date(now).isoformat(),
                        "issued_at": now,
                        "revoked": False,
                    }
                )
            await self.store.registrations.set_certificate_code(registration["_id"], code)
            certified.append(holder)
        return certified

    # --- certificates (shared contract) ------------------------------------------------

    async def certificate(self, code: str) -> CertificateView:
        """One certificate by code (anyone may verify one). Raises `NotFound`."""
        doc = await self.store.certificates.certificate(code)
        if doc is None:
            raise NotFound("detail.event_certificate_not_found", reason="not_found")
        return views.certificate_view(doc)

    async def my_certificates(
        self, actor: Actor | None, user_id: str, page: int, page_size: int
    ) -> Page[CertificateView]:
        """A person's certificates, newest first; only their own (or an admin's look)."""
        if actor is None or (actor.id != user_id and actor.role.value != "admin"):
            raise Forbidden("detail.event_not_organizer", reason="not_owner")
        docs, total = await self.store.certificates.page_certificates(
            user_id, (page - 1) * page_size, page_size
        )
        items = [views.certificate_view(doc) for doc in docs]
        return Page(items=items, total=total, page=page, page_size=page_size)

    async def revoke(self, actor: Actor, code: str, reason: str) -> CertificateView:
        """Revoke a certificate (those who manage its event). Revoking twice keeps the
        first reason."""
        doc = await self.store.certificates.certificate(code)
        if doc is None:
            raise NotFound("detail.event_certificate_not_found", reason="not_found")
        event = await self.store.events.get_event(doc["subject_id"])
        if event is None:
            raise NotFound("detail.event_not_found", reason="not_found")
        domain.check_manager(actor, event)
        await self.store.certificates.revoke_certificate(code, reason, self.clock())
        return await self.certificate(code)

    # --- figures --------------------------------------------------------------------------

    async def figures(self, start: datetime, end: datetime) -> EventsFigures:
        """The events section of the district report over [start, end)."""
        events = await self.store.events.held_between(utc(start), utc(end))
        seats = await self.store.registrations.seats_of([e["_id"] for e in events])
        return EventsFigures.model_validate(domain.figures(events, seats))

    # --- people ---------------------------------------------------------------------------

    async def user_saved(self, event: UserRegisteredV1 | UserUpdatedV1) -> None:
        """Keep the account's name and organization (the highest version wins; an erased
        person is never recreated)."""
        fields = {
            "full_name": clear_contact(event).full_name,
            "organization": event.organization,
            "role": event.role.value,
        }
        await self.store.people.save_person(event.user_id, fields, event.version)

    async def organization_saved(self, event: OrganizationSavedV1) -> None:
        """Keep the organization an event may name as organizer (reference data, DESIGN §1):
        the highest version wins."""
        fields = {"name": event.name, "kind": event.kind.value, "active": event.active}
        await self.store.organizations.save_organization(event.code, fields, event.version)

    async def erase_person(self, event: UserDeletionRequestedV1) -> None:
        """Erasure (PDPL 91/2025): a tombstone, and the person's registrations and
        certificates kept for the figures under a pseudonym, without name or ticket use."""
        await self.store.people.erase_person(event.user_id, pseudonym(event.user_id))
        log.info("person.erased")

    async def personal_data(self, user_id: str) -> dict[str, Any]:
        """Everything the service keeps about a person."""
        return await self.store.people.personal_data(user_id)
