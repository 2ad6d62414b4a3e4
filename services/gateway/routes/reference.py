"""Reference data: read by anyone, written by admin."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, Field, StringConstraints

from services.gateway.access import ADMIN, ANYONE
from services.gateway.deps import State, page_query
from services.gateway.problems import Problem
from services.gateway.repository import ORGANIZATIONS, SCHOOLS, SECTORS, WARDS
from shared.contracts.base import Invalid, Page, PageQuery
from shared.contracts.events.reference import OrganizationKind, SchoolLevel
from shared.text import Line

router = APIRouter(tags=["reference"])

HCMC = ZoneInfo("Asia/Ho_Chi_Minh")
Code = Annotated[
    str, StringConstraints(min_length=2, max_length=48, pattern=r"^[a-z0-9][a-z0-9\-]*$")
]
Name = Annotated[Line, StringConstraints(min_length=2, max_length=160)]
CodePath = Annotated[str, Path(min_length=2, max_length=48, pattern=r"^[a-z0-9][a-z0-9\-]*$")]


def today() -> date:
    """Today's date in Asia/Ho_Chi_Minh (DESIGN §7)."""
    return datetime.now(HCMC).date()


class WardFields(BaseModel):
    """A ward: name, validity dates, predecessors and the ward set it belongs to."""

    name: Name
    valid_from: date
    valid_to: date | None = None
    predecessors: list[Code] = Field(default_factory=list, max_length=30)
    ward_set: Annotated[Line, StringConstraints(min_length=2, max_length=20)]


class WardIn(WardFields):
    """A new ward and its code."""

    code: Code


class WardUpdate(WardFields):
    """A ward's fields at the `version` last seen (409 when stale)."""

    version: int = Field(ge=1, le=2_147_483_647)


class WardOut(WardIn):
    """A ward, whether it is valid today, and its version."""

    current: bool
    version: int


class SchoolFields(BaseModel):
    """A school: name, level, ward, whether it is active."""

    name: Name
    level: SchoolLevel
    ward: Code
    active: bool = True


class SchoolIn(SchoolFields):
    """A new school and its code."""

    code: Code


class SchoolUpdate(SchoolFields):
    """A school's fields at the `version` last seen (409 when stale)."""

    version: int = Field(ge=1, le=2_147_483_647)


class SchoolOut(SchoolIn):
    """A school and its version."""

    version: int


class SectorFields(BaseModel):
    """A sector's Vietnamese and English names."""

    name_vi: Name
    name_en: Name


class SectorIn(SectorFields):
    """A new sector and its code."""

    code: Code


class SectorUpdate(SectorFields):
    """A sector's names at the `version` last seen (409 when stale)."""

    version: int = Field(ge=1, le=2_147_483_647)


class SectorOut(SectorIn):
    """A sector and its version."""

    version: int


def _ward(doc: dict[str, Any]) -> WardOut:
    current = doc["valid_from"] <= today().isoformat() and (
        doc.get("valid_to") is None or today().isoformat() <= doc["valid_to"]
    )
    return WardOut.model_validate({**doc, "code": doc["_id"], "current": current})


def _with_code(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "code": doc["_id"]}


@router.get("/wards", dependencies=[ANYONE])
async def list_wards(
    state: State,
    on: Annotated[
        date | None, Query(description="Wards valid on this day (dd/mm/yyyy shown in UI)")
    ] = None,
    current: Annotated[bool, Query(description="Only the wards valid today")] = False,
    ward_set: Annotated[str | None, Query(max_length=20)] = None,
) -> Page[WardOut]:
    """Every ward set with its validity dates and predecessors; `current=true` for today's."""
    day = today() if current else on
    items = [_ward(doc) for doc in await state.reference.wards(on=day, ward_set=ward_set)]
    return Page(items=items, total=len(items), page=1, page_size=max(len(items), 1))


@router.post("/wards", dependencies=[ADMIN], status_code=status.HTTP_201_CREATED)
async def create_ward(body: WardIn, state: State) -> WardOut:
    """Add a ward; 409 when the code exists."""
    return _ward(await state.reference.create(WARDS, body.model_dump()))


@router.put("/wards/{code}", dependencies=[ADMIN])
async def update_ward(code: CodePath, body: WardUpdate, state: State) -> WardOut:
    """Edit a ward at the version last seen; 404 unknown, 409 stale."""
    fields = body.model_dump(exclude={"version"})
    return _ward(await state.reference.update(WARDS, code, body.version, fields))


@router.get("/schools", dependencies=[ANYONE])
async def list_schools(
    state: State,
    paging: Annotated[PageQuery, page_query(default_size=50)],
    ward: Annotated[str | None, Query(max_length=48)] = None,
    level: SchoolLevel | None = None,
) -> Page[SchoolOut]:
    """Schools, optionally by ward and level, 50 a page unless asked otherwise."""
    items, total = await state.reference.schools(
        ward=ward,
        level=level.value if level else None,
        skip=paging.skip,
        limit=paging.page_size,
    )
    return Page(
        items=[SchoolOut.model_validate(_with_code(d)) for d in items],
        total=total,
        **paging.model_dump(),
    )


@router.post("/schools", dependencies=[ADMIN], status_code=status.HTTP_201_CREATED)
async def create_school(body: SchoolIn, state: State) -> SchoolOut:
    """Add a school; 409 when the code exists."""
    doc = await state.reference.create(SCHOOLS, body.model_dump(mode="json"))
    return SchoolOut.model_validate(_with_code(doc))


