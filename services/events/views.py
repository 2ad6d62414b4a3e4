"""Stored documents as the contracts' views: events with their sittings' local dates,
registrations with their ticket's QR code, certificates."""

from __future__ import annotations

from datetime import date
from typing import Any

import segno

from services.events import domain
from shared.contracts.events.events import EventKind, EventSummary, RegistrationStatus, Sitting
from shared.contracts.rpc.certificates import CertificateKind, CertificateView
from shared.contracts.rpc.events.announcements import Audience, EventView, QuotaView, SittingView
from shared.contracts.rpc.events.registrations import RegistrationView
from shared.localtime import utc


def summary(doc: dict[str, Any]) -> EventSummary:
    """What consumers need to tell people about the event."""
    return EventSummary(
        event_id=doc["_id"],
        title=doc["title"],
        kind=EventKind(doc["kind"]),
        place=doc.get("place"),
        online_link=doc.get("online_link"),
        starts_at=utc(doc["starts_at"]),
        ends_at=utc(doc["ends_at"]),
        sittings=[
            Sitting(starts_at=utc(s["starts_at"]), ends_at=utc(s["ends_at"]))
            for s in doc["sittings"]
        ],
    )


def event_view(
    doc: dict[str, Any], waitlisted: int, quotas_left: dict[str, int] | None = None
) -> EventView:
    """The event as its page shows it; `waitlisted` is how many wait now, `quotas_left`
    what each unit with a quota may still enrol (all of it when absent)."""
    capacity = int(doc["capacity"])
    free = max(0, int(doc.get("seats_free", 0)))
    return EventView(
        id=doc["_id"],
        title=doc["title"],
        kind=doc["kind"],
        organizers=doc["organizers"],
        description=doc.get("description") or "",
        place=doc.get("place"),
        online_link=doc.get("online_link"),
        sittings=[
            SittingView(
                number=i,
                starts_at=utc(s["starts_at"]),
                ends_at=utc(s["ends_at"]),
                date=domain.local_date_text(s["starts_at"]),
            )
            for i, s in enumerate(doc["sittings"], 1)
        ],
        starts_at=utc(doc["starts_at"]),
        ends_at=utc(doc["ends_at"]),
        capacity=capacity,
        seats_taken=capacity - free,
        seats_left=free,
        waitlisted=waitlisted,
        audience=Audience.model_validate(doc.get("audience") or {}),
        registration_opens_at=utc(doc["registration_opens_at"])
        if doc.get("registration_opens_at")
        else None,
        registration_closes_at=utc(doc["registration_closes_at"]),
        certificate=bool(doc.get("certificate")),
        min_sittings=int(doc["min_sittings"]),
        status=doc["status"],
        created_by=doc["created_by"],
        created_at=utc(doc["created_at"]),
        version=int(doc["version"]),
        cancel_reason=doc.get("cancel_reason"),
        quotas=[
            QuotaView(
                organization=q["organization"],
                seats=q["seats"],
                used=q["seats"] - (quotas_left or {}).get(q["organization"], q["seats"]),
            )
            for q in doc.get("quotas") or []
        ],
    )


def qr_svg(code: str) -> str:
    """The ticket code as a QR code, an SVG data URI (segno), for a phone to show."""
    return str(segno.make(code, error="m").svg_data_uri(scale=4))


def registration_view(
    doc: dict[str, Any],
    *,
    position: int | None = None,
    ticket: bool = True,
    full_name: str | None = None,
    event: dict[str, Any] | None = None,
) -> RegistrationView:
    """A registration; the ticket (code and QR) only for a live registration when `ticket`
    (its holder and the organizers), never for a cancelled one."""
    live = doc["status"] != RegistrationStatus.CANCELLED.value
    code = doc.get("code") if ticket and live else None
    return RegistrationView(
        id=doc["_id"],
        event_id=doc["event_id"],
        event_title=doc.get("event_title") or "",
        user_id=doc["user_id"],
        full_name=full_name or doc.get("full_name"),
        status=doc["status"],
        position=position,
        code=code,
        qr_svg=qr_svg(code) if code else None,
        attended=sorted(doc.get("attended") or []),
        certificate_code=doc.get("certificate_code"),
        ward=doc.get("ward"),
        organization=doc.get("organization"),
        registered_at=utc(doc["registered_at"]),
        starts_at=utc(event["starts_at"]) if event else None,
    )


def certificate_view(doc: dict[str, Any]) -> CertificateView:
    """A stored certificate of attendance in the shared certificates shape."""
    issued = doc["issued_on"]
    return CertificateView(
        code=doc["_id"],
        kind=CertificateKind.ATTENDEE,
        holder_id=doc.get("holder_id"),
        holder_name=doc.get("holder_name") or "",
        subject_id=doc["subject_id"],
        subject_title=doc["subject_title"],
        detail=doc.get("detail"),
        issuer=doc["issuer"],
        issued_on=issued if isinstance(issued, date) else date.fromisoformat(issued),
        revoked=bool(doc.get("revoked")),
        revoked_reason=doc.get("revoked_reason"),
        revoked_at=utc(doc["revoked_at"]) if doc.get("revoked_at") else None,
    )
