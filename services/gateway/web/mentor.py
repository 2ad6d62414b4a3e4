"""The mentor's pages: answer a proposal (accept or decline) and complete a held session
with notes. Listing sessions waits for the mentoring service's session list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import ValidationError

from services.gateway.access import ANYONE
from services.gateway.web.kit import Web, web
from shared.contracts.base import Role
from shared.contracts.rpc.mentoring import AnswerMatch, CompleteSession, Completion
from shared.infra.broker import RpcFailure

router = APIRouter(include_in_schema=False, dependencies=[ANYONE])
Page = Annotated[Web, Depends(web)]


@router.post("/matches/{match_id}/answer")
async def answer(page: Page, match_id: str) -> Response:
    """Accept or decline a proposal (`answer` = accept | decline); back to `/me`."""
    page.require(Role.MENTOR)
    form = await page.form()
    try:
        await page.call(AnswerMatch(match_id=match_id[:64], accept=form.get("answer") == "accept"))
    except RpcFailure as error:
        await page.load_unread()
        return page.render("error.html", status=409, message=page.errors_of(error).summary)
    return page.redirect("/me")


@router.get("/sessions/{session_id}/complete")
async def complete_form(page: Page, session_id: str) -> Response:
    """The outcome of a held session: notes and duration."""
    page.require(Role.MENTOR)
    await page.load_unread()
    return page.render("complete.html", session_id=session_id[:64], form={}, errors=None, done=None)


@router.post("/sessions/{session_id}/complete")
async def complete(page: Page, session_id: str) -> Response:
    """Log the session's outcome (the service refuses one that has not started)."""
    page.require(Role.MENTOR)
    form = await page.form()
    done = None
    errors = None
    try:
        completion = Completion(
            notes=form.get("notes"), duration_minutes=form.get("duration_minutes") or 0
        )
        done = await page.call(CompleteSession(session_id=session_id[:64], completion=completion))
    except (ValidationError, RpcFailure) as error:
        errors = page.errors_of(error)
    await page.load_unread()
    return page.render(
        "complete.html",
        status=200 if done else 422,
        session_id=session_id[:64],
        form=form.kept(),
        errors=errors,
        done=done,
    )
