"""Attendance: checking a ticket in to a sitting (organizers and staff)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from shared.contracts.base import RpcRequest
from shared.contracts.rpc.events.kinds import MAX_SITTINGS, EventId, TicketCode


class CheckInFields(BaseModel):
    """A scanned or typed ticket code; `sitting` (from 1) defaults to the sitting of
    today (Asia/Ho_Chi_Minh), else the next one, else the last."""

    code: TicketCode
    sitting: int | None = Field(None, ge=1, le=MAX_SITTINGS)


class CheckInView(BaseModel):
    """Who was checked in to which sitting, and how many sittings they have attended."""

    registration_id: str
    user_id: str
    full_name: str | None
    sitting: int
    attended: list[int]
    checked_in_at: datetime


class CheckIn(RpcRequest[CheckInView]):
    """Check a ticket in, once per sitting (organizers and staff)."""

    subject = "rpc.events.registration.check_in"

    event_id: EventId
    check_in: CheckInFields
