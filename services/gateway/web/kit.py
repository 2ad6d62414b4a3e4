"""The web kit every page uses (issue 15, DESIGN §6/§10): rendering in the reader's locale,
the signed-in user from the session cookie, CSRF tokens, and the posted form (its parsing
and errors in `forms`, the Jinja2 environment and filters in `rendering`, the session's
token refresh in `token_refresh`).

- Session: an HttpOnly, SameSite=Lax cookie (Secure over HTTPS) signed with itsdangerous,
  holding the access token and the refresh token. The access token is checked with the same
  `app.state.access_tokens.verify` as the bearer path; when it has expired the refresh token
  is rotated (`Identity.refresh`) and the cookie rewritten.
- CSRF: a random value in its own HttpOnly cookie, and in every form a token signed over
  that value (itsdangerous, 12 h); a POST without a matching token is refused with 403.
- Locale: the `innohub_lang` cookie (set by the switch in the header) when the reader chose
  one, else the signed-in account's saved locale, else `Accept-Language`, else Vietnamese.
- Templates: Jinja2 with autoescape on for every template; `_()` reads the catalogue.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer
from pydantic import BaseModel

from services.gateway import auth
from services.gateway.deps import Services
from services.gateway.problems import from_rpc, request_locale
from services.gateway.service import AuthFailure
from services.gateway.web.forms import CSRF_FIELD, MAX_FIELDS, FormData, FormErrors, form_errors
from services.gateway.web.rendering import templates
from shared.contracts.base import Actor, Role, RpcRequest
from shared.i18n import LOCALES, enum_label, gettext, negotiate
from shared.infra.broker import RpcFailure
from shared.infra.logging import get_logger

log = get_logger(__name__)

ReplyT = TypeVar("ReplyT", bound=BaseModel)

SESSION_COOKIE = "innohub_session"
CSRF_COOKIE = "innohub_csrf"
LANG_COOKIE = "innohub_lang"
CSRF_HEADER = "x-csrf-token"
CSRF_MAX_AGE = 12 * 3600


class LoginRequired(Exception):
    """A page for signed-in people asked for anonymously: the handler sends to /login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class PageRefused(Exception):
    """A page answered with an error page: `status` and the catalogue id of its message."""

    def __init__(self, status: int, message_id: str, detail: str | None = None) -> None:
        super().__init__(message_id)
        self.status = status
        self.message_id = message_id
        self.detail = detail


class WebRoute(APIRoute):
    """A page's route: a service's refusal no view expected becomes an error page (its
    status and title in the reader's language) instead of the API's problem+json."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler, turning an escaped `RpcFailure` into `PageRefused`."""
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except RpcFailure as failure:
                problem = from_rpc(failure)
                raise PageRefused(problem.status, f"problem.{problem.code}") from None

        return guarded


