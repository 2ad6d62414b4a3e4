"""Use cases of registrations (issue 18): register alone or as a unit's members within its
quota, cancel, and the lists of a person's and of an event's registrations. The waitlist
moving up is `waitlist.py`, check-in `attendance.py`."""

from __future__ import annotations

from typing import Any

from services.events import domain, views
from services.events.records import EventRecords, envelope_of
from services.events.repository.schema import REGISTRATIONS
from services.events.waitlist import Waitlist
from shared.contracts.base import (
    Actor,
    Conflict,
    DomainError,
    NotFound,
    Page,
    new_id,
)
from shared.contracts.events.events import (
    EventStatus,
    RegistrationCancelledV1,
    RegistrationConfirmedV1,
    RegistrationStatus,
)
from shared.contracts.rpc.events.registrations import (
    GroupRegistrationView,
    MemberList,
    MemberResult,
    RegistrationFields,
    RegistrationView,
)
from shared.infra.logging import get_logger
from shared.infra.mongo import AlreadyExists

log = get_logger(__name__)
STATUS_ORDER = {"seat": 0, "waitlist": 1, "cancelled": 2}


def refusal(user_id: str, reason: str) -> MemberResult:
    """A member's outcome when refused, with the catalogue message of the reason."""
    return MemberResult(user_id=user_id, reason=reason, message=f"detail.event_{reason}")


