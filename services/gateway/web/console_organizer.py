"""The organizer's console (issue 16): their competitions, creating one with a rubric
builder (criteria with weights in percent that the competitions service checks sum to
100 %, the score range, the deadlines), publishing it, assigning judges and following the
scoring per entry and per judge, and publishing the results with the tie rule.

The same RPCs as `routes/competitions.py` (ORGANIZER); no rule lives here."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import ValidationError

from services.gateway.access import ANYONE
from services.gateway.web.forms import FormData, FormErrors
from services.gateway.web.kit import Web, web
from services.gateway.web.public import wards_and_sectors
from services.gateway.web.units import organization_names
from shared.contracts.base import Role
from shared.contracts.events.competitions import CompetitionKind
from shared.contracts.events.reference import SchoolLevel
from shared.contracts.rpc.competitions.contests import (
    CompetitionFields,
    CreateCompetition,
    GetCompetition,
    ListCompetitions,
    PublishCompetition,
    TieBreak,
)
from shared.contracts.rpc.competitions.entries import ListEntries
from shared.contracts.rpc.competitions.judging import (
    AssignJudge,
    GetJudging,
    GetResults,
    ListJudgeCandidates,
    PublishResults,
)
from shared.infra.broker import RpcFailure
from shared.localtime import HCMC

router = APIRouter(include_in_schema=False, dependencies=[ANYONE])
Page = Annotated[Web, Depends(web)]
#: Rows of the rubric builder (the contract allows up to 20 criteria).
CRITERIA_ROWS = 6


def _local(value: str) -> datetime:
    """A `datetime-local` value read in Asia/Ho_Chi_Minh; `ValueError` when malformed."""
    return datetime.fromisoformat(value).replace(tzinfo=HCMC)


def _criteria(form: FormData) -> list[dict[str, Any]]:
    """The filled rows of the builder: weights typed in percent, sent as shares of 1."""
    found = []
    for row in range(CRITERIA_ROWS):
        name = form.get(f"criterion_{row}")
        weight = form.get(f"weight_{row}")
        if not name and not weight:
            continue
        try:
            share = float(weight.replace(",", ".")) / 100
        except ValueError:
            share = 0.0
        found.append({"name": name, "weight": share})
    return found


def _fields(form: FormData) -> dict[str, Any]:
    return {
        "title": form.get("title"),
        "kind": form.get("kind"),
        "description": form.get("description"),
        "entry_deadline": _local(form.get("entry_deadline")),
        "judging_deadline": _local(form.get("judging_deadline")),
        "rubric": {
            "criteria": _criteria(form),
            "min_score": form.get("min_score") or 0,
            "max_score": form.get("max_score") or 10,
        },
        "judges_per_entry": form.get("judges_per_entry") or 2,
        "winners": form.get("winners") or 3,
        "blind": form.flag("blind"),
        "tie_break": form.get("tie_break") or TieBreak.SHARE.value,
        "eligibility": _eligibility(form),
    }


def _eligibility(form: FormData) -> dict[str, Any]:
    """Who may enter (QA 13): startups or school teams, and the contract's narrowing
    options (youth-, women-led or verified startups only, some wards, some school levels)."""
    return {
        "entrants": form.get("entrants") or "startup",
        "youth_led_only": form.flag("youth_led_only"),
        "women_led_only": form.flag("women_led_only"),
        "verified_only": form.flag("verified_only"),
        "wards": form.all("wards"),
        "school_levels": form.all("school_levels"),
    }


def _rubric_errors(errors: FormErrors) -> FormErrors:
    """Every error about the rubric's criteria (pydantic's `rubric.criteria.0.weight`, the
    service's `rubric.criteria`) shown next to the criteria."""
    for name in list(errors.fields):
        if name.startswith("rubric.criteria"):
            errors.fields.setdefault("criteria", errors.fields[name])
    return errors


@router.get("/console/organizer")
async def organizer_home(page: Page) -> Response:
    """The organizer's competitions (every status), newest first."""
    actor = page.require(Role.ORGANIZER)
    await page.load_unread()
    found = await page.try_call(ListCompetitions(page=1, page_size=100))
    mine = [c for c in (found.items if found else []) if c.organizer_id in (None, actor.id)]
    return page.render("console/organizer.html", competitions=mine)


async def _new_form(page: Web, form: dict[str, Any], errors: Any, status: int = 200) -> Response:
    refs = await wards_and_sectors(page.request, page.locale)
    return page.render(
        "console/competition_form.html",
        status=status,
        form=form,
        errors=errors,
        kinds=[(k.value, page.label("CompetitionKind", k)) for k in CompetitionKind],
        tie_breaks=[(t.value, page.label("TieBreak", t)) for t in TieBreak],
        rows=range(CRITERIA_ROWS),
        entrants=[
            ("startup", page.t("console.organizer.entrants_startup")),
            ("school_team", page.t("console.organizer.entrants_school_team")),
        ],
        wards=refs["wards"],
        school_levels=[(v.value, page.label("SchoolLevel", v)) for v in SchoolLevel],
    )


