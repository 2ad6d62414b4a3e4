"""Certificates of attendance (issue 18, the shared certificates contract): issued when an
event that gives them closes as held, to each seat that attended enough sittings; verified
by code by anyone, listed for their holder, revoked by those who manage the event."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.events import domain, views
from services.events.ports import CertificateStore, EventStore, PeopleStore, RegistrationStore
from services.events.records import existing_event
from shared.contracts.base import Actor, Forbidden, NotFound, Page
from shared.contracts.rpc.certificates import CertificateView, new_certificate_code
from shared.infra.mongo import Document
from shared.localtime import local_date


class Certificates:
    """Certificates over their store, the registrations they are noted on, the people
    read model (the holder's name) and the events (who may revoke); `clock` gives the
    current instant."""

    def __init__(
        self,
        certificates: CertificateStore,
        registrations: RegistrationStore,
        people: PeopleStore,
        events: EventStore,
        clock: Callable[[], datetime],
    ) -> None:
        self.certificates = certificates
        self.registrations = registrations
        self.people = people
        self.events = events
        self.clock = clock

    async def issue(self, event: Document, attendees: list[Document], now: datetime) -> list[str]:
        """A certificate for each of `attendees` (seats that attended a sitting of `event`)
        who attended at least its `min_sittings`, dated `now` in Gò Vấp; one already issued
        is kept (a retried close issues none twice). Returns the certified holders' ids."""
        total = len(event["sittings"])
        names = await self.people.people_named([a["user_id"] for a in attendees])
        certified = []
        for registration in attendees:
            attended = registration.get("attended") or []
            if not domain.qualifies(attended, int(event["min_sittings"])):
                continue
            holder = registration["user_id"]
            existing = await self.certificates.certificate_for(event["_id"], holder)
            code = existing["_id"] if existing else new_certificate_code("EV")
            if existing is None:
                await self.certificates.insert_certificate(
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
            await self.registrations.set_certificate_code(registration["_id"], code)
            certified.append(holder)
        return certified

    async def certificate(self, code: str) -> CertificateView:
        """One certificate by code (anyone may verify one). Raises `NotFound`."""
        doc = await self.certificates.certificate(code)
        if doc is None:
            raise NotFound("detail.event_certificate_not_found", reason="not_found")
        return views.certificate_view(doc)

    async def my_certificates(
        self, actor: Actor | None, user_id: str, page: int, page_size: int
    ) -> Page[CertificateView]:
        """A person's certificates, newest first; only their own (or an admin's look)."""
        if actor is None or (actor.id != user_id and actor.role.value != "admin"):
            raise Forbidden("detail.event_not_organizer", reason="not_owner")
        docs, total = await self.certificates.page_certificates(
            user_id, (page - 1) * page_size, page_size
        )
        items = [views.certificate_view(doc) for doc in docs]
        return Page(items=items, total=total, page=page, page_size=page_size)

    async def revoke(self, actor: Actor, code: str, reason: str) -> CertificateView:
        """Revoke a certificate (those who manage its event). Revoking twice keeps the
        first reason. Raises `NotFound` (certificate or event), `Forbidden`."""
        doc = await self.certificates.certificate(code)
        if doc is None:
            raise NotFound("detail.event_certificate_not_found", reason="not_found")
        domain.check_manager(actor, await existing_event(self.events, doc["subject_id"]))
        await self.certificates.revoke_certificate(code, reason, self.clock())
        return await self.certificate(code)
