"""Registration, sign-in, token rotation and sign-out."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, EmailStr, Field, StringConstraints

from services.gateway.access import ANYONE, SIGNED_IN
from services.gateway.auth import Tokens
from services.gateway.deps import CurrentUser, GatewayState, State
from services.gateway.domain import PRIVACY_NOTICE_VERSION
from services.gateway.problems import Problem, request_locale
from services.gateway.ratelimit import SharedLimits, client_address, trusted_networks
from services.gateway.service import AuthFailure, NewAccount, public_user
from shared.contracts.base import Locale
from shared.i18n import gettext
from shared.text import Line

router = APIRouter(prefix="/auth", tags=["auth"])

Password = Annotated[str, Field(min_length=1, max_length=256)]
FullName = Annotated[Line, StringConstraints(min_length=2, max_length=120)]
Phone = Annotated[Line, StringConstraints(max_length=20)]
Token = Annotated[str, Field(min_length=16, max_length=256)]


class Registration(BaseModel):
    """A founder's sign-up; `consent` must be true (Law 91/2025/QH15)."""

    email: EmailStr = Field(max_length=254)
    password: Password
    full_name: FullName
    phone: Phone | None = None
    locale: Locale = Locale.VI
    consent: bool = Field(
        description="Explicit consent to the privacy notice (Law 91/2025/QH15); must be true."
    )
    privacy_notice_version: Annotated[Line, StringConstraints(max_length=32)] = (
        PRIVACY_NOTICE_VERSION
    )


class UserOut(BaseModel):
    """An account as its owner and admins see it."""

    id: str
    email: str
    full_name: str
    role: str
    organization: str | None
    phone: str | None
    locale: str
    created_at: str | None = None


class Credentials(BaseModel):
    """Email and password to sign in with."""

    email: EmailStr = Field(max_length=254)
    password: Password


class TokenPair(BaseModel):
    """A short-lived access token and a rotating refresh token (DESIGN §6)."""

    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class RefreshIn(BaseModel):
    """The refresh token to rotate."""

    refresh_token: Token


class LogoutIn(BaseModel):
    """The refresh token whose family to revoke; every session of the user if absent."""

    refresh_token: Token | None = None


def client_ip(request: Request) -> str:
    """The caller's address, the key the sign-in rate limits count by: the socket peer,
    or, from a configured trusted proxy, the client it names in `X-Forwarded-For`."""
    settings = request.app.state.gateway.settings
    return client_address(
        request.client.host if request.client else None,
        request.headers.get("x-forwarded-for"),
        trusted_networks(settings.trusted_proxies),
    )


def _limits(request: Request) -> SharedLimits:
    limits: SharedLimits = request.app.state.auth_limits
    return limits


def _user_out(doc: dict[str, object]) -> UserOut:
    user = public_user(doc)
    return UserOut.model_validate({**user, "created_at": user["created_at"].isoformat()})


@router.post("/register", dependencies=[ANYONE], status_code=status.HTTP_201_CREATED)
async def register(body: Registration, request: Request, state: State) -> UserOut:
    """A founder account. Consent to the privacy notice is required and recorded.
    429 past `auth_rate_limit_per_minute` registrations a minute from one client address."""
    await _limits(request).hit(
        {f"register:ip:{client_ip(request)}": state.settings.auth_rate_limit_per_minute}
    )
    if body.consent is not True:
        raise Problem(
            "invalid",
            "detail.consent_required",
            errors=[
                {"loc": ["body", "consent"], "msg": "detail.consent_required", "type": "consent"}
            ],
        )
    if body.privacy_notice_version != PRIVACY_NOTICE_VERSION:
        raise Problem(
            "invalid",
            "detail.notice_outdated",
            params={"version": PRIVACY_NOTICE_VERSION},
            errors=[
                {
                    "loc": ["body", "privacy_notice_version"],
                    "msg": "detail.notice_outdated",
                    "type": "value",
                }
            ],
        )
    doc = await state.identity.register(
        NewAccount(
            email=body.email,
            password=body.password,
            full_name=body.full_name,
            phone=body.phone,
            locale=body.locale,
            consent_notice_version=body.privacy_notice_version,
        ),
        correlation_id=getattr(request.state, "correlation_id", None),
    )
    return _user_out(doc)