class Registrations:
    """Registrations over the events' `records`; a seat given up or lost in a race goes to
    the `waitlist`."""

    def __init__(self, records: EventRecords, waitlist: Waitlist) -> None:
        self.records = records
        self.store = records.store
        self.waitlist = waitlist

    async def register(
        self, actor: Actor, event_id: str, fields: RegistrationFields
    ) -> RegistrationView:
        """A seat while seats remain, else a waitlist place numbered in order of arrival.
        Raises `Conflict` (`cancelled`, `registration_closed`, `not_yet_open`,
        `already_registered`…), `Forbidden` (`outside_audience`) or `Invalid` with a
        Vietnamese reason from the catalogue."""
        event = await self.records.event(event_id)
        now = self.records.clock()
        domain.check_can_register(event, actor, fields, now)
        details = {
            "role": actor.role.value,
            "organization": actor.organization,
            "ward": fields.ward,
            "gender": fields.gender.value if fields.gender and fields.consent else None,
            "birth_year": fields.birth_year if fields.consent else None,
            "consent_at": now if fields.consent else None,
            # A person taking up again a place a unit once took for them holds it alone.
            "registered_by": None,
        }
        return await self._enrol(event, actor.id, details)

    async def _enrol(
        self, event: dict[str, Any], user_id: str, details: dict[str, Any]
    ) -> RegistrationView:
        """Register `user_id` with `details`. The seat (or the waitlist number) is taken
        first by one conditional update of the event, then the registration is written
        with its event in one insert; a second registration of the same person loses on
        the unique index and gives its seat back (`Conflict`, `already_registered`)."""
        event_id = event["_id"]
        now = self.records.clock()
        existing = await self.store.registrations.registration_of(event_id, user_id)
        if existing is not None and existing["status"] != RegistrationStatus.CANCELLED.value:
            raise domain.refuse(Conflict, "already_registered")
        person = await self.store.people.person(user_id) or {}
        seat = await self.store.seats.take_seat(event_id)
        number = None if seat else await self.store.seats.next_waitlist_number(event_id)
        status = RegistrationStatus.SEAT if seat else RegistrationStatus.WAITLIST
        registration_id = existing["_id"] if existing else new_id()
        fields = {
            **details,
            "event_id": event_id,
            "event_title": event["title"],
            "user_id": user_id,
            "full_name": person.get("full_name"),
            "registered_at": now,
            "attended": [],
            "status": status.value,
            "status_order": STATUS_ORDER[status.value],
            "waitlist_number": number,
        }
        position = (
            None
            if seat
            else await self.store.registrations.waiting_before(event_id, number or 0) + 1
        )
        confirmed = RegistrationConfirmedV1(
            registration_id=registration_id,
            user_id=user_id,
            event=views.summary(event),
            status=status,
            position=position,
        )
        envelopes = [envelope_of(confirmed, registration_id)]
        doc: dict[str, Any] | None
        if existing is None:
            doc = {"_id": registration_id, **fields, "code": domain.new_ticket_code()}
            try:
                await self.store.registrations.insert_registration(doc, envelopes)
            except AlreadyExists:
                doc = None
        else:
            # One registration per person per event; a cancelled one may be taken up again.
            doc = await self.store.registrations.move_registration(
                registration_id,
                RegistrationStatus.CANCELLED.value,
                fields,
                envelopes,
                unset=["promoted_at", "cancelled_at"],
            )
        if doc is None:
            if seat:
                await self.store.seats.give_back_seat(event_id)
                await self.waitlist.fill_free_seats(event_id)
            raise domain.refuse(Conflict, "already_registered")
        await self.records.outbox.flush(REGISTRATIONS, registration_id)
        log.info("registration.confirmed", event_id=event_id, status=status.value, number=number)
        # A seat freed while this one joined the queue must not stay empty.
        if not seat and await self.waitlist.fill_free_seats(event_id):
            doc = await self.store.registrations.registration_of(event_id, user_id) or doc
            if doc["status"] == RegistrationStatus.SEAT.value:
                position = None
            else:
                position = await self.store.registrations.waiting_before(event_id, number or 0) + 1
        return views.registration_view(doc, position=position, event=event)

    async def register_members(
        self, actor: Actor, event_id: str, members: MemberList
    ) -> GroupRegistrationView:
        """A ward committee or union registers its members up to its quota (issue 18):
        each member needs recorded consent; each registration takes one place of the quota
        by one conditional update, given back if the member cannot be registered. Raises
        `Forbidden` (`no_quota`) for a unit without a quota, `Conflict` when registration
        is not open; a member refused says why in its outcome."""
        event = await self.records.event(event_id)
        quota = domain.quota_of(event, actor)
        now = self.records.clock()
        domain.check_open(event, now)
        unit = quota["organization"]
        outcomes: list[MemberResult] = []
        for member in members.members:
            if not member.consent:
                outcomes.append(refusal(member.user_id, "member_consent"))
                continue
            if not await self.store.quotas.take_quota(event_id, unit, quota["seats"]):
                outcomes.append(refusal(member.user_id, "quota_full"))
                continue
            person = await self.store.people.person(member.user_id) or {}
            details = {
                "role": person.get("role"),
                "organization": person.get("organization") or unit,
                "ward": member.ward,
                "gender": None,
                "birth_year": None,
                "consent_at": now,
                "registered_by": {"organization": unit, "user_id": actor.id, "at": now},
            }
            try:
                view = await self._enrol(event, member.user_id, details)
            except DomainError as error:
                await self.store.quotas.give_back_quota(event_id, unit)
                outcomes.append(refusal(member.user_id, str(error.details.get("reason"))))
                continue
            outcomes.append(
                MemberResult(user_id=member.user_id, status=view.status, position=view.position)
            )
        left = (await self.store.quotas.quotas_left(event_id)).get(unit, quota["seats"])
        return GroupRegistrationView(
            organization=unit, seats=quota["seats"], used=quota["seats"] - left, outcomes=outcomes
        )

    async def cancel_registration(self, actor: Actor, event_id: str) -> RegistrationView:
        """The actor gives up their seat or waitlist place; a freed seat goes to the first
        waiting, and a place a unit took for them goes back to the unit's quota. Raises
        `NotFound` without a live registration, `Conflict` once the event is no longer open
        (held, cancelled)."""
        event = await self.records.event(event_id)
        domain.check_status(event, EventStatus.PUBLISHED)
        doc = await self.store.registrations.registration_of(event_id, actor.id)
        if doc is None or doc["status"] not in ("seat", "waitlist"):
            raise NotFound("detail.event_registration_not_found", reason="not_registered")
        news = RegistrationCancelledV1(
            registration_id=doc["_id"], user_id=actor.id, event_id=event_id
        )
        after = await self.store.registrations.move_registration(
            doc["_id"],
            doc["status"],
            {"status": "cancelled", "status_order": 2, "cancelled_at": self.records.clock()},
            [envelope_of(news, doc["_id"])],
        )
        if after is None:
            raise Conflict("detail.event_changed_meanwhile", reason="version")
        await self.records.outbox.flush(REGISTRATIONS, doc["_id"])
        if doc["status"] == RegistrationStatus.SEAT.value:
            await self.store.seats.give_back_seat(event_id)
            await self.waitlist.fill_free_seats(event_id)
        # A member a unit registered frees the unit's place for another member.
        unit = (doc.get("registered_by") or {}).get("organization")
        if unit:
            await self.store.quotas.give_back_quota(event_id, unit)
        return views.registration_view(after, ticket=False, event=event)

    async def my_registrations(
        self, actor: Actor, page: int, page_size: int
    ) -> Page[RegistrationView]:
        """The actor's registrations with their tickets and current waitlist positions."""
        docs, total = await self.store.registrations.page_mine(
            actor.id, (page - 1) * page_size, page_size
        )
        items = []
        for doc in docs:
            position = None
            if doc["status"] == "waitlist":
                position = (
                    await self.store.registrations.waiting_before(
                        doc["event_id"], doc["waitlist_number"]
                    )
                    + 1
                )
            event = await self.store.events.get_event(doc["event_id"])
            items.append(views.registration_view(doc, position=position, event=event))
        return Page(items=items, total=total, page=page, page_size=page_size)

    async def registrations(
        self, actor: Actor, event_id: str, status: str | None, page: int, page_size: int
    ) -> Page[RegistrationView]:
        """The event's registrations for those who manage it: seats, waitlist, cancelled."""
        event = await self.records.event(event_id)
        domain.check_manager(actor, event)
        docs, total = await self.store.registrations.page_registrations(
            event_id, status, (page - 1) * page_size, page_size
        )
        names = await self.store.people.people_named([d["user_id"] for d in docs])
        items = []
        for doc in docs:
            position = None
            if doc["status"] == "waitlist":
                position = (
                    await self.store.registrations.waiting_before(event_id, doc["waitlist_number"])
                    + 1
                )
            items.append(
                views.registration_view(
                    doc, position=position, full_name=names.get(doc["user_id"]), event=event
                )
            )
        return Page(items=items, total=total, page=page, page_size=page_size)
