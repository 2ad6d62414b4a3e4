"""Consultation requests: what a founder asks for advice on one of their startups, the
request as its parties see it; open, read, list."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from shared.contracts.base import Locale, Page, PageQuery, RpcRequest, unique
from shared.contracts.events.mentoring import Mode, Referral
from shared.contracts.rpc.mentoring.kinds import Code, Id, Text
from shared.contracts.rpc.mentoring.topics import Topic, TopicView
from shared.text import Line


class ConsultationDraft(BaseModel):
    """A founder's request for advice on one of their startups: topics and a message."""

    startup_id: Id
    topics: Annotated[list[Topic], AfterValidator(unique)] = Field(min_length=1, max_length=10)
    message: Annotated[Text, StringConstraints(min_length=10, max_length=2000)]
    language: Locale = Locale.VI
    mode: Mode = Mode.IN_PERSON
    referred_by: Referral = Referral.SELF
    referred_ward: Code | None = None


class ConsultationView(BaseModel):
    """A consultation request: `open`, `proposed` (a match offered) or `matched`."""

    id: str
    startup_id: str
    startup_name: str | None = None
    founder_id: str
    topics: list[str]
    topic_labels: list[TopicView] = Field(
        default_factory=list, description="The topics as {key, label}, in the same order"
    )
    message: str
    language: str
    mode: Mode
    referred_by: Referral
    status: str
    mentor_id: str | None = None
    match_id: str | None = None
    declined_mentors: list[str] = Field(default_factory=list)
    opened_at: datetime
    version: int


ConsultationPage = Page[ConsultationView]


class OpenConsultation(RpcRequest[ConsultationView]):
    """A founder asks for advice on their own startup → the request, `open`.

    Errors: `not_found` (unknown startup), `forbidden` (not the owner), `invalid` (the
    startup is rejected or closed).
    """

    subject = "rpc.mentoring.request.open"

    draft: ConsultationDraft


class GetConsultation(RpcRequest[ConsultationView]):
    """One consultation request → it, for its founder, its mentor and staff.

    Errors: `not_found` (unknown), `forbidden` for anyone else.
    """

    subject = "rpc.mentoring.request.get"

    request_id: Id


class ListConsultations(RpcRequest[ConsultationPage], PageQuery):
    """Consultation requests the caller may see, optionally by status → a page."""

    subject = "rpc.mentoring.request.list"

    status: Annotated[Line, StringConstraints(max_length=20)] | None = None
