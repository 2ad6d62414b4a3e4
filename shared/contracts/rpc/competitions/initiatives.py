"""Initiatives (sáng kiến, Decree 13/2012) and the Initiative Council (DESIGN §9): the
dossier, the council and its scoring sheet, reviews and votes, the decision and its scope,
and the recognised initiatives anyone may read."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from shared.contracts.base import Page, PageQuery, RpcRequest, unique
from shared.contracts.rpc.competitions.kinds import (
    CriterionName,
    Id,
    LongText,
    PersonName,
    Score,
    ShortText,
    Title,
)
from shared.text import Line, Passage


class Author(BaseModel):
    """One author of an initiative and their share of it (percent)."""

    name: PersonName
    share: float = Field(gt=0, le=100, allow_inf_nan=False, description="Percent of contribution")


class InitiativeFields(BaseModel):
    """The dossier (Decree 13/2012): new within the unit, applied with practical benefit,
    not already protected as intellectual property."""

    title: Title
    authors: list[Author] = Field(min_length=1, max_length=20)
    unit: ShortText
    field: ShortText
    solution: LongText
    novelty: LongText = Field(description="What is new compared with before")
    applied_where: ShortText
    applied_since: date
    economic_benefit: LongText
    social_benefit: LongText
    can_spread: bool = False
    ip_protected: bool = Field(False, description="Already protected as intellectual property")


class SheetCriterion(BaseModel):
    """One criterion of an initiative council's scoring sheet and its maximum points."""

    name: CriterionName
    max_points: float = Field(gt=0, le=1000, allow_inf_nan=False)


class ScoringSheet(BaseModel):
    """The criteria the council scores an initiative on."""

    criteria: list[SheetCriterion] = Field(min_length=1, max_length=20)
    pass_mark: float = Field(ge=0, le=1000, allow_inf_nan=False)


class CouncilFields(BaseModel):
    """Council members (judge accounts) and the scoring sheet; assigning accepts the dossier."""

    member_ids: Annotated[list[Id], AfterValidator(unique)] = Field(min_length=1, max_length=30)
    sheet: ScoringSheet | None = Field(None, description="Defaults to the 100-point sheet")


class ReviewFields(BaseModel):
    """A council member's points per criterion and vote."""

    points: dict[CriterionName, Score] = Field(min_length=1, max_length=20)
    in_favour: bool
    comment: Annotated[Passage, StringConstraints(max_length=2000)] | None = None


class DecisionFields(BaseModel):
    """Recognised with a scope, or refused with reasons."""

    recognised: bool
    scope: Annotated[Line, StringConstraints(min_length=2, max_length=40)] | None = None
    reasons: Annotated[Passage, StringConstraints(min_length=3, max_length=2000)] | None = None


class ReviewView(BaseModel):
    """One council member's review of an initiative."""

    member_id: str
    points: dict[str, float]
    total: float
    passed: bool
    in_favour: bool
    comment: str | None = None
    at: datetime


class InitiativeView(BaseModel):
    """An initiative dossier, its council, reviews and decision."""

    id: str
    title: str
    authors: list[Author]
    unit: str
    field: str
    solution: str
    novelty: str
    applied_where: str
    applied_since: date
    economic_benefit: str
    social_benefit: str
    can_spread: bool
    status: str
    filed_by: str | None = None
    filed_at: datetime
    accepted_at: datetime | None = None
    decision_due: date | None = Field(None, description="3 months after acceptance")
    deadline_warning: bool = Field(False, description="The legal deadline is near or passed")
    council: list[str] = Field(default_factory=list)
    sheet: ScoringSheet | None = None
    reviews: list[ReviewView] | None = None
    votes_for: int = 0
    recognised: bool | None = None
    scope: str | None = None
    reasons: str | None = None
    decided_at: datetime | None = None
    version: int


InitiativePage = Page[InitiativeView]


class FileInitiative(RpcRequest[InitiativeView]):
    """Any signed-in user files an initiative dossier → it, `filed`.

    Errors: `invalid` (shares not summing to 100%, not applied, already IP).
    """

    subject = "rpc.competitions.initiative.file"

    initiative: InitiativeFields


class GetInitiative(RpcRequest[InitiativeView]):
    """One initiative → it, for its authors, its council and organizers.

    Errors: `not_found` for anyone else.
    """

    subject = "rpc.competitions.initiative.get"

    initiative_id: Id


class ListInitiatives(RpcRequest[InitiativePage], PageQuery):
    """Initiatives the caller may see, optionally by status → a page: all for
    organizers, otherwise what they filed or sit on the council of.
    """

    subject = "rpc.competitions.initiative.list"

    status: Annotated[Line, StringConstraints(max_length=20)] | None = None


class RecognisedInitiativeView(BaseModel):
    """A recognised initiative as anyone may read it: what it is, where it applies, its
    benefit, the scope and date of recognition. No author names: they are personal data
    and the dossier carries no consent to publish them (PDPL 91/2025)."""

    id: str
    title: str
    unit: str
    field: str
    solution: str
    applied_where: str
    applied_since: date
    economic_benefit: str
    social_benefit: str
    can_spread: bool
    scope: str | None = None
    decided_at: datetime | None = None


RecognisedInitiativePage = Page[RecognisedInitiativeView]


class ListRecognisedInitiatives(RpcRequest[RecognisedInitiativePage], PageQuery):
    """The initiatives the council recognised, newest decision first → a page (anyone,
    signed in or not), optionally by `scope`."""

    subject = "rpc.competitions.initiative.recognised"

    scope: Annotated[Line, StringConstraints(max_length=20)] | None = None


class AssignCouncil(RpcRequest[InitiativeView]):
    """An organizer names the council and scoring sheet; the 3-month limit starts →
    the initiative. Errors: `not_found`, `forbidden`, `conflict` (already decided).
    """

    subject = "rpc.competitions.initiative.assign_council"

    initiative_id: Id
    council: CouncilFields


class ReviewInitiative(RpcRequest[InitiativeView]):
    """A council member scores and votes, revisable until the decision → the
    initiative. Errors: `not_found`, `forbidden` (not on the council), `conflict` (decided).
    """

    subject = "rpc.competitions.initiative.review"

    initiative_id: Id
    review: ReviewFields


class DecideInitiative(RpcRequest[InitiativeView]):
    """An organizer records recognition (two thirds of the council in favour) with
    its scope, or refusal with reasons → the initiative.

    Errors: `not_found`, `forbidden` (not an organizer), `conflict` (already decided).
    """

    subject = "rpc.competitions.initiative.decide"

    initiative_id: Id
    decision: DecisionFields
