"""Admin: staff accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status
from pydantic import BaseModel, EmailStr, Field, StringConstraints

from services.gateway.access import ADMIN
from services.gateway.dead_letters import dead_letter_page
from services.gateway.deps import CurrentUser, Id, Paging, State
from services.gateway.domain import STAFF_ROLES
from services.gateway.problems import Problem
from services.gateway.routes.auth import FullName, Password, UserOut, _user_out
from services.gateway.service import NewAccount, public_user
from shared.contracts.base import Locale, Page, Patch, Role
from shared.infra.broker import replay_dead_letter
from shared.text import Line

router = APIRouter(prefix="/admin", tags=["admin"])

Organization = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=2, max_length=80, pattern=r"^[a-z0-9_\-]+$"
    ),
]


class StaffAccount(BaseModel):
    """An account an admin creates: any role but founder, in one organization."""

    email: EmailStr = Field(max_length=254)
    password: Password
    full_name: FullName
    role: Role
    organization: Organization
    phone: Annotated[Line, StringConstraints(max_length=20)] | None = None
    locale: Locale = Locale.VI


@router.post("/users", dependencies=[ADMIN], status_code=status.HTTP_201_CREATED)
async def create_user(body: StaffAccount, state: State, request: Request) -> UserOut:
    """Mentor, association staff, organizer, school advisor, judge or admin accounts, in
    a known, active organization (`GET /organizations?active=true`): 422 naming
    `organization` otherwise."""
    if body.role not in STAFF_ROLES:
        raise Problem(
            "invalid",
            "detail.founders_sign_up",
            errors=[{"loc": ["body", "role"], "msg": "detail.founders_sign_up", "type": "enum"}],
        )
    await _known_organization(state, body.organization)
    doc = await state.identity.register(
        NewAccount(
            email=body.email,
            password=body.password,
            full_name=body.full_name,
            role=body.role,
            organization=body.organization,
            phone=body.phone,
            locale=body.locale,
        ),
        correlation_id=getattr(request.state, "correlation_id", None),
    )
    return _user_out(doc)


async def _known_organization(state: State, code: str, current: str | None = None) -> None:
    """422 with the `organization` field named unless `code` is a known organization that
    is active; an account may keep the deactivated unit it is already in (`current`)."""
    active = await state.reference.organization_active(code)
    if active or (active is False and code == current):
        return
    message = "detail.organization_unknown" if active is None else "detail.organization_inactive"
    raise Problem(
        "invalid",
        message,
        params={"organization": code},
        errors=[
            {
                "loc": ["body", "organization"],
                "msg": message,
                "type": "unknown" if active is None else "inactive",
            }
        ],
    )


class AdminUserOut(UserOut):
    """An account as an admin sees it in the list: with its disabled flag and version."""

    disabled: bool
    version: int


@router.get("/users", dependencies=[ADMIN])
async def list_users(
    state: State,
    paging: Paging,
    q: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    role: Role | None = None,
) -> Page[AdminUserOut]:
    """Accounts by email; `q` matches name or email with tones folded (`le duc` finds
    `Lê Đức`), `role` filters. Erased accounts are left out."""
    docs, total = await state.identity.find_users(
        q=q, role=role, skip=paging.skip, limit=paging.page_size
    )
    items = [_admin_user(doc) for doc in docs]
    return Page(items=items, total=total, **paging.model_dump())


class AccountChange(Patch):
    """What an admin may change about an account; each field optional, none null."""

    role: Role | None = None
    organization: Organization | None = None
    disabled: bool | None = None


@router.patch("/users/{user_id}", dependencies=[ADMIN])
async def administer_user(
    user_id: Id, body: AccountChange, actor: CurrentUser, state: State, request: Request
) -> AdminUserOut:
    """Change an account's role or organization, or disable or enable it. Its access
    tokens end at once (and its refresh tokens when disabled); a disabled account cannot
    sign in or refresh. 404 unknown, 409 `last_admin` when the last active admin would
    demote or disable themself, 422 for an unknown or deactivated organization (one the
    account is already in may stay)."""
    if body.organization is not None:
        current = await state.identity.organization_of(user_id)
        await _known_organization(state, body.organization, current)
    doc = await state.identity.administer(
        actor,
        user_id,
        role=body.role,
        organization=body.organization,
        disabled=body.disabled,
        correlation_id=getattr(request.state, "correlation_id", None),
    )
    return _admin_user(doc)


def _admin_user(doc: dict[str, object]) -> AdminUserOut:
    user = public_user(doc)
    return AdminUserOut.model_validate({**user, "created_at": user["created_at"].isoformat()})


class DeletionRequestOut(BaseModel):
    """A personal-data deletion request and the day it is due by (2 working days)."""

    user_id: str
    request_id: str
    requested_at: datetime
    due_by: str
    status: str


@router.get("/deletion-requests", dependencies=[ADMIN])
async def deletion_requests(state: State, paging: Paging) -> Page[DeletionRequestOut]:
    """Personal-data deletion requests, newest first, with the date each is due by."""
    docs, total = await state.identity.deletion_requests(skip=paging.skip, limit=paging.page_size)
    items = [DeletionRequestOut(user_id=d["_id"], **d["deletion"]) for d in docs]
    return Page(items=items, total=total, **paging.model_dump())


class DeadLetter(BaseModel):
    """An event a consumer failed on after every retry, with the error (DESIGN §4)."""

    id: str
    subject: str
    original_subject: str
    stream: str
    consumer: str
    delivered: int
    error: str
    failed_at: datetime
    message: str


@router.get("/dead-letters", dependencies=[ADMIN])
async def list_dead_letters(state: State, paging: Paging) -> Page[DeadLetter]:
    """Events a consumer failed on after every retry, oldest first, with the error: a page
    of them and how many there are in all (DESIGN §9)."""
    letters, total = await dead_letter_page(state.broker, skip=paging.skip, limit=paging.page_size)
    items = [DeadLetter.model_validate(letter) for letter in letters]
    return Page(items=items, total=total, **paging.model_dump())


@router.post("/dead-letters/{letter_id}/replay", dependencies=[ADMIN])
async def replay(letter_id: Annotated[int, Path(ge=1, le=2**63 - 1)], state: State) -> DeadLetter:
    """Publish the event again to its subject for the consumers; it leaves the DLQ."""
    letter = await replay_dead_letter(state.broker, letter_id)
    if letter is None:
        raise Problem("not_found", "detail.dead_letter_not_found")
    return DeadLetter.model_validate({**letter, "subject": "dlq"})
