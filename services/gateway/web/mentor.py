"""The mentor's pages: profile (expertise, sectors, languages, capacity, pause), the weekly
availability editor, answering a proposal (accept or decline) and completing a held session
with notes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError

from services.gateway.access import ANYONE
from services.gateway.web.kit import PageRefused, Web, WebRoute, web
from services.gateway.web.public import wards_and_sectors
from shared.contracts.base import Locale, Role
from shared.contracts.rpc.mentoring.matches import AnswerMatch
from shared.contracts.rpc.mentoring.mentors import (
    Availability,
    GetMentor,
    MentorChanges,
    MentorProfile,
    MentorView,
    SaveMentor,
    SetAvailability,
    Slot,
    UpdateMentor,
)
from shared.contracts.rpc.mentoring.sessions import CompleteSession, Completion
from shared.infra.broker import RpcFailure

router = APIRouter(include_in_schema=False, dependencies=[ANYONE], route_class=WebRoute)
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


async def my_profile(page: Web, mentor_id: str) -> MentorView | None:
    """The mentor's own profile (`GetMentor`; a mentor's id is their account's id); `None`
    before they have written one. Raises `PageRefused` when the service did not answer."""
    try:
        return await page.call(GetMentor(mentor_id=mentor_id[:64]))
    except PageRefused as refused:
        if refused.status == 404:
            return None
        raise


def _profile_form(page: Web, mentor: MentorView | None) -> dict[str, Any]:
    """The edit box filled from the stored profile: topics by their labels in the page's
    language, which read back as the same topics when saved."""
    if mentor is None:
        return {"languages": ["vi"], "monthly_capacity": "4"}
    return {
        "expertise": ", ".join(page.topics(mentor.expertise)),
        "sectors": list(mentor.sectors),
        "languages": list(mentor.languages),
        "monthly_capacity": str(mentor.monthly_capacity),
        "bio": mentor.bio,
        "paused": "1" if mentor.paused else "",
        "version": str(mentor.version),
    }


async def _render_profile(
    request: Request,
    page: Web,
    form: dict[str, Any],
    errors: Any,
    *,
    status: int = 200,
    mentor: MentorView | None = None,
) -> Response:
    await page.load_unread()
    refs = await wards_and_sectors(request, page.locale)
    return page.render(
        "mentor_profile.html",
        status=status,
        form=form,
        errors=errors,
        sectors=refs["sectors"],
        locales=[locale.value for locale in Locale],
        mentor=mentor,
    )


@router.get("/mentor/profile")
async def profile_form(request: Request, page: Page) -> Response:
    """Expertise (canonical topics and free ones), sectors, languages, capacity, pause."""
    actor = page.require(Role.MENTOR)
    mentor = await my_profile(page, actor.id)
    return await _render_profile(request, page, _profile_form(page, mentor), None, mentor=mentor)


@router.post("/mentor/profile")
async def save_profile(request: Request, page: Page) -> Response:
    """Create the profile, or save changes with the version read."""
    actor = page.require(Role.MENTOR)
    form = await page.form()
    expertise = [t.strip() for t in form.get("expertise").split(",") if t.strip()]
    try:
        mentor = await my_profile(page, actor.id)
        if mentor is None:
            profile = MentorProfile(
                expertise=expertise,
                sectors=form.all("sectors"),
                languages=form.all("languages") or ["vi"],
                monthly_capacity=form.get("monthly_capacity") or 0,
                bio=form.get("bio"),
            )
            await page.call(SaveMentor(profile=profile))
        else:
            changes = MentorChanges(
                version=mentor.version,
                expertise=expertise,
                sectors=form.all("sectors"),
                languages=form.all("languages") or ["vi"],
                monthly_capacity=form.get("monthly_capacity") or 0,
                bio=form.get("bio"),
                paused=form.flag("paused"),
            )
            await page.call(UpdateMentor(mentor_id=mentor.id, changes=changes))
    except (ValidationError, RpcFailure) as error:
        kept = form.kept()
        kept["sectors"], kept["languages"] = form.all("sectors"), form.all("languages")
        return await _render_profile(request, page, kept, page.errors_of(error), status=422)
    return page.redirect("/mentor/profile?saved=1")


#: Rows of the weekly availability editor, per weekday.
ROWS_PER_DAY = 3


@router.get("/mentor/availability")
async def availability_form(page: Page) -> Response:
    """The week: up to three time ranges a day, in Vietnam time."""
    actor = page.require(Role.MENTOR)
    await page.load_unread()
    mentor = await my_profile(page, actor.id)
    slots = mentor.slots if mentor else []
    return page.render(
        "availability.html", week=_week(slots), errors=None, has_profile=mentor is not None
    )


def _week(slots: list[Slot]) -> list[list[tuple[str, str]]]:
    week: list[list[tuple[str, str]]] = [[] for _ in range(7)]
    for slot in slots:
        week[slot.weekday].append((slot.start, slot.end))
    return [(day + [("", "")] * ROWS_PER_DAY)[: max(ROWS_PER_DAY, len(day))] for day in week]


@router.post("/mentor/availability")
async def save_availability(page: Page) -> Response:
    """Replace the weekly slots (the service checks each range)."""
    actor = page.require(Role.MENTOR)
    form = await page.form()
    raw: list[dict[str, Any]] = []
    for day in range(7):
        starts = form.values.get(f"start-{day}", [])
        ends = form.values.get(f"end-{day}", [])
        for start, end in zip(starts, ends, strict=False):
            if start.strip() or end.strip():
                raw.append({"weekday": day, "start": start.strip(), "end": end.strip()})
    try:
        slots = [Slot(**slot) for slot in raw]
        await page.call(SetAvailability(mentor_id=actor.id, availability=Availability(slots=slots)))
    except (ValidationError, RpcFailure) as error:
        await page.load_unread()
        typed: list[list[tuple[str, str]]] = [[] for _ in range(7)]
        for slot in raw:
            typed[slot["weekday"]].append((slot["start"], slot["end"]))
        week = [(d + [("", "")] * ROWS_PER_DAY)[: max(ROWS_PER_DAY, len(d))] for d in typed]
        return page.render(
            "availability.html",
            status=422,
            week=week,
            errors=page.errors_of(error),
            has_profile=True,
        )
    return page.redirect("/mentor/availability?saved=1")
