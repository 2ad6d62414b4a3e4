"""The signed-in user's own account: profile, locale, password."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field, StringConstraints

from services.gateway.access import SIGNED_IN
from services.gateway.deps import CurrentUser, Rpc, State
from services.gateway.problems import request_locale
from services.gateway.routes.auth import FullName, Password, UserOut, _user_out
from shared.contracts.base import Locale, Patch
from shared.contracts.rpc.common import (
    SERVICES,
    ExportPersonalData,
    personal_data_subject,
)
from shared.i18n import gettext
from shared.infra.broker import RpcFailure
from shared.text import Line

router = APIRouter(prefix="/me", tags=["me"])


class ProfileChange(Patch):
    """What a user may change about themself: locale, name, phone. `null` removes the phone
    number (as the empty string does); `null` for the locale or the name is a 422."""

    clearable = frozenset({"phone"})

    locale: Locale | None = None
    full_name: FullName | None = None
    phone: Annotated[Line, StringConstraints(max_length=20)] | None = Field(
        None, description="Empty string removes the phone number."
    )


class PasswordChange(BaseModel):
    """The current password and the new one."""

    current_password: Password
    new_password: Password


@router.get("", dependencies=[SIGNED_IN])
async def me(actor: CurrentUser, state: State) -> UserOut:
    """The signed-in user, their role and organization."""
    return _user_out(await state.identity.profile(actor))


@router.patch("", dependencies=[SIGNED_IN])
async def update_me(
    body: ProfileChange, actor: CurrentUser, state: State, request: Request
) -> UserOut:
    """Change your locale, name or phone; an empty phone removes it."""
    doc = await state.identity.update_profile(
        actor,
        locale=body.locale,
        full_name=body.full_name,
        # An explicit null removes the phone like "" does; left out, it is kept.
        phone="" if "phone" in body.model_fields_set and body.phone is None else body.phone,
        correlation_id=getattr(request.state, "correlation_id", None),
    )
    return _user_out(doc)


@router.post("/password", dependencies=[SIGNED_IN], status_code=status.HTTP_204_NO_CONTENT)
async def change_password(body: PasswordChange, actor: CurrentUser, state: State) -> None:
    """Change the password; every refresh token of the user is revoked."""
    await state.identity.change_password(actor, body.current_password, body.new_password)


class PersonalDataExport(BaseModel):
    """Everything the platform holds about one person, by service (PDPL 91/2025)."""

    user_id: str
    exported_at: datetime
    gateway: dict[str, Any]
    services: dict[str, dict[str, Any]]
    missing: list[str] = Field(
        default_factory=list, description="Services that did not answer; ask again later."
    )


class DeletionReceipt(BaseModel):
    """The acknowledgement of a deletion request and the day it is due by."""

    request_id: str
    requested_at: datetime
    due_by: str = Field(description="ISO date: acknowledged within 2 working days")
    status: str
    message: str


@router.get("/data", dependencies=[SIGNED_IN])
async def export_my_data(actor: CurrentUser, state: State, rpc: Rpc) -> PersonalDataExport:
    """Everything the platform holds about you, gathered from every service."""

    async def ask(service: str) -> tuple[str, dict[str, Any] | None]:
        try:
            answer = await rpc.call(
                ExportPersonalData(user_id=actor.id),
                subject=personal_data_subject(service),
            )
        except RpcFailure:
            return service, None
        return service, answer.data

    answers = await asyncio.gather(*(ask(service) for service in SERVICES))
    return PersonalDataExport(
        user_id=actor.id,
        exported_at=datetime.now(UTC),
        gateway=await state.identity.personal_data(actor),
        services={name: data for name, data in answers if data is not None},
        missing=[name for name, data in answers if data is None],
    )


@router.delete("", dependencies=[SIGNED_IN], status_code=status.HTTP_202_ACCEPTED)
async def delete_me(actor: CurrentUser, state: State, request: Request) -> DeletionReceipt:
    """Ask for your personal data to be erased; acknowledged at once, carried out by every
    service. Your sessions end now."""
    # The user's saved locale is read before the account is anonymised by the request.
    locale = await request_locale(request)
    deletion = await state.identity.request_deletion(
        actor, correlation_id=getattr(request.state, "correlation_id", None)
    )
    return DeletionReceipt(**deletion, message=gettext("detail.deletion_received", locale))
