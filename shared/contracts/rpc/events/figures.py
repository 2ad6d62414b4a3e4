"""The events section of the district report (DESIGN §8) and the request that asks it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from shared.contracts.base import RpcRequest


class EventsFigures(BaseModel):
    """The events section of the district report over a period: events held (closed as
    held with their last sitting in the period) by kind and lead organizing unit,
    registrations that kept a seat, attendees (≥ 1 sitting), check-ins, attendees by
    declared ward (code, relabelled by the gateway), by the attendee's organization, and
    women and youth (16–30 in the event's year) among attendees where known."""

    events_held: int
    by_kind: dict[str, int]
    by_organizer: dict[str, int]
    registrations: int
    attendees: int
    check_ins: int
    certificates: int
    attendees_by_ward: dict[str, int]
    attendees_by_organization: dict[str, int]
    women: int
    youth: int


class EventsFiguresRequest(RpcRequest[EventsFigures]):
    """Figures over [start, end) (UTC instants); the gateway asks it as `FiguresRequest` on
    `figures_subject("events")`, the same subject."""

    subject = "rpc.events.figures.get"

    start: datetime
    end: datetime
