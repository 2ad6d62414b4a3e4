"""The initiative council in the consoles (issue 16, Decree 13/2012): organizers see the
dossiers, form a council (judge accounts) with its scoring sheet, follow its votes against
the two-thirds rule and the three-month legal limit (with the days left) and record the
decision; council members (judges) score each dossier on the sheet and vote.

The same RPCs as `routes/initiatives.py`; the two-thirds rule and the deadline are the
competitions service's (the pages show its `decision_due` and `deadline_warning`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import ValidationError

from services.gateway.access import ANYONE
from services.gateway.web.console_organizer import judge_choices
from services.gateway.web.forms import FormErrors
from services.gateway.web.kit import Web, web
from shared.contracts.base import Role
from shared.contracts.events.competitions import InitiativeScope
from shared.contracts.rpc.competitions.initiatives import (
    AssignCouncil,
    CouncilFields,
    DecideInitiative,
    DecisionFields,
    ListInitiatives,
    ReviewFields,
    ReviewInitiative,
)
from shared.infra.broker import RpcFailure
from shared.localtime import HCMC

router = APIRouter(include_in_schema=False, dependencies=[ANYONE])
Page = Annotated[Web, Depends(web)]


async def _render(
    page: Web,
    template: str,
    *,
    status: int = 200,
    errors: Any = None,
    failed: str = "",
    form: dict[str, Any] | None = None,
) -> Response:
    """The page; after a refusal `form` is what was typed, filled in again (QA 8)."""
    await page.load_unread()
    found = await page.try_call(ListInitiatives(page=1, page_size=100))
    today = datetime.now(HCMC).date()
    items = list(found.items) if found else []
    days_left = {i.id: (i.decision_due - today).days for i in items if i.decision_due}
    # The council is chosen among the judge accounts, by name.
    candidates, _ = await judge_choices(page, None)
    return page.render(
        template,
        status=status,
        initiatives=items,
        days_left=days_left,
        candidates=candidates,
        candidate_ids={j for j, _ in candidates},
        scopes=[(s.value, page.label("InitiativeScope", s)) for s in InitiativeScope],
        errors=errors,
        failed=failed,
        form=form or {},
    )


async def _refused(page: Web, error: Exception, initiative_id: str) -> Response:
    """The organizer's page again (422) with the refusal beside the dossier it is about."""
    return await _render(
        page,
        "console/initiatives.html",
        status=422,
        errors=page.errors_of(error),
        failed=initiative_id[:64],
    )


@router.get("/console/organizer/initiatives")
async def council_home(page: Page) -> Response:
    """Every dossier with its council, votes and the days left before the legal limit."""
    page.require(Role.ORGANIZER)
    return await _render(page, "console/initiatives.html")


@router.post("/console/organizer/initiatives/{initiative_id}/council")
async def form_council(page: Page, initiative_id: str) -> Response:
    """Name the council: the judges ticked by name (or account ids typed, separated by
    commas or spaces, for one not in the list); the default 100-point sheet unless the
    service holds another."""
    page.require(Role.ORGANIZER)
    form = await page.form()
    typed = " ".join(form.all("member_ids")).replace(",", " ").split()
    members = list(dict.fromkeys(m[:64] for m in typed if m))[:30]
    try:
        council = CouncilFields(member_ids=members)
        await page.call(AssignCouncil(initiative_id=initiative_id[:64], council=council))
    except (ValidationError, RpcFailure) as error:
        return await _refused(page, error, initiative_id)
    return page.redirect("/console/organizer/initiatives?done=council")


@router.post("/console/organizer/initiatives/{initiative_id}/decision")
async def decide(page: Page, initiative_id: str) -> Response:
    """Record the decision; the service refuses recognition without two thirds in favour."""
    page.require(Role.ORGANIZER)
    form = await page.form()
    try:
        decision = DecisionFields(
            recognised=form.get("recognised") == "yes",
            scope=form.optional("scope"),
            reasons=form.optional("reasons"),
        )
        await page.call(DecideInitiative(initiative_id=initiative_id[:64], decision=decision))
    except (ValidationError, RpcFailure) as error:
        return await _refused(page, error, initiative_id)
    return page.redirect("/console/organizer/initiatives?done=decision")


@router.get("/console/judge/initiatives")
async def reviews(page: Page) -> Response:
    """The dossiers the judge sits on the council of, with the sheet to score."""
    page.require(Role.JUDGE)
    return await _render(page, "console/reviews.html")


@router.post("/console/judge/initiatives/{initiative_id}/review")
async def review(page: Page, initiative_id: str) -> Response:
    """Score the dossier on the sheet (one number per criterion, in order) and vote."""
    actor = page.require(Role.JUDGE)
    form = await page.form()
    key = initiative_id[:64]
    found = await page.try_call(ListInitiatives(page=1, page_size=100))
    dossier = next((i for i in (found.items if found else []) if i.id == key), None)
    errors = FormErrors()
    points: dict[str, float] = {}
    if dossier is None or dossier.sheet is None or actor.id not in dossier.council:
        errors.summary = page.t("web.error.not_found")
    else:
        for index, criterion in enumerate(dossier.sheet.criteria):
            try:
                points[criterion.name] = float(form.get(f"points_{index}").replace(",", "."))
            except ValueError:
                errors.fields[f"points_{index}"] = page.t("console.judge.number_needed")
        if errors.fields:
            errors.summary = page.t("web.form.fix_errors")
    if errors:
        return await _render(
            page, "console/reviews.html", status=422, errors=errors, failed=key, form=form.kept()
        )
    try:
        fields = ReviewFields(
            points=points,
            in_favour=form.get("in_favour") == "yes",
            comment=form.optional("comment"),
        )
        await page.call(ReviewInitiative(initiative_id=key, review=fields))
    except (ValidationError, RpcFailure) as error:
        return await _render(
            page,
            "console/reviews.html",
            status=422,
            errors=page.errors_of(error),
            failed=key,
            form=form.kept(),
        )
    return page.redirect("/console/judge/initiatives?done=review")
