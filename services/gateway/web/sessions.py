"""Session pages (issue 17): `/me/sessions` for founders and mentors (upcoming and past, in
local time), a session's page with cancel (a reason the other party reads) and reschedule
(the service keeps it inside the mentor's availability, shown as a hint), the mentor's
no-show and outcome once it has started, and a past session (≤ 30 days) recorded late.

Every rule is the mentoring service's: the same RPCs as `routes/mentoring.py`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import ValidationError

from services.gateway.access import ANYONE
from services.gateway.deps import Services
from services.gateway.web.forms import FormData, FormErrors
from services.gateway.web.kit import Web, web
from shared.contracts.base import Role
from shared.contracts.rpc.mentoring.matches import ListMatches
from shared.contracts.rpc.mentoring.mentors import GetMentor
from shared.contracts.rpc.mentoring.sessions import (
    Absent,
    Cancellation,
    CancelSession,
    GetSession,
    ListSessions,
    MarkNoShow,
    NoShow,
    RescheduleSession,
    Rescheduling,
    ScheduleSession,
    SessionDraft,
    SessionView,
)
from shared.infra.broker import RpcFailure
from shared.localtime import HCMC

router = APIRouter(include_in_schema=False, dependencies=[ANYONE])
Page = Annotated[Web, Depends(web)]
PARTIES = (Role.FOUNDER, Role.MENTOR, Role.ASSOCIATION_STAFF, Role.ADMIN)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _local(value: str) -> datetime:
    """A `datetime-local` field's value read in Asia/Ho_Chi_Minh; `ValueError` if unreadable."""
    return datetime.fromisoformat(value).replace(tzinfo=HCMC)


def _times(form: FormData) -> tuple[datetime, datetime]:
    starts = _local(form.get("starts_at"))
    minutes = int(form.get("minutes") or "60")
    return starts, starts + timedelta(minutes=max(5, min(minutes, 600)))


@router.get("/me/sessions")
async def my_sessions(page: Page) -> Response:
    """The reader's sessions: upcoming first, then the past ones (latest first)."""
    page.require(*PARTIES)
    await page.load_unread()
    found = await page.call(ListSessions(page=1, page_size=100))
    now = datetime.now(UTC)
    upcoming = [s for s in found.items if s.ends_at > now and s.status == "scheduled"]
    past = [s for s in found.items if s not in upcoming]
    past.sort(key=lambda s: s.starts_at, reverse=True)
    return page.render("sessions/list.html", upcoming=upcoming, past=past)


async def _session_page(
    page: Web,
    session: SessionView,
    *,
    form: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
    status: int = 200,
    failed: str = "",
) -> Response:
    await page.load_unread()
    mentor = await page.try_call(GetMentor(mentor_id=session.mentor_id))
    slots = [
        (page.t(f"web.sessions.day.{WEEKDAYS[s.weekday]}"), s.start, s.end)
        for s in (mentor.slots if mentor else [])
    ]
    now = datetime.now(UTC)
    return page.render(
        "sessions/session.html",
        status=status,
        session=session,
        started=session.starts_at <= now,
        slots=slots,
        form=form or {},
        errors=errors,
        failed=failed,
        absents=[(a.value, page.t(f"web.sessions.absent.{a.value}")) for a in Absent],
    )


@router.get("/sessions/{session_id}")
async def session_page(page: Page, session_id: str) -> Response:
    """One session and what the reader may do with it now."""
    page.require(*PARTIES)
    found = await page.call(GetSession(session_id=session_id[:64]))
    return await _session_page(page, found)


async def _act(page: Web, session_id: str, action: str) -> Response:
    page.require(*PARTIES)
    form = await page.form()
    session = await page.call(GetSession(session_id=session_id[:64]))
    services = Services(page.request)
    try:
        if action == "cancel":
            body = Cancellation(reason=form.get("reason"))
            await services.call(CancelSession(session_id=session.id, cancellation=body))
        elif action == "reschedule":
            starts, ends = _times(form)
            moving = Rescheduling(starts_at=starts, ends_at=ends, reason=form.get("move_reason"))
            moved = await services.call(
                RescheduleSession(session_id=session.id, rescheduling=moving)
            )
            return page.redirect(f"/sessions/{moved.id}")
        else:
            mark = NoShow(absent=Absent(form.get("absent") or "founder"))
            await services.call(MarkNoShow(session_id=session.id, no_show=mark))
    except (ValidationError, RpcFailure) as error:
        errors = page.errors_of(error)
        if "reason" in errors.fields and action == "reschedule":
            errors.fields["move_reason"] = errors.fields.pop("reason")
        return await _session_page(
            page, session, form=form.kept(), failed=action, errors=errors, status=422
        )
    except ValueError:
        errors = FormErrors(
            summary=page.t("web.form.bad_time"), fields={"starts_at": page.t("web.form.bad_time")}
        )
        return await _session_page(
            page, session, form=form.kept(), failed=action, errors=errors, status=422
        )
    return page.redirect(f"/sessions/{session.id}")


@router.post("/sessions/{session_id}/cancel")
async def cancel(page: Page, session_id: str) -> Response:
    """Call the session off with a reason (before it starts)."""
    return await _act(page, session_id, "cancel")


@router.post("/sessions/{session_id}/reschedule")
async def reschedule(page: Page, session_id: str) -> Response:
    """Move it to a new time inside the mentor's availability; the new session's page."""
    return await _act(page, session_id, "reschedule")


@router.post("/sessions/{session_id}/no-show")
async def no_show(page: Page, session_id: str) -> Response:
    """Record who did not come (once it has started)."""
    return await _act(page, session_id, "no-show")


async def _record_page(
    page: Web, *, form: dict[str, Any], errors: FormErrors | None, status: int = 200
) -> Response:
    await page.load_unread()
    matches = await page.try_call(ListMatches(status="accepted", page=1, page_size=100))
    options = [(m.id, m.startup_name or m.startup_id) for m in (matches.items if matches else [])]
    return page.render(
        "sessions/record.html", status=status, form=form, errors=errors, matches=options
    )


@router.get("/me/sessions/record")
async def record_form(page: Page) -> Response:
    """A mentor records a session held in the last 30 days (marked "recorded late")."""
    page.require(Role.MENTOR)
    return await _record_page(page, form={"minutes": "60"}, errors=None)


@router.post("/me/sessions/record")
async def record(page: Page) -> Response:
    """Book it in the past (the service allows ≤ 30 days back, mentors only); then the
    outcome form of the recorded session."""
    page.require(Role.MENTOR)
    form = await page.form()
    try:
        starts, ends = _times(form)
        draft = SessionDraft(match_id=form.get("match_id"), starts_at=starts, ends_at=ends)
        recorded = await Services(page.request).call(ScheduleSession(draft=draft))
    except (ValidationError, RpcFailure) as error:
        return await _record_page(page, form=form.kept(), errors=page.errors_of(error), status=422)
    except ValueError:
        errors = FormErrors(fields={"starts_at": page.t("web.form.bad_time")})
        errors.summary = page.t("web.form.fix_errors")
        return await _record_page(page, form=form.kept(), errors=errors, status=422)
    return page.redirect(f"/sessions/{recorded.id}/complete")
