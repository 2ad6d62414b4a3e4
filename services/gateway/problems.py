"""RFC 9457 problem details with a stable code, in Vietnamese or English.

Every error the gateway returns goes through here, so a 500 never shows a traceback
and every client sees the same shape: {type, title, status, detail, code, instance}.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.gateway.repository import STORE_UNAVAILABLE
from shared.contracts.base import DomainError, ErrorCode
from shared.i18n import gettext, known, negotiate
from shared.infra.broker import RpcFailure
from shared.infra.logging import get_logger

log = get_logger(__name__)

PROBLEM_JSON = "application/problem+json"

# code → HTTP status; the title of each is `problem.<code>` in the message catalogue.
CATALOG: dict[str, int] = {
    "invalid": 422,
    "validation_failed": 422,
    "malformed_body": 400,
    "unauthorized": 401,
    "invalid_credentials": 401,
    "token_expired": 401,
    "invalid_token": 401,
    "refresh_reused": 401,
    "token_revoked": 401,
    "account_disabled": 403,
    "last_admin": 409,
    "reset_token_invalid": 400,
    "reset_token_used": 400,
    "reset_token_expired": 400,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "email_taken": 409,
    "idempotency_key_invalid": 400,
    "idempotency_key_reused": 422,
    "idempotency_key_in_progress": 409,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "rate_limited": 429,
    "internal": 500,
    "unavailable": 503,
}
# Where a request names things: not field names a person would recognise.
_LOCATIONS = frozenset({"body", "query", "path", "header", "cookie"})

RPC_STATUS = {
    ErrorCode.NOT_FOUND: "not_found",
    ErrorCode.CONFLICT: "conflict",
    ErrorCode.FORBIDDEN: "forbidden",
    ErrorCode.UNAUTHORIZED: "unauthorized",
    ErrorCode.INVALID: "invalid",
    ErrorCode.UNAVAILABLE: "unavailable",
    ErrorCode.INTERNAL: "internal",
}


class Problem(Exception):
    """An error the gateway answers with: a catalogue `code` (its status and title), an
    optional `detail` (a message id of the catalogue, filled from `params`, or text a
    service gave), headers, and extra members of the problem document (`errors`, ...)."""

    def __init__(
        self,
        code: str,
        detail: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or code)
        self.code = code if code in CATALOG else "internal"
        self.detail = detail
        self.headers = headers or {}
        self.params = params or {}
        self.extra = extra

    @property
    def status(self) -> int:
        """The HTTP status of the problem's code."""
        return CATALOG[self.code]


def locale_of(request: Request) -> str:
    """The locale negotiated from `Accept-Language` alone (Babel, q-values honoured)."""
    return negotiate(request.headers.get("accept-language"))


async def request_locale(request: Request) -> str:
    """The locale to answer `request` in: the signed-in user's saved locale wins (read from
    the gateway's users store, as `GET /me` reads it), else `Accept-Language` negotiated
    with its q-values, else Vietnamese (DESIGN §7)."""
    saved: str | None = None
    actor = getattr(request.state, "actor", None)
    state = getattr(request.app.state, "gateway", None) if "app" in request.scope else None
    if actor is not None and state is not None:
        try:
            saved = (await state.identity.profile(actor)).get("locale")
        except DomainError:
            saved = None  # the account is gone: the header decides
        except STORE_UNAVAILABLE:
            saved = None  # the store is down: the header decides
    return negotiate(request.headers.get("accept-language"), saved)


def _say(text: str, locale: str, params: dict[str, Any]) -> str:
    """A catalogue message id in `locale`; other text (a service's own message) as it is."""
    return gettext(text, locale, **params) if known(text) else text


def problem_response(request: Request, problem: Problem, locale: str | None = None) -> JSONResponse:
    """The RFC 9457 document of `problem` in `locale` (negotiated from the request's
    `Accept-Language` when not given): title, detail and field errors from the catalogue."""
    status = CATALOG[problem.code]
    locale = locale or locale_of(request)
    body: dict[str, Any] = {
        "type": f"/problems/{problem.code}",
        "title": gettext(f"problem.{problem.code}", locale),
        "status": status,
        "code": problem.code,
        "instance": request.url.path,
    }
    if problem.detail:
        body["detail"] = _say(problem.detail, locale, problem.params)
    body.update(problem.extra)
    if isinstance(body.get("errors"), list):
        body["errors"] = [
            {**error, "msg": _say(str(error.get("msg", "")), locale, problem.params)}
            if isinstance(error, dict)
            else error
            for error in body["errors"]
        ]
    headers = {"Content-Language": locale, **problem.headers}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def from_rpc(failure: RpcFailure) -> Problem:
    """A service's typed error as a problem: its code's status and title, its message as
    the detail (DESIGN §4); an internal error says nothing more (no internals leak)."""
    error = failure.error
    code = RPC_STATUS.get(error.code, "internal")
    if code == "internal":
        return Problem("internal")
    # The details' plain values fill the catalogue message's placeholders ("{request_id}"),
    # so a service may name what it refers to in the words the person reads.
    params = {
        key: value
        for key, value in (error.details or {}).items()
        if isinstance(value, str | int | float) and not isinstance(value, bool)
    }
    return Problem(
        code,
        error.message,
        params=params,
        **({"details": error.details} if error.details else {}),
    )


