"""The signed-in user's own account: profile, locale, password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field, StringConstraints

from services.gateway.access import SIGNED_IN, table
from services.gateway.deps import CurrentUser, State
from services.gateway.routes.auth import FullName, Password, UserOut, _user_out
from shared.contracts.base import Locale

access = table(
    {
        "GET /me": SIGNED_IN,
        "PATCH /me": SIGNED_IN,
        "POST /me/password": SIGNED_IN,
    }
)
router = APIRouter(prefix="/me", tags=["me"], dependencies=[access.dependency()])


class ProfileChange(BaseModel):
    locale: Locale | None = None
    full_name: FullName | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = Field(
        None, description="Empty string removes the phone number."
    )


class PasswordChange(BaseModel):
    current_password: Password
    new_password: Password


@router.get("", response_model=UserOut)
async def me(actor: CurrentUser, state: State) -> UserOut:
    return _user_out(await state.identity.me(actor))


@router.patch("", response_model=UserOut)
async def update_me(
    body: ProfileChange, actor: CurrentUser, state: State, request: Request
) -> UserOut:
    doc = await state.identity.update_profile(
        actor,
        locale=body.locale,
        full_name=body.full_name,
        phone=body.phone,
        correlation_id=getattr(request.state, "correlation_id", None),
    )
    return _user_out(doc)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(body: PasswordChange, actor: CurrentUser, state: State) -> None:
    """Change the password; every refresh token of the user is revoked."""
    await state.identity.change_password(actor, body.current_password, body.new_password)
