"""The school advisor's console (issue 16): their school's clubs, registering one, logging
its activities, and entering a team of students in a competition with each student's and
each guardian's consent recorded. Students' names are only ever sent to the competitions
service, which keeps them from every public view.

The same RPCs as `routes/clubs.py` and `routes/competitions.py`; no rule lives here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError

from services.gateway.access import ANYONE
from services.gateway.web.forms import FormData
from services.gateway.web.kit import Web, web
from shared.contracts.base import Role
from shared.contracts.events.competitions import ClubKind, CompetitionStatus
from shared.contracts.rpc.competitions.clubs import (
    ActivityFields,
    ClubFields,
    ListClubs,
    LogActivity,
    RegisterClub,
)
from shared.contracts.rpc.competitions.contests import ListCompetitions
from shared.contracts.rpc.competitions.entries import EntryFields, SubmitEntry
from shared.infra.broker import RpcFailure

router = APIRouter(include_in_schema=False, dependencies=[ANYONE])
Page = Annotated[Web, Depends(web)]
#: Rows of students in the team form (the contract allows up to 20).
STUDENT_ROWS = 5


async def school_name(request: Request, code: str) -> str:
    """The school's name in the reference data (`thcs-go-vap` → "Trường THCS Gò Vấp"),
    or the code itself when the reference data does not know it (QA 10)."""
    if not code:
        return ""
    reference = request.app.state.gateway.reference
    docs, _total = await reference.schools(ward=None, level=None, skip=0, limit=1000)
    for doc in docs:
        if str(doc.get("code", doc["_id"])) == code:
            return str(doc.get("name") or code)
    return code


async def _render(page: Web, *, status: int = 200, **more: Any) -> Response:
    """The console; after a refusal `more` carries the failed form's errors and what was
    typed (`club_form`, `activity_form` of `activity_club`, `team_form`), so it comes back
    filled in, consent ticks included (QA 8, 15)."""
    actor = page.require(Role.SCHOOL_ADVISOR)
    await page.load_unread()
    clubs = await page.try_call(
        ListClubs(school=actor.organization, page=1, page_size=50)
        if actor.organization
        else ListClubs(page=1, page_size=1)
    )
    open_ones = await page.try_call(
        ListCompetitions(status=CompetitionStatus.PUBLISHED, page=1, page_size=50)
    )
    competitions = [
        c for c in (open_ones.items if open_ones else []) if c.eligibility.entrants == "school_team"
    ]
    context: dict[str, Any] = {
        "club_form": {},
        "club_errors": None,
        "activity_errors": None,
        "activity_club": "",
        "activity_form": {},
        "team_form": {},
        "team_errors": None,
        "done": "",
    }
    context.update(more)
    return page.render(
        "console/school.html",
        status=status,
        school=await school_name(page.request, actor.organization or ""),
        clubs=list(clubs.items) if clubs and actor.organization else [],
        kinds=[(k.value, page.label("ClubKind", k)) for k in ClubKind],
        competitions=[(c.id, c.title) for c in competitions],
        student_rows=range(STUDENT_ROWS),
        **context,
    )


@router.get("/console/school")
async def school_home(page: Page) -> Response:
    """The school's clubs with their activities, and the forms."""
    return await _render(page, done=page.request.query_params.get("done", "")[:20])


@router.post("/console/school/clubs")
async def register_club(page: Page) -> Response:
    """Register a club of the advisor's own school."""
    page.require(Role.SCHOOL_ADVISOR)
    form = await page.form()
    try:
        fields = ClubFields(
            kind=form.get("kind"),
            name=form.get("name"),
            members_count=form.get("members_count") or 0,
            founded=form.optional("founded"),
        )
        await page.call(RegisterClub(club=fields))
    except (ValidationError, RpcFailure) as error:
        return await _render(
            page, status=422, club_form=form.kept(), club_errors=page.errors_of(error)
        )
    return page.redirect("/console/school?done=club")


@router.post("/console/school/clubs/{club_id}/activities")
async def log_activity(page: Page, club_id: str) -> Response:
    """Log an activity of one of the school's clubs."""
    page.require(Role.SCHOOL_ADVISOR)
    form = await page.form()
    try:
        activity = ActivityFields(
            date=form.get("date"),
            title=form.get("title"),
            participants=form.get("participants") or 0,
        )
        await page.call(LogActivity(club_id=club_id[:64], activity=activity))
    except (ValidationError, RpcFailure) as error:
        return await _render(
            page,
            status=422,
            activity_errors=page.errors_of(error),
            activity_club=club_id[:64],
            activity_form=form.kept(),
        )
    return page.redirect("/console/school?done=activity")


def _students(form: FormData) -> list[dict[str, Any]]:
    """The filled student rows with each consent as ticked, recorded now."""
    now = datetime.now(UTC)
    found = []
    for row in range(STUDENT_ROWS):
        name = form.get(f"student_{row}")
        if not name:
            continue
        found.append(
            {
                "full_name": name,
                "grade": form.get(f"grade_{row}") or 0,
                "consent": {
                    "student_agreed": form.flag(f"student_agreed_{row}"),
                    "guardian_agreed": form.flag(f"guardian_agreed_{row}"),
                    "guardian_name": form.optional(f"guardian_{row}"),
                    "recorded_at": now,
                },
            }
        )
    return found


@router.post("/console/school/team")
async def enter_team(page: Page) -> Response:
    """Enter a team of the school's students in a competition; the service refuses a
    student without both consents."""
    actor = page.require(Role.SCHOOL_ADVISOR)
    form = await page.form()
    try:
        entry = EntryFields.model_validate(
            {
                "title": form.get("title"),
                "description": form.get("description"),
                "team": {
                    "name": form.get("team_name"),
                    "school": actor.organization or "",
                    "students": _students(form),
                },
            }
        )
        await page.call(SubmitEntry(competition_id=form.get("competition_id")[:64], entry=entry))
    except (ValidationError, RpcFailure) as error:
        return await _render(
            page, status=422, team_form=form.kept(), team_errors=page.errors_of(error)
        )
    return page.redirect("/console/school?done=team")
