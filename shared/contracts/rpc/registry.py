"""The registry's RPCs: startups and ideas, their lifecycle, search, history and figures."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    EmailStr,
    Field,
    HttpUrl,
    SerializerFunctionWrapHandler,
    StringConstraints,
    field_validator,
    model_serializer,
)
from pydantic_core import PydanticCustomError

from shared.contracts.base import Page, PageQuery, Patch, RpcRequest, unique
from shared.contracts.events.registry import Need, Stage, StartupStatus, Visibility
from shared.text import Line, Passage


def _tax_code(value: str) -> str:
    """Vietnamese tax code (MST): 10 digits, or 13 for a dependent unit (`0123456789-001`)."""
    digits = re.sub(r"[\s\-]", "", value)
    if not re.fullmatch(r"\d{10}|\d{13}", digits):
        raise PydanticCustomError("tax_code", "A tax code has 10 or 13 digits")
    return digits


Text = Line
Summary = Annotated[Passage, StringConstraints(min_length=10, max_length=2000)]
Name = Annotated[Text, StringConstraints(min_length=2, max_length=160)]
Code = Annotated[
    str, StringConstraints(min_length=2, max_length=48, pattern=r"^[a-z0-9][a-z0-9\-]*$")
]
#: An id (in a path or a body): a line, so no control character reaches a query.
Id = Annotated[Line, StringConstraints(min_length=1, max_length=64)]
Reason = Annotated[Passage, StringConstraints(min_length=3, max_length=1000)]
#: A set of needs: at most 8, each once (repeats dropped, first kept).
Needs = Annotated[list[Need], Field(max_length=8), AfterValidator(unique)]
TaxCode = Annotated[str, StringConstraints(max_length=20), AfterValidator(_tax_code)]


class TeamMember(BaseModel):
    """One member of a startup's team: name, role, optional email and birth year."""

    name: Annotated[Text, StringConstraints(min_length=2, max_length=120)]
    role: Annotated[Text, StringConstraints(min_length=2, max_length=80)]
    email: EmailStr | None = Field(None, max_length=254)
    birth_year: int | None = Field(None, ge=1900, le=2100)
    is_founder: bool = False


class StartupFields(BaseModel):
    """Everything a founder fills in. Every field has bounds; text is stored NFC."""

    name: Name
    summary: Summary
    sector: Code
    stage: Stage
    ward: Code
    founding_date: date | None = None
    team: list[TeamMember] = Field(default_factory=list, max_length=50)
    women_led: bool = False
    youth_led: bool = Field(
        False, description="Declared; derived instead when the founder's birth year is given"
    )
    founder_birth_year: int | None = Field(None, ge=1900, le=2100)
    needs: Needs = Field(default_factory=list)
    website: HttpUrl | None = Field(None, max_length=200)
    tax_code: TaxCode | None = None
    visibility: Visibility = Visibility.PUBLIC

    @field_validator("founding_date")
    @classmethod
    def _not_in_future(cls, value: date | None) -> date | None:
        if value is not None and (value.year < 1900 or value > date.today()):
            raise PydanticCustomError("founding_date", "The founding date is not valid")
        return value


class StartupChanges(Patch):
    """A partial edit; `version` is the one the editor last saw. `null` clears only the
    optional fields (founding date, birth year, website, tax code); a `null` elsewhere is a
    422 naming the field."""

    clearable = frozenset({"founding_date", "founder_birth_year", "website", "tax_code"})

    version: int = Field(ge=1, le=2_147_483_647)
    name: Name | None = None
    summary: Summary | None = None
    sector: Code | None = None
    stage: Stage | None = None
    ward: Code | None = None
    founding_date: date | None = None
    team: list[TeamMember] | None = Field(None, max_length=50)
    women_led: bool | None = None
    youth_led: bool | None = None
    founder_birth_year: int | None = Field(None, ge=1900, le=2100)
    needs: Needs | None = None
    website: HttpUrl | None = Field(None, max_length=200)
    tax_code: TaxCode | None = None
    visibility: Visibility | None = None


class StatusChange(BaseModel):
    """An optional reason and the `version` the staff member last saw (409 when stale)."""

    reason: Reason | None = None
    version: int | None = Field(None, ge=1, le=2_147_483_647)


class StartupView(BaseModel):
    """A startup as the caller may see it: owners and staff get every field."""

    id: str
    owner_id: str | None = None
    name: str
    summary: str
    sector: str
    stage: Stage
    ward: str
    status: StartupStatus
    visibility: Visibility
    women_led: bool
    youth_led: bool
    needs: list[Need]
    founding_date: date | None = None
    website: str | None = None
    team: list[dict[str, Any]] | None = None
    tax_code: str | None = None
    founder_birth_year: int | None = None
    rejection_reason: str | None = None
    registered_at: datetime
    updated_at: datetime
    version: int
    score: float | None = Field(None, description="Relevance, when a query was given")