@router.get("/console/organizer/competitions/new")
async def new_competition_form(page: Page) -> Response:
    """The rubric builder and the competition's deadlines."""
    page.require(Role.ORGANIZER)
    await page.load_unread()
    return await _new_form(
        page, {"min_score": "0", "max_score": "10", "blind": "1", "entrants": "startup"}, None
    )


@router.post("/console/organizer/competitions/new")
async def new_competition(page: Page) -> Response:
    """Create the competition (a draft); the service refuses weights not summing to 100 %."""
    page.require(Role.ORGANIZER)
    form = await page.form()
    try:
        fields = CompetitionFields.model_validate(_fields(form))
        created = await page.call(CreateCompetition(competition=fields))
    except (ValidationError, RpcFailure) as error:
        await page.load_unread()
        return await _new_form(page, form.kept(), _rubric_errors(page.errors_of(error)), 422)
    except ValueError:
        await page.load_unread()
        errors = FormErrors(summary=page.t("web.form.fix_errors"))
        for name in ("entry_deadline", "judging_deadline"):
            try:
                _local(form.get(name))
            except ValueError:
                errors.fields[name] = page.t("web.form.bad_time")
        return await _new_form(page, form.kept(), errors, 422)
    return page.redirect(f"/console/organizer/competitions/{created.id}")


async def judge_choices(page: Web, q: str | None) -> tuple[list[tuple[str, str]], bool]:
    """The first 100 judge accounts (by name, matching `q`) as `(id, "name — unit")` for a
    select or checkboxes, and whether there are more than shown."""
    found = await page.try_call(ListJudgeCandidates(q=q, page=1, page_size=100))
    if found is None:
        return [], False
    choices = []
    for judge in found.items:
        unit = await organization_names(page.request, judge.organization or "")
        choices.append((judge.id, (judge.full_name or judge.id) + (f" — {unit}" if unit else "")))
    return choices, found.total > len(found.items)


async def _competition_page(
    page: Web, competition_id: str, *, status: int = 200, errors: Any = None
) -> Response:
    await page.load_unread()
    found = await page.call(GetCompetition(competition_id=competition_id[:64]))
    judging = await page.try_call(GetJudging(competition_id=found.id))
    entries = await page.try_call(ListEntries(competition_id=found.id, page=1, page_size=100))
    results = await page.try_call(GetResults(competition_id=found.id))
    # Judges are chosen by name: the judge accounts not yet on the panel, narrowed by the
    # name typed in `judge_q` when there are more than one select can show.
    judge_q = (page.request.query_params.get("judge_q") or "")[:80].strip()
    panel = set(judging.judges) if judging else set()
    offered, more = await judge_choices(page, judge_q or None)
    choices = [(judge_id, shown) for judge_id, shown in offered if judge_id not in panel]
    return page.render(
        "console/competition.html",
        status=status,
        competition=found,
        judging=judging,
        judge_choices=choices,
        judge_q=judge_q,
        more_judges=more,
        entries=list(entries.items) if entries else [],
        entry_titles={e.id: e.title for e in entries.items} if entries else {},
        results=results,
        errors=errors,
        form={},
    )


@router.get("/console/organizer/competitions/{competition_id}")
async def competition(page: Page, competition_id: str) -> Response:
    """One competition: publish, judges and their load, entries short of judges, results."""
    page.require(Role.ORGANIZER)
    return await _competition_page(page, competition_id)


@router.post("/console/organizer/competitions/{competition_id}/{action}")
async def act(page: Page, competition_id: str, action: str) -> Response:
    """`publish` the competition, assign a `judge` (their account id) or publish `results`."""
    page.require(Role.ORGANIZER)
    form = await page.form()
    key = competition_id[:64]
    try:
        if action == "publish":
            await page.call(PublishCompetition(competition_id=key))
        elif action == "judge":
            await page.call(AssignJudge(competition_id=key, user_id=form.get("user_id")[:64]))
        elif action == "results":
            await page.call(PublishResults(competition_id=key))
        else:
            return await _competition_page(page, key, status=404)
    except (ValidationError, RpcFailure) as error:
        errors = page.errors_of(error)
        if action == "judge":
            errors.fields.setdefault("user_id", errors.summary)
        return await _competition_page(page, key, status=422, errors=errors)
    return page.redirect(f"/console/organizer/competitions/{key}?done={action}")
