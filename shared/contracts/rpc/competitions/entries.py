"""Entries (DESIGN §9): a founder's startup or a school advisor's team of consenting
students (Decree 356/2025), submitted before the entry deadline, listed, withdrawn."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from shared.contracts.base import Page, PageQuery, RpcRequest
from shared.contracts.rpc.competitions.kinds import Code, Id, LongText, PersonName, Text, Title
from shared.text import Line


class Consent(BaseModel):
    """The recorded consent of the student and of a parent or guardian (Decree 356/2025)."""

    student_agreed: bool = False
    guardian_agreed: bool = False
    guardian_name: PersonName | None = None
    recorded_at: AwareDatetime | None = None
    notice_version: Annotated[Line, StringConstraints(max_length=40)] | None = None
    name_public: bool = Field(
        False,
        description="The student and the guardian agreed that the name appear in public results",
    )


class Student(BaseModel):
    """A student of a school team, with the recorded consent that lets them take part."""

    full_name: PersonName
    grade: int = Field(ge=1, le=12)
    consent: Consent = Field(default_factory=Consent)


class Team(BaseModel):
    """A school team entered by its advisor: a name and its students."""

    name: Annotated[Text, StringConstraints(min_length=2, max_length=120)]
    school: Code
    students: list[Student] = Field(min_length=1, max_length=20)


class EntryFields(BaseModel):
    """Either `startup_id` (a founder's own startup) or `team` (a school advisor's students)."""

    startup_id: Id | None = None
    team: Team | None = None
    title: Title
    description: LongText


class EntryView(BaseModel):
    """An entry; students' names only for the advisor who entered them."""

    id: str
    competition_id: str
    title: str
    description: str
    startup_id: str | None = None
    startup_name: str | None = None
    team_name: str | None = None
    school: str | None = None
    ward: str | None = None
    participants: int
    students: list[dict[str, Any]] | None = Field(
        None, description="Only for the advisor who entered them: names, grades, consent"
    )
    submitted_at: datetime
    withdrawn_at: datetime | None = None


EntryPage = Page[EntryView]


class SubmitEntry(RpcRequest[EntryView]):
    """Enter a founder's startup or an advisor's school team before the deadline →
    the entry. Errors: `not_found`, `forbidden` (not the owner, not eligible), `conflict`
    (entries closed, or already entered), `invalid` (missing consent).
    """

    subject = "rpc.competitions.entry.submit"

    competition_id: Id
    entry: EntryFields


class ListEntries(RpcRequest[EntryPage], PageQuery):
    """A competition's entries: all for its organizer, one's own for others → a page.

    Errors: `not_found`.
    """

    subject = "rpc.competitions.entry.list"

    competition_id: Id


class WithdrawEntry(RpcRequest[EntryView]):
    """The entrant withdraws their entry before the entry deadline → the entry, withdrawn
    (it is then neither judged nor ranked; the startup or team may enter again). Errors:
    `not_found`, `forbidden` (not theirs), `conflict` (the deadline passed)."""

    subject = "rpc.competitions.entry.withdraw"

    entry_id: Id
