"""Password recovery pages (issue 17/accounts): "forgot password" asks for the address and
always answers the same (whether it has an account or not); the emailed link opens
`/password-reset?token=…` (`RESET_PAGE` of `services/notifications/transactional.py`),
where a new password is set; an expired, used or forged token is explained with a way to
ask for a new link. The rules are the JSON API's (`routes/auth.py`: limits, single use,
30 minutes, the password policy)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from services.gateway.access import ANYONE
from services.gateway.problems import Problem
from services.gateway.routes import auth as auth_routes
from services.gateway.service import AuthFailure
from services.gateway.web.forms import FormErrors
from services.gateway.web.kit import Web, web
from shared.contracts.base import DomainError

router = APIRouter(include_in_schema=False, dependencies=[ANYONE])
Page = Annotated[Web, Depends(web)]
#: The page of the emailed link (`services.notifications.transactional.RESET_PAGE`).
RESET_PAGE = "/password-reset"
REQUEST_PAGE = "/forgot-password"


@router.get(REQUEST_PAGE)
async def request_form(page: Page) -> Response:
    """The address to send a reset link to."""
    return page.render("recovery/request.html", form={}, errors=None, sent=False)


@router.post(REQUEST_PAGE)
async def request_link(request: Request, page: Page) -> Response:
    """Ask for the link: the same answer whatever the address; 429 past the limits."""
    form = await page.form()
    try:
        body = auth_routes.PasswordResetIn(email=form.get("email"))
        await auth_routes.request_password_reset(body, request, request.app.state.gateway)
    except ValidationError as error:
        return page.render(
            "recovery/request.html",
            status=422,
            form=form.kept(),
            errors=page.errors_of(error),
            sent=False,
        )
    except Problem as problem:
        errors = page.errors_of(AuthFailure(problem.code))
        return page.render(
            "recovery/request.html",
            status=problem.status,
            form=form.kept(),
            errors=errors,
            sent=False,
        )
    return page.render("recovery/request.html", form={}, errors=None, sent=True)


@router.get(RESET_PAGE)
async def reset_form(page: Page, token: Annotated[str, Query(max_length=256)] = "") -> Response:
    """The new password form for the emailed token (without one: ask for a link)."""
    if not token:
        return page.redirect(REQUEST_PAGE)
    return page.render("recovery/reset.html", token=token, errors=None, done=False)


@router.post(RESET_PAGE)
async def reset(request: Request, page: Page) -> Response:
    """Set the new password; every session of the account ends; then sign in."""
    form = await page.form()
    token = form.get("token")
    errors: FormErrors
    try:
        body = auth_routes.PasswordResetConfirm(token=token, password=form.get("password"))
        await auth_routes.confirm_password_reset(body, request.app.state.gateway)
    except (ValidationError, DomainError, AuthFailure) as error:
        errors = page.errors_of(error)
        expired = "token" in errors.fields or (isinstance(error, ValidationError) and not token)
        return page.render(
            "recovery/reset.html",
            status=400 if expired else 422,
            token=token,
            errors=errors,
            done=False,
            expired=expired,
        )
    return page.render("recovery/reset.html", token="", errors=None, done=True)
