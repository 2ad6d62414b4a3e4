"""Registrations for an event with their tickets: a person registers (with optional
declared details kept only with consent), cancels, lists their own; organizers list an
event's registrations; a ward committee or union registers its members within its quota."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from shared.contracts.base import Page, RpcRequest
from shared.contracts.events.events import RegistrationStatus
from shared.contracts.rpc.events.kinds import Code, EventId


class Gender(StrEnum):
    """Self-declared, optional, only with consent: women among attendees (issue 18)."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class RegistrationFields(BaseModel):
    """A person's registration. `ward` (where they live or work) is needed when the event
    is for given wards; `gender` and `birth_year` are optional and only kept with
    `consent` (the report counts women and youth where known, PDPL 91/2025)."""

    ward: Code | None = None
    gender: Gender | None = None
    birth_year: int | None = Field(None, ge=1900, le=2100)
    consent: bool = False

    @model_validator(mode="after")
    def _consented(self) -> RegistrationFields:
        if (self.gender is not None or self.birth_year is not None) and not self.consent:
            raise ValueError("cần đồng ý cho phép dùng giới tính và năm sinh")
        return self


class RegistrationView(BaseModel):
    """A registration with its ticket: `code` is unique to it and `qr_svg` is the same code
    as a QR image (an SVG data URI, segno) for staff to scan. `position` is the current
    place on the waitlist (from 1) while waiting. `attended` lists the sittings checked in
    (numbers from 1); `certificate_code` the certificate of attendance issued when the event
    was closed as held. The ticket is shown only to the registrant and the organizers."""

    id: str
    event_id: str
    event_title: str
    user_id: str
    full_name: str | None = None
    status: RegistrationStatus
    position: int | None = None
    code: str | None = None
    qr_svg: str | None = None
    attended: list[int] = []
    certificate_code: str | None = None
    ward: str | None = None
    organization: str | None = None
    registered_at: datetime
    starts_at: datetime | None = None


class Register(RpcRequest[RegistrationView]):
    """Register the actor: a seat while seats remain, else a waitlist place."""

    subject = "rpc.events.registration.create"

    event_id: EventId
    registration: RegistrationFields = Field(default_factory=RegistrationFields)


class CancelRegistration(RpcRequest[RegistrationView]):
    """The actor cancels their own registration; a freed seat goes to the first waiting."""

    subject = "rpc.events.registration.cancel"

    event_id: EventId


class ListMyRegistrations(RpcRequest[Page[RegistrationView]]):
    """The actor's registrations with their tickets, newest first."""

    subject = "rpc.events.registration.mine"

    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=100)


class ListRegistrations(RpcRequest[Page[RegistrationView]]):
    """An event's registrations for its organizers: seats in order of registration, then
    the waitlist in order, then cancellations (filter with `status`)."""

    subject = "rpc.events.registration.list"

    event_id: EventId
    status: RegistrationStatus | None = None
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=100)


class MemberFields(BaseModel):
    """One member a unit registers: their account, their ward if the event asks for it, and
    `consent` that the member agreed to be registered (recorded with its time and the
    unit; refused as `member_consent` without it)."""

    user_id: EventId
    ward: Code | None = None
    consent: bool = False


class MemberList(BaseModel):
    """The members a ward committee or union registers at once (at most 200)."""

    members: Annotated[list[MemberFields], Field(min_length=1, max_length=200)]


class MemberResult(BaseModel):
    """What became of one member: a seat or a waitlist place, or the refusal's `reason`
    (`member_consent`, `already_registered`, `quota_full`…) and its message id."""

    user_id: str
    status: RegistrationStatus | None = None
    position: int | None = None
    reason: str | None = None
    message: str | None = None


class GroupRegistrationView(BaseModel):
    """The unit's quota after the list, and each member's outcome in the order given."""

    organization: str
    seats: int
    used: int
    outcomes: list[MemberResult]


class RegisterMembers(RpcRequest[GroupRegistrationView]):
    """A ward committee or union (organizer or staff of a unit with a quota) registers its
    members, each with recorded consent, up to its quota."""

    subject = "rpc.events.registration.members"

    event_id: EventId
    members: MemberList


RegistrationPage = Page[RegistrationView]