async def sign_in(request: Request, state: GatewayState, email: str, password: str) -> Tokens:
    """Sign in under the shared limits: 429 once the account (`auth_rate_limit_per_minute`)
    or the client address (`auth_failures_per_address_per_minute`) has had that many failed
    sign-ins this minute, counted across every gateway copy; successful sign-ins count
    nothing. Raises `Problem` (`invalid_credentials`, `account_disabled`, `rate_limited`).
    The web app's sign-in form uses this too, so both share one count."""
    limits = {
        f"login-failed:email:{email.lower()}": state.settings.auth_rate_limit_per_minute,
        f"login-failed:ip:{client_ip(request)}": (
            state.settings.auth_failures_per_address_per_minute
        ),
    }
    await _limits(request).check(limits)
    try:
        return await state.identity.login(email, password)
    except AuthFailure as failure:
        if failure.code == "invalid_credentials":
            await _limits(request).hit(limits)
        raise Problem(failure.code) from None


@router.post("/login", dependencies=[ANYONE])
async def login(body: Credentials, request: Request, state: State) -> TokenPair:
    """Email and password → a token pair; 401 `invalid_credentials` on a mismatch, 403
    `account_disabled`, 429 once an account or a client address has had too many failed
    sign-ins this minute (counted across every gateway copy).
    """
    tokens = await sign_in(request, state, body.email, body.password)
    return TokenPair(**tokens.__dict__)


@router.post("/refresh", dependencies=[ANYONE])
async def refresh(body: RefreshIn, state: State) -> TokenPair:
    """Rotate: the old refresh token stops working; reusing it revokes its whole family."""
    try:
        tokens = await state.identity.refresh(body.refresh_token)
    except AuthFailure as failure:
        raise Problem(failure.code) from None
    return TokenPair(**tokens.__dict__)


@router.post("/logout", dependencies=[SIGNED_IN], status_code=status.HTTP_204_NO_CONTENT)
async def logout(actor: CurrentUser, state: State, body: LogoutIn | None = None) -> None:
    """Revoke the given refresh token's family, or every session of the user. The access
    token ends at once on every gateway copy (the user's other devices refresh)."""
    try:
        await state.identity.logout(actor, body.refresh_token if body else None)
    except AuthFailure as failure:
        raise Problem(failure.code) from None


class PasswordResetIn(BaseModel):
    """The email address of the account whose password to reset."""

    email: EmailStr = Field(max_length=254)


class PasswordResetAccepted(BaseModel):
    """Always the same answer, whether the address has an account or not."""

    message: Line


class PasswordResetConfirm(BaseModel):
    """The token from the emailed link and the new password."""

    token: Token
    password: Password


@router.post("/password-reset", dependencies=[ANYONE], status_code=status.HTTP_202_ACCEPTED)
async def request_password_reset(
    body: PasswordResetIn, request: Request, state: State
) -> PasswordResetAccepted:
    """Email a single-use link valid 30 minutes to the account with this address. 202
    whether the address has an account or not; 429 past the limits (per address and per
    client address), shared by every gateway copy."""
    await _limits(request).hit(
        {f"reset:ip:{client_ip(request)}": state.settings.auth_rate_limit_per_minute}
    )
    hourly = SharedLimits(_limits(request).counters, 3600.0, clock=_limits(request).clock)
    await hourly.hit(
        {f"reset:email:{body.email.lower()}": state.settings.password_resets_per_email_per_hour}
    )
    await state.identity.request_password_reset(
        body.email, correlation_id=getattr(request.state, "correlation_id", None)
    )
    locale = await request_locale(request)
    return PasswordResetAccepted(message=gettext("detail.password_reset_sent", locale))


@router.post(
    "/password-reset/confirm", dependencies=[ANYONE], status_code=status.HTTP_204_NO_CONTENT
)
async def confirm_password_reset(body: PasswordResetConfirm, state: State) -> None:
    """Set a new password with the emailed token; every session of the account ends.
    400 `reset_token_invalid`, `reset_token_used` or `reset_token_expired`; 422 for a
    password that breaks the rules."""
    await state.identity.reset_password(body.token, body.password)