@router.put("/schools/{code}", dependencies=[ADMIN])
async def update_school(code: CodePath, body: SchoolUpdate, state: State) -> SchoolOut:
    """Edit a school at the version last seen; 404 unknown, 409 stale. A field left out
    (`active`) keeps what is saved: a client that does not know the flag never reopens a
    closed school."""
    fields = body.model_dump(mode="json", exclude={"version"}, exclude_unset=True)
    doc = await state.reference.update(SCHOOLS, code, body.version, fields)
    return SchoolOut.model_validate(_with_code(doc))


@router.get("/sectors", dependencies=[ANYONE])
async def list_sectors(state: State) -> Page[SectorOut]:
    """Every sector, in one page."""
    items = [SectorOut.model_validate(_with_code(d)) for d in await state.reference.sectors()]
    return Page(items=items, total=len(items), page=1, page_size=max(len(items), 1))


@router.post("/sectors", dependencies=[ADMIN], status_code=status.HTTP_201_CREATED)
async def create_sector(body: SectorIn, state: State) -> SectorOut:
    """Add a sector; 409 when the code exists."""
    doc = await state.reference.create(SECTORS, body.model_dump())
    return SectorOut.model_validate(_with_code(doc))


@router.put("/sectors/{code}", dependencies=[ADMIN])
async def update_sector(code: CodePath, body: SectorUpdate, state: State) -> SectorOut:
    """Edit a sector at the version last seen; 404 unknown, 409 stale."""
    doc = await state.reference.update(
        SECTORS, code, body.version, body.model_dump(exclude={"version"})
    )
    return SectorOut.model_validate(_with_code(doc))


OrganizationCode = Annotated[
    str, StringConstraints(min_length=2, max_length=80, pattern=r"^[a-z0-9][a-z0-9_\-]*$")
]
OrganizationCodePath = Annotated[
    str, Path(min_length=2, max_length=80, pattern=r"^[a-z0-9][a-z0-9_\-]*$")
]


class OrganizationFields(BaseModel):
    """An organization's name, kind, ward if local, and whether it is active (a unit that
    closed stays, inactive, so the accounts and events naming it keep their meaning)."""

    name: Name
    kind: OrganizationKind
    ward: Code | None = None
    active: bool = True


class OrganizationIn(OrganizationFields):
    """A new organization accounts can belong to: code, name, kind, ward if local."""

    code: OrganizationCode


class OrganizationUpdate(OrganizationFields):
    """An organization's fields at the `version` last seen (409 when stale)."""

    version: int = Field(ge=1, le=2_147_483_647)


class OrganizationOut(OrganizationIn):
    """An organization and its version."""

    version: int


@contextmanager
def ward_named() -> Iterator[None]:
    """Turns the store's refusal of an unknown ward (`Invalid`, `detail.ward_missing`) into
    a 422 problem whose `errors` name the `ward` field, as a refused pydantic field is
    named (message from the catalogue in the caller's language); other errors pass."""
    try:
        yield
    except Invalid as error:
        if error.message != "detail.ward_missing":
            raise
        raise Problem(
            "invalid",
            error.message,
            params={"ward": str(error.details.get("ward", ""))},
            details=error.details,
            errors=[
                {"loc": ["body", "ward"], "field": "ward", "msg": error.message, "type": "unknown"}
            ],
        ) from None


@router.get("/organizations", dependencies=[ANYONE])
async def list_organizations(
    state: State,
    paging: Annotated[PageQuery, page_query(100)],
    kind: OrganizationKind | None = None,
    active: bool | None = None,
) -> Page[OrganizationOut]:
    """The organizations accounts belong to (the plan's units, ward committees, schools),
    by code; `kind` filters, `active=true` leaves out deactivated ones (what a pick list
    offers), `active=false` shows only those."""
    docs, total = await state.reference.organizations(
        kind=kind.value if kind else None,
        skip=paging.skip,
        limit=paging.page_size,
        active=active,
    )
    items = [OrganizationOut.model_validate(_with_code(d)) for d in docs]
    return Page(items=items, total=total, **paging.model_dump())


@router.post("/organizations", dependencies=[ADMIN], status_code=status.HTTP_201_CREATED)
async def create_organization(body: OrganizationIn, state: State) -> OrganizationOut:
    """Add an organization; 409 when the code exists, 422 naming `ward` for an unknown ward."""
    with ward_named():
        doc = await state.reference.create(ORGANIZATIONS, body.model_dump(mode="json"))
    return OrganizationOut.model_validate(_with_code(doc))


@router.put("/organizations/{code}", dependencies=[ADMIN])
async def update_organization(
    code: OrganizationCodePath, body: OrganizationUpdate, state: State
) -> OrganizationOut:
    """Edit an organization (rename it, change its kind or ward, deactivate a unit that
    closed) at the version last seen; 404 unknown, 409 stale (`details.current_version`),
    422 naming `ward` for an unknown ward, nothing changed. The saved state is published
    (`identity.organization.saved.v1`) for the services' read models. A field left out
    (`ward`, `active`) keeps what is saved: a client that does not know the flag never
    reopens a closed unit."""
    fields = body.model_dump(mode="json", exclude={"version"}, exclude_unset=True)
    with ward_named():
        doc = await state.reference.update(ORGANIZATIONS, code, body.version, fields)
    return OrganizationOut.model_validate(_with_code(doc))