def _field_of(loc: tuple[int | str, ...] | list[int | str]) -> str:
    """The field an error is about: the innermost part of its location that the catalogue
    names (a dict key a person typed, such as a criterion, is not a field)."""
    parts = [str(part) for part in loc if isinstance(part, str)]
    for part in reversed(parts):
        if known(f"field.{part}"):
            return part
    named = [part for part in parts if part not in _LOCATIONS]
    return named[-1] if named else "body"


def field_errors(errors: list[Any], locale: str) -> list[dict[str, Any]]:
    """pydantic's errors as people read them: `{loc, field, msg, type}` with `msg` from the
    catalogue's `validation.<type>` in `locale`, naming the field by its label (issue 14).

    A length error on text is about characters, not items; a `value_error` keeps the reason
    its validator gave (our validators give it in Vietnamese)."""
    translated: list[dict[str, Any]] = []
    for error in errors:
        loc = tuple(error.get("loc", ()))
        kind = str(error.get("type", ""))
        name = _field_of(loc)
        field_id = f"field.{name}"
        field = gettext(field_id, locale) if known(field_id) else name
        context = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
        key = kind
        if kind in ("too_short", "too_long") and isinstance(error.get("input"), str):
            key = f"string_{kind}"
        reason = context.get("error", str(error.get("msg", "")))
        if kind == "value_error" and "email address" in reason:
            key = "email"
        if not known(f"validation.{key}"):
            key = "other"
        message = gettext(
            f"validation.{key}", locale, **{**context, "field": field, "reason": reason}
        )
        translated.append(
            {"loc": [str(part) for part in loc], "field": name, "msg": message, "type": kind}
        )
    return translated


def _invalid(errors: list[Any], locale: str, code: str = "invalid") -> Problem:
    translated = field_errors(errors, locale)
    detail = "; ".join(error["msg"] for error in translated)
    return Problem(code, detail, errors=translated)


_HTTP_CODES = {
    400: "malformed_body",
    422: "invalid",
    500: "internal",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    503: "unavailable",
}


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(request, exc, await request_locale(request))

    @app.exception_handler(RpcFailure)
    async def on_rpc_failure(request: Request, exc: RpcFailure) -> JSONResponse:
        if exc.code in (ErrorCode.INTERNAL, ErrorCode.UNAVAILABLE):
            log.warning("rpc.failure", code=exc.code, message=exc.error.message)
        return problem_response(request, from_rpc(exc), await request_locale(request))

    async def on_store_unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.warning("store.unavailable", error=f"{type(exc).__name__}: {exc}")
        # No saved locale: the store that keeps it is the thing that is down.
        return problem_response(request, Problem("unavailable", headers={"Retry-After": "2"}))

    for unavailable in STORE_UNAVAILABLE:
        app.add_exception_handler(unavailable, on_store_unavailable)

    @app.exception_handler(DomainError)
    async def on_domain_error(request: Request, exc: DomainError) -> JSONResponse:
        code = getattr(exc, "problem_code", None) or RPC_STATUS.get(exc.code, "internal")
        extra = {"details": exc.details} if exc.details else {}
        problem = Problem(code, exc.message, params=exc.details, **extra)
        return problem_response(request, problem, await request_locale(request))

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        code = "malformed_body" if any(e["type"] == "json_invalid" for e in errors) else "invalid"
        locale = await request_locale(request)
        return problem_response(request, _invalid(errors, locale, code), locale)

    @app.exception_handler(ValidationError)
    async def on_model_validation(request: Request, exc: ValidationError) -> JSONResponse:
        # Raised when a route builds an RPC request from checked input that breaks a
        # contract bound the route did not repeat: still the caller's input, so a 422.
        locale = await request_locale(request)
        return problem_response(request, _invalid(list(exc.errors()), locale), locale)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "internal" if exc.status_code >= 500 else "invalid")
        headers = dict(exc.headers or {})
        return problem_response(
            request, Problem(code, headers=headers), await request_locale(request)
        )

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("request.failed", path=request.url.path)
        return problem_response(request, Problem("internal"))


class ProblemDocument(BaseModel):
    """RFC 9457 problem details as the gateway sends them."""

    type: str = Field(examples=["/problems/not_found"])
    title: str = Field(examples=["Không tìm thấy"])
    status: int
    code: str = Field(description="Stable machine-readable code", examples=["not_found"])
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None
    details: dict[str, Any] | None = None


DOCUMENTED_STATUSES = ("400", "401", "403", "404", "405", "409", "413", "422", "429", "500", "503")


def document_problems(app: FastAPI) -> None:
    """Every operation documents its errors as application/problem+json (RFC 9457)."""
    build_schema = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build_schema()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = ProblemDocument.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        problem = {"content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status in DOCUMENTED_STATUSES:
                    code = _HTTP_CODES.get(int(status), "internal")
                    description = gettext(f"problem.{code}", "en")
                    responses[status] = {"description": description, **problem}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
