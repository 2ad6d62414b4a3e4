"""Accounts in pages: `/signup` (explicit consent, never pre-ticked), `/login`, logout,
password change, `/me/data` export download and account deletion with its receipt.

Every rule stays where the JSON API keeps it: these views call the same route functions
and `Identity` use cases (consent, rate limit, password policy, token revocation)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from services.gateway import auth, domain
from services.gateway.access import ANYONE
from services.gateway.domain import PRIVACY_NOTICE_VERSION
from services.gateway.problems import Problem
from services.gateway.routes import auth as auth_routes
from services.gateway.routes import me as me_routes
from services.gateway.service import AuthFailure
from services.gateway.web.forms import FormData, FormErrors
from services.gateway.web.kit import Web, WebRoute, safe_next, web
from shared.contracts.base import DomainError, Locale
from shared.infra.logging import get_logger

log = get_logger(__name__)
router = APIRouter(include_in_schema=False, dependencies=[ANYONE], route_class=WebRoute)
Page = Annotated[Web, Depends(web)]


@router.get("/signup")
async def signup_form(page: Page) -> Response:
    """The sign-up form with the privacy notice; consent is a box left unticked."""
    if page.actor is not None:
        return page.redirect("/me")
    return page.render("signup.html", form={}, errors=None, notice=PRIVACY_NOTICE_VERSION)


@router.post("/signup")
async def signup(request: Request, page: Page) -> Response:
    """Create the founder account (the API's rules), then sign in and go to `/me`."""
    form = await page.form()
    state = request.app.state.gateway
    found = _all_field_errors(page, form)
    if found:
        return page.render(
            "signup.html",
            status=422,
            form=form.kept(),
            errors=found,
            notice=PRIVACY_NOTICE_VERSION,
        )
    try:
        registration = _registration(page, form)
        await auth_routes.register(registration, request, state)
        tokens = await state.identity.login(registration.email, registration.password)
    except (ValidationError, Problem, DomainError, AuthFailure) as error:
        return page.render(
            "signup.html",
            status=422 if not isinstance(error, Problem) or error.status < 500 else 503,
            form=form.kept(),
            errors=_errors(page, error),
            notice=PRIVACY_NOTICE_VERSION,
        )
    page.start_session(tokens)
    return page.redirect("/me")


def _registration(page: Web, form: FormData) -> auth_routes.Registration:
    """The sign-up form as the API's registration body (raises pydantic's errors)."""
    return auth_routes.Registration(
        email=form.get("email"),
        password=form.get("password"),
        full_name=form.get("full_name"),
        phone=form.optional("phone"),
        locale=Locale(page.locale),
        consent=form.flag("consent"),
    )


def _all_field_errors(page: Web, form: FormData) -> FormErrors:
    """Every field error of a sign-up at once (QA 15): the contract's bounds, the phone
    and password rules of the identity domain and the missing consent, each beside its
    field, so one submit names them all. Empty when the form passes; the API's own checks
    still run when it is sent (rate limit, duplicate email)."""
    found = FormErrors()
    try:
        _registration(page, form)
    except ValidationError as error:
        found = page.errors_of(error)
    checks: list[tuple[str, Callable[[], object]]] = [
        ("password", lambda: domain.check_password(form.get("password"))),
    ]
    if form.get("phone"):
        checks.append(("phone", lambda: domain.normalise_phone(form.get("phone"))))
    for name, check in checks:
        if name in found.fields:
            continue
        try:
            check()
        except DomainError as error:
            found.fields[name] = page.errors_of(error).summary
    if not form.flag("consent"):
        found.fields["consent"] = page.t("detail.consent_required")
    if found.fields:
        found.summary = page.t("web.form.fix_errors")
    return found


def _errors(page: Web, error: Exception) -> object:
    """A `Problem` from the API's route functions, or anything `errors_of` knows."""
    if isinstance(error, Problem):
        found = page.errors_of(AuthFailure(error.code))
        for item in error.extra.get("errors", []):
            name = str(item["loc"][-1])
            found.fields[name] = page.t(str(item["msg"]), **error.params)
        if error.detail:
            found.summary = page.t(error.detail, **error.params)
        return found
    return page.errors_of(error)


@router.get("/login")
async def login_form(page: Page, next: Annotated[str, Query(max_length=500)] = "/me") -> Response:
    """The sign-in form; `next` is where to go afterwards (a local path)."""
    if page.actor is not None:
        return page.redirect(safe_next(next, "/me"))
    return page.render("login.html", form={}, errors=None, next=safe_next(next, "/me"))


@router.post("/login")
async def login(request: Request, page: Page) -> Response:
    """Sign in with the API's login (rate limit included) and keep the tokens in the
    session cookie."""
    form = await page.form()
    target = safe_next(form.get("next"), "/me")
    try:
        credentials = auth_routes.Credentials(
            email=form.get("email"), password=form.get("password")
        )
        pair = await auth_routes.login(credentials, request, request.app.state.gateway)
    except (ValidationError, Problem) as error:
        return page.render(
            "login.html", status=401, form=form.kept(), errors=_errors(page, error), next=target
        )
    page.start_session(auth.Tokens(pair.access_token, pair.refresh_token, pair.expires_in))
    return page.redirect(target)


@router.post("/logout")
async def logout(request: Request, page: Page) -> Response:
    """Revoke this session's refresh token family and drop the cookie."""
    await page.form()
    refresh = getattr(request.state, "web_refresh_token", None)
    if page.actor is not None:
        try:
            await request.app.state.gateway.identity.logout(page.actor, refresh)
        except AuthFailure:
            await request.app.state.gateway.identity.logout(page.actor, None)
    page.end_session()
    return page.redirect("/")


@router.get("/me/password")
async def password_form(page: Page) -> Response:
    """The password change form."""
    page.require()
    await page.load_unread()
    return page.render("password.html", errors=None, done=False)


@router.post("/me/password")
async def change_password(request: Request, page: Page) -> Response:
    """Change the password (every other session ends) and keep this one signed in."""
    actor = page.require()
    form = await page.form()
    state = request.app.state.gateway
    try:
        body = me_routes.PasswordChange(
            current_password=form.get("current_password"), new_password=form.get("new_password")
        )
        await me_routes.change_password(body, actor, state)
        request.app.state.web_refresher.forget(
            getattr(request.state, "web_cookie_refresh_token", None),
            getattr(request.state, "web_refresh_token", None),
        )
        account = await state.identity.me(actor)
        page.start_session(await state.identity.login(account["email"], body.new_password))
    except (ValidationError, DomainError, AuthFailure) as error:
        errors = page.errors_of(error)
        # The password policy names the field `password`; on this form it is the new one.
        if "password" in errors.fields:
            errors.fields["new_password"] = errors.fields.pop("password")
        await page.load_unread()
        return page.render("password.html", status=422, errors=errors, done=False)
    await page.load_unread()
    return page.render("password.html", errors=None, done=True)


@router.get("/me/data")
async def my_data(request: Request, page: Page) -> Response:
    """Everything the platform holds about the reader, as a JSON file to download."""
    actor = page.require()
    state = request.app.state.gateway
    from services.gateway.deps import Services

    export = await me_routes.export_my_data(actor, state, Services(request))
    body = json.dumps(export.model_dump(mode="json"), ensure_ascii=False, indent=2)
    response = Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="innohub-du-lieu-ca-nhan.json"'},
    )
    return page._apply(response)


@router.get("/me/delete")
async def delete_form(page: Page) -> Response:
    """What deleting the account means, and the button that asks for it."""
    page.require()
    await page.load_unread()
    return page.render("delete.html", receipt=None)


@router.post("/me/delete")
async def delete_account(request: Request, page: Page) -> Response:
    """File the deletion request (the API's use case), end the session, show the receipt."""
    actor = page.require()
    form: FormData = await page.form()
    if not form.flag("confirm"):
        await page.load_unread()
        return page.render("delete.html", status=422, receipt=None, missing_confirm=True)
    receipt = await me_routes.delete_me(actor, request.app.state.gateway, request)
    log.info("web.account_deleted", user_id=actor.id)
    page.end_session()
    return page.render("delete.html", receipt=receipt)
