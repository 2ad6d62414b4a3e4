"""The judge's console (issue 16): their assignments across competitions (blind by default:
content, not names), the scoring form built from each rubric with its range shown, and
declaring a conflict of interest (the competitions service reassigns the entry).

The same RPCs as `routes/competitions.py` (JUDGE); no rule lives here."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import ValidationError

from services.gateway.access import ANYONE
from services.gateway.web.forms import FormErrors
from services.gateway.web.kit import Web, web
from shared.contracts.base import Role
from shared.contracts.rpc.competitions.judging import (
    ConflictDeclaration,
    DeclareConflict,
    ListAssignments,
    ScoreSet,
    SubmitScores,
)
from shared.infra.broker import RpcFailure

router = APIRouter(include_in_schema=False, dependencies=[ANYONE])
Page = Annotated[Web, Depends(web)]


async def _assignments(page: Web) -> list[Any]:
    found = await page.try_call(ListAssignments(page=1, page_size=100))
    return list(found.items) if found else []


async def _render(
    page: Web,
    *,
    status: int = 200,
    errors: Any = None,
    failed: str = "",
    failed_form: str = "",
    form: dict[str, Any] | None = None,
) -> Response:
    """The console; after a refusal, `failed` names the entry, `failed_form` which of its
    forms (`score` or `conflict`) and `form` what was typed, so the numbers and the reason
    come back beside their errors (QA 8, 9)."""
    await page.load_unread()
    return page.render(
        "console/judge.html",
        status=status,
        assignments=await _assignments(page),
        errors=errors,
        failed=failed,
        failed_form=failed_form,
        form=form or {},
    )


def _score_errors(page: Web, error: Exception, criteria: list[str]) -> FormErrors:
    """A refused score set as the form's errors: the service's `criteria` (out of range)
    and pydantic's `scores.<name>` each marked on that criterion's field `score_<i>`."""
    errors = page.errors_of(error)
    named: list[str] = []
    if isinstance(error, RpcFailure):
        named = [str(n) for n in (error.error.details or {}).get("criteria") or []]
        named += [str(n) for n in (error.error.details or {}).get("missing") or []]
    elif isinstance(error, ValidationError):
        for item in error.errors():
            loc = list(item.get("loc") or ())
            if len(loc) > 1 and loc[0] == "scores":
                named.append(str(loc[1]))
    message = errors.summary
    if isinstance(error, ValidationError) and errors.fields:
        message = next(iter(errors.fields.values()))
    for name in named:
        if name in criteria:
            errors.fields[f"score_{criteria.index(name)}"] = message
    if errors.fields:
        errors.summary = page.t("web.form.fix_errors")
    return errors


@router.get("/console/judge")
async def judge_home(page: Page) -> Response:
    """Every entry assigned to the reader, with its scoring form."""
    page.require(Role.JUDGE)
    return await _render(page)


@router.post("/console/judge/entries/{entry_id}/score")
async def score(page: Page, entry_id: str) -> Response:
    """Submit (or revise) the scores of one entry: one number per criterion of its rubric,
    in order; the service checks the range and that every criterion is scored."""
    page.require(Role.JUDGE)
    form = await page.form()
    key = entry_id[:64]
    found = next((a for a in await _assignments(page) if a.entry_id == key), None)
    if found is None:
        return await _render(
            page, status=404, errors=FormErrors(summary=page.t("web.error.not_found"))
        )
    scores: dict[str, Any] = {}
    errors = FormErrors()
    for index, criterion in enumerate(found.rubric.criteria):
        raw = form.get(f"score_{index}").replace(",", ".")
        try:
            scores[criterion.name] = float(raw)
        except ValueError:
            errors.fields[f"score_{index}"] = page.t("console.judge.number_needed")
    if errors.fields:
        errors.summary = page.t("web.form.fix_errors")
        return await _render(
            page, status=422, errors=errors, failed=key, failed_form="score", form=form.kept()
        )
    try:
        await page.call(SubmitScores(entry_id=key, score=ScoreSet(scores=scores)))
    except (ValidationError, RpcFailure) as error:
        names = [c.name for c in found.rubric.criteria]
        return await _render(
            page,
            status=422,
            errors=_score_errors(page, error, names),
            failed=key,
            failed_form="score",
            form=form.kept(),
        )
    return page.redirect("/console/judge?done=score")


@router.post("/console/judge/entries/{entry_id}/conflict")
async def conflict(page: Page, entry_id: str) -> Response:
    """Declare a conflict of interest with a reason; the entry leaves the reader's list."""
    page.require(Role.JUDGE)
    form = await page.form()
    try:
        declaration = ConflictDeclaration(reason=form.get("reason"))
        await page.call(DeclareConflict(entry_id=entry_id[:64], conflict=declaration))
    except (ValidationError, RpcFailure) as error:
        return await _render(
            page,
            status=422,
            errors=page.errors_of(error),
            failed=entry_id[:64],
            failed_form="conflict",
            form=form.kept(),
        )
    return page.redirect("/console/judge?done=conflict")