class StartupPage(Page[StartupView]):
    """One page of startups (DESIGN §9: `{items, total, page, page_size}`). With a query,
    `total` counts the matches among the newest candidates read (a bounded window, issue
    19); `total_is_estimate` is true when older startups were not read, so there may be
    more than `total`. The field is sent only when true, so an exact page keeps exactly the
    wire shape of every other list."""

    total_is_estimate: bool = False

    @model_serializer(mode="wrap")
    def _estimate_only_when_true(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict) and not data.get("total_is_estimate"):
            data.pop("total_is_estimate", None)
        return data


class StartupSuggestion(BaseModel):
    """One startup suggested as the person types: its id, name and summary."""

    id: str
    name: str
    summary: str


class StartupSuggestions(BaseModel):
    """At most 8 suggestions, most relevant first; no total (issue 19)."""

    items: list[StartupSuggestion]


class HistoryEntry(BaseModel):
    """One event about a startup: its type, time and actor, a status move or the
    fields an edit changed.
    """

    event_id: str
    type: str
    at: datetime
    actor_id: str
    from_status: StartupStatus | None = None
    to_status: StartupStatus | None = None
    reason: str | None = None
    changed: list[str] = Field(default_factory=list)


class StartupHistory(BaseModel):
    """Every event about one startup, oldest first."""

    startup_id: str
    items: list[HistoryEntry]


class RegisterStartup(RpcRequest[StartupView]):
    """A founder registers an idea or startup → the startup, status `submitted`.

    Errors: `forbidden` for a non-founder; `invalid` for an unknown ward or sector; `conflict`
    when the name or tax code is another startup's.
    """

    subject = "rpc.registry.startup.register"

    startup: StartupFields


class GetStartup(RpcRequest[StartupView]):
    """One startup as the caller may see it → the startup.

    Errors: `not_found` when it does not exist or the caller may not see it.
    """

    subject = "rpc.registry.startup.get"

    startup_id: Id


class UpdateStartup(RpcRequest[StartupView]):
    """A partial edit by the owner or staff, at the `version` last seen → the startup.

    Errors: `not_found`, `forbidden` (not the owner), `conflict` (stale version, or a name or
    tax code already taken), `invalid` (unknown ward or sector).
    """

    subject = "rpc.registry.startup.update"

    startup_id: Id
    changes: StartupChanges


class SearchStartups(RpcRequest[StartupPage], PageQuery):
    """Accent-insensitive search with filters, by relevance when `q` is given, else
    newest first → a page of startups (DESIGN §7, §9). Anonymous callers and other founders
    see public, verified-or-later startups only.
    """

    subject = "rpc.registry.startup.search"

    q: Annotated[Line, StringConstraints(max_length=200)] | None = None
    ward: Code | None = None
    sector: Code | None = None
    stage: Stage | None = None
    status: StartupStatus | None = None
    women_led: bool | None = None
    youth_led: bool | None = None
    owner_id: Id | None = None


class SuggestStartups(RpcRequest[StartupSuggestions]):
    """What the search box on `/` shows as the person types: up to `limit` (≤ 8) startups the
    actor may see whose words start with every typed word, ranked as `SearchStartups`, from
    a small window of the newest candidates; no total, no filters (issue 19)."""

    subject = "rpc.registry.startup.suggest"

    q: Annotated[Line, StringConstraints(max_length=200)]
    limit: Annotated[int, Field(ge=1, le=8)] = 8


class VerifyStartup(RpcRequest[StartupView]):
    """The Consultation Point verifies a submitted startup → the startup, `verified`.

    Errors: `not_found`, `forbidden` (not staff), `conflict` (stale version or a status that
    cannot move to verified).
    """

    subject = "rpc.registry.startup.verify"

    startup_id: Id
    change: StatusChange = Field(default_factory=StatusChange)


class RejectStartup(RpcRequest[StartupView]):
    """Staff reject a startup with a reason → the startup, `rejected`.

    Errors: `not_found`, `forbidden`, `conflict` (stale version or status), `invalid` (no reason).
    """

    subject = "rpc.registry.startup.reject"

    startup_id: Id
    reason: Reason
    version: int | None = Field(None, ge=1, le=2_147_483_647)


class ChangeStartupStatus(RpcRequest[StartupView]):
    """Resubmit after a rejection, activate, graduate or close."""

    subject = "rpc.registry.startup.change_status"

    startup_id: Id
    to_status: StartupStatus
    change: StatusChange = Field(default_factory=StatusChange)


class GetStartupHistory(RpcRequest[StartupHistory]):
    """Every event about a startup, oldest first → its history (owner, staff, admin).

    Errors: `not_found`, `forbidden` for anyone else.
    """

    subject = "rpc.registry.startup.history"

    startup_id: Id


class RegistryFigures(BaseModel):
    """The registry's section of the district report (DESIGN §8): counts over the
    period and by ward, sector and stage.
    """

    registered: int
    verified: int
    active: int
    women_led: int
    youth_led: int
    by_ward: dict[str, int]
    by_sector: dict[str, int]
    by_stage: dict[str, int]


class RegistryFiguresRequest(RpcRequest[RegistryFigures]):
    """Figures for the district report over [start, end) (UTC instants)."""

    subject = "rpc.registry.figures.get"

    start: datetime
    end: datetime