def safe_next(path: str | None, default: str = "/") -> str:
    """A local path to go back to: anything else (another host, `//x`) becomes `default`."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return default
    return path


def _signer(request: Request, salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(request.app.state.access_tokens.key, salt=salt)


def _timed_signer(request: Request, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.access_tokens.key, salt=salt)


class Web:
    """One page request: its locale, signed-in actor, CSRF token and the cookies to set.

    Built by `web(request)`; views render with `page.render(...)` and send elsewhere with
    `page.redirect(...)`, which apply the session and CSRF cookies.
    """

    def __init__(self, request: Request) -> None:
        self.request = request
        lang = request.cookies.get(LANG_COOKIE)
        #: Whether the reader chose the language with the switch (the cookie wins then).
        self.locale_chosen = lang in LOCALES
        self.locale = (
            str(lang) if self.locale_chosen else negotiate(request.headers.get("accept-language"))
        )
        self.actor: Actor | None = None
        self.user: dict[str, Any] | None = None
        self.unread = 0
        self._set: dict[str, str] = {}
        self._clear: set[str] = set()
        seed = request.cookies.get(CSRF_COOKIE) or ""
        if len(seed) < 16 or len(seed) > 64:
            seed = secrets.token_urlsafe(24)
            self._set[CSRF_COOKIE] = seed
        self.csrf_seed = seed
        self.csrf_token = _timed_signer(request, "innohub-csrf").dumps(seed)

    # -- words -----------------------------------------------------------------------
    def t(self, message_id: str, **params: Any) -> str:
        """The catalogue's text of `message_id` in the page's locale."""
        return gettext(message_id, self.locale, **params)

    def topics(self, stored: Iterable[str]) -> list[str]:
        """Stored topics as the reader reads them: a canonical topic's label in the page's
        locale (`funding` → "Gọi vốn" / "Funding"), a free topic as it was typed. Each label
        typed back is the same topic again (`canonical_topic`)."""
        return [enum_label("Need", str(t), self.locale) or str(t) for t in stored]

    def label(self, enum_name: str, value: Any) -> str:
        """The label of an enum value (`Stage`, `mvp`), or the value itself when free text."""
        raw = getattr(value, "value", value)
        return enum_label(enum_name, str(raw), self.locale) or str(raw)

    # -- session ---------------------------------------------------------------------
    async def load_session(self) -> None:
        """Reads the session cookie: a valid access token signs the request in (the same
        check as a bearer token); an expired one is refreshed; anything else is dropped."""
        raw = self.request.cookies.get(SESSION_COOKIE)
        if not raw:
            return
        try:
            session = _signer(self.request, "innohub-web-session").loads(raw)
            access, refresh = str(session["a"]), str(session["r"])
        except (BadSignature, KeyError, TypeError):
            self._clear.add(SESSION_COOKIE)
            return
        tokens = self.request.app.state.access_tokens
        try:
            self.actor = tokens.verify(access)
        except auth.TokenError as error:
            if error.code != "token_expired":
                self._clear.add(SESSION_COOKIE)
                return
            try:
                fresh = await self.request.app.state.web_refresher.refresh(self.request, refresh)
                self.actor = tokens.verify(fresh.access_token)
            except (AuthFailure, auth.TokenError):
                self._clear.add(SESSION_COOKIE)
                return
            self.start_session(fresh)
        self.request.state.actor = self.actor
        if not self.locale_chosen:
            # The account's saved locale, else Accept-Language (as the JSON API answers).
            self.locale = await request_locale(self.request)
        self.request.state.web_cookie_refresh_token = refresh
        if not hasattr(self.request.state, "web_refresh_token"):  # not refreshed just now
            self.request.state.web_refresh_token = refresh

    def start_session(self, tokens: auth.Tokens) -> None:
        """Keep `tokens` in the session cookie of the response."""
        self._clear.discard(SESSION_COOKIE)
        self._set[SESSION_COOKIE] = _signer(self.request, "innohub-web-session").dumps(
            {"a": tokens.access_token, "r": tokens.refresh_token}
        )
        self.request.state.web_refresh_token = tokens.refresh_token

    def end_session(self) -> None:
        """Drop the session cookie in the response (and any refresh kept for the grace)."""
        state = self.request.state
        self.request.app.state.web_refresher.forget(
            getattr(state, "web_refresh_token", None),
            getattr(state, "web_cookie_refresh_token", None),
        )
        self._set.pop(SESSION_COOKIE, None)
        self._clear.add(SESSION_COOKIE)
        self.actor = None
        self.request.state.actor = None

    def set_cookie(self, name: str, value: str) -> None:
        """Set a long-lived preference cookie (the language) in the response."""
        self._set[name] = value

    def require(self, *roles: Role) -> Actor:
        """The signed-in actor; `LoginRequired` when nobody is signed in, a 403 page when
        their role is not among `roles` (any role when none is given)."""
        if self.actor is None:
            url = self.request.url
            raise LoginRequired(url.path + (f"?{url.query}" if url.query else ""))
        if roles and self.actor.role not in roles:
            raise PageRefused(403, "web.error.forbidden")
        return self.actor

    # -- forms -----------------------------------------------------------------------
    async def form(self) -> FormData:
        """The posted urlencoded form after its CSRF token is checked; raises a 403 page
        when the token is missing, forged or older than 12 hours."""
        body = (await self.request.body()).decode("utf-8", errors="replace")
        pairs = parse_qsl(body, keep_blank_values=True, max_num_fields=MAX_FIELDS)
        data = FormData()
        for key, value in pairs:
            data.values.setdefault(key, []).append(value)
        self.check_csrf(data.get(CSRF_FIELD) or self.request.headers.get(CSRF_HEADER, ""))
        return data

    def check_csrf(self, token: str) -> None:
        """Refuse (403 page) unless `token` was signed over this browser's CSRF cookie."""
        seed = self.request.cookies.get(CSRF_COOKIE)
        try:
            signed = _timed_signer(self.request, "innohub-csrf").loads(token, max_age=CSRF_MAX_AGE)
        except BadSignature:
            signed = None
        if not seed or not isinstance(signed, str) or not secrets.compare_digest(signed, seed):
            log.info("web.csrf_refused", path=self.request.url.path)
            raise PageRefused(403, "web.error.csrf")

    def errors_of(self, error: Exception) -> FormErrors:
        """A failed call as a form's errors, in the page's locale (`forms.form_errors`)."""
        return form_errors(error, self.locale)

    # -- calls -----------------------------------------------------------------------
    async def call(self, rpc: RpcRequest[ReplyT]) -> ReplyT:
        """The RPC as the signed-in actor (the JSON API's `Services.call`); a `not_found`
        or `forbidden` answer becomes that error page, `unavailable` a 503 page."""
        try:
            return await Services(self.request).call(rpc)
        except RpcFailure as failure:
            problem = from_rpc(failure)
            status = {"not_found": 404, "forbidden": 403, "unavailable": 503}.get(problem.code)
            if status is None:
                raise
            raise PageRefused(status, f"web.error.{problem.code}") from None

    async def try_call(self, rpc: RpcRequest[ReplyT]) -> ReplyT | None:
        """The RPC's answer, or `None` when the service refused or did not answer: for the
        parts of a page that may be missing (figures, a count)."""
        try:
            return await Services(self.request).call(rpc)
        except RpcFailure as failure:
            log.info("web.part_missing", rpc=rpc.subject, code=str(failure.code))
            return None

    async def load_unread(self) -> None:
        """The unread count shown in the header, for a signed-in user."""
        if self.actor is None:
            return
        from shared.contracts.rpc.notifications import ListInbox

        page = await self.try_call(ListInbox(unread_only=True, page=1, page_size=1))
        self.unread = page.unread if page else 0

    # -- responses -------------------------------------------------------------------
    def _apply(self, response: Response) -> Response:
        secure = self.request.url.scheme == "https"
        for name, value in self._set.items():
            long_lived = name == LANG_COOKIE
            response.set_cookie(
                name,
                value,
                max_age=365 * 24 * 3600 if long_lived else None,
                httponly=True,
                samesite="lax",
                secure=secure,
                path="/",
            )
        for name in self._clear:
            response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=secure)
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    def render(self, template: str, *, status: int = 200, **context: Any) -> Response:
        """`template` rendered in the page's locale with the layout's context."""
        path = self.request.url.path
        query = self.request.url.query
        body = templates.get_template(template).render(
            _=self.t,
            label=self.label,
            topics=self.topics,
            locale=self.locale,
            other_locale="en" if self.locale == "vi" else "vi",
            here=path + (f"?{query}" if query else ""),
            here_quoted=quote(path + (f"?{query}" if query else ""), safe=""),
            actor=self.actor,
            unread=self.unread,
            csrf_token=self.csrf_token,
            csrf_field=CSRF_FIELD,
            roles=Role,
            **context,
        )
        response = HTMLResponse(body, status_code=status)
        response.headers["Content-Language"] = self.locale
        return self._apply(response)

    def redirect(self, url: str) -> Response:
        """303 See Other to a local `url` (after a POST, so a reload does not repost)."""
        return self._apply(RedirectResponse(safe_next(url), status_code=303))


async def web(request: Request) -> Web:
    """The page kit for `request`, the session read (a FastAPI dependency)."""
    page = Web(request)
    await page.load_session()
    return page
