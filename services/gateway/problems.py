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
from shared.infra.broker import RpcFailure
from shared.infra.logging import get_logger

log = get_logger(__name__)

PROBLEM_JSON = "application/problem+json"

# code: (status, Vietnamese title, English title)
CATALOG: dict[str, tuple[int, str, str]] = {
    "invalid": (422, "Dữ liệu không hợp lệ", "Invalid input"),
    "validation_failed": (422, "Dữ liệu không hợp lệ", "Invalid input"),
    "malformed_body": (400, "Nội dung yêu cầu không đọc được", "Malformed request body"),
    "unauthorized": (401, "Cần đăng nhập", "Authentication required"),
    "invalid_credentials": (401, "Email hoặc mật khẩu không đúng", "Wrong email or password"),
    "token_expired": (401, "Phiên đăng nhập đã hết hạn", "Your session has expired"),
    "invalid_token": (401, "Mã xác thực không hợp lệ", "Invalid token"),
    "refresh_reused": (
        401,
        "Mã làm mới đã được dùng; mọi phiên liên quan đã bị thu hồi",
        "Refresh token reused; every session of its family was revoked",
    ),
    "forbidden": (403, "Bạn không có quyền thực hiện thao tác này", "You may not do this"),
    "not_found": (404, "Không tìm thấy", "Not found"),
    "method_not_allowed": (405, "Phương thức không được hỗ trợ", "Method not allowed"),
    "conflict": (409, "Xung đột dữ liệu", "Conflict"),
    "email_taken": (409, "Email đã được đăng ký", "This email is already registered"),
    "idempotency_key_invalid": (
        400,
        "Khóa Idempotency-Key không hợp lệ (1–255 ký tự ASCII nhìn thấy được)",
        "Invalid Idempotency-Key (1–255 visible ASCII characters)",
    ),
    "idempotency_key_reused": (
        422,
        "Khóa Idempotency-Key này đã được dùng cho một yêu cầu khác",
        "This Idempotency-Key was already used for a different request",
    ),
    "idempotency_key_in_progress": (
        409,
        "Yêu cầu đầu tiên với khóa này vẫn đang được xử lý; vui lòng thử lại sau giây lát",
        "The first request with this key is still being processed; retry shortly",
    ),
    "payload_too_large": (413, "Nội dung yêu cầu quá lớn", "Request body too large"),
    "unsupported_media_type": (
        415,
        "Định dạng nội dung không được hỗ trợ",
        "Unsupported media type",
    ),
    "rate_limited": (
        429,
        "Quá nhiều yêu cầu, vui lòng thử lại sau",
        "Too many requests, try later",
    ),
    "internal": (500, "Lỗi hệ thống", "Internal error"),
    "unavailable": (503, "Dịch vụ tạm thời không phản hồi", "A service is temporarily unavailable"),
}

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
    def __init__(
        self,
        code: str,
        detail: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or code)
        self.code = code if code in CATALOG else "internal"
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra

    @property
    def status(self) -> int:
        return CATALOG[self.code][0]


def locale_of(request: Request) -> str:
    """English only when the client asks for it first; Vietnamese otherwise."""
    accept = request.headers.get("accept-language", "").strip().lower()
    return "en" if accept.startswith("en") else "vi"


def problem_response(request: Request, problem: Problem) -> JSONResponse:
    status, title_vi, title_en = CATALOG[problem.code]
    locale = locale_of(request)
    body: dict[str, Any] = {
        "type": f"/problems/{problem.code}",
        "title": title_en if locale == "en" else title_vi,
        "status": status,
        "code": problem.code,
        "instance": request.url.path,
    }
    if problem.detail:
        body["detail"] = problem.detail
    body.update(problem.extra)
    headers = {"Content-Language": locale, **problem.headers}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def from_rpc(failure: RpcFailure) -> Problem:
    error = failure.error
    code = RPC_STATUS.get(error.code, "internal")
    if code == "internal":
        return Problem("internal")
    return Problem(code, error.message, **({"details": error.details} if error.details else {}))


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for error in exc.errors():
        errors.append(
            {
                "loc": [str(part) for part in error.get("loc", ())],
                "msg": error.get("msg", ""),
                "type": error.get("type", ""),
            }
        )
    return errors


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
        return problem_response(request, exc)

    @app.exception_handler(RpcFailure)
    async def on_rpc_failure(request: Request, exc: RpcFailure) -> JSONResponse:
        if exc.code in (ErrorCode.INTERNAL, ErrorCode.UNAVAILABLE):
            log.warning("rpc.failure", code=exc.code, message=exc.error.message)
        return problem_response(request, from_rpc(exc))

    async def on_store_unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.warning("store.unavailable", error=f"{type(exc).__name__}: {exc}")
        return problem_response(request, Problem("unavailable", headers={"Retry-After": "2"}))

    for unavailable in STORE_UNAVAILABLE:
        app.add_exception_handler(unavailable, on_store_unavailable)

    @app.exception_handler(DomainError)
    async def on_domain_error(request: Request, exc: DomainError) -> JSONResponse:
        code = getattr(exc, "problem_code", None) or RPC_STATUS.get(exc.code, "internal")
        extra = {"details": exc.details} if exc.details else {}
        return problem_response(request, Problem(code, exc.message, **extra))

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        code = "malformed_body" if any(e["type"] == "json_invalid" for e in errors) else "invalid"
        return problem_response(request, Problem(code, errors=errors))

    @app.exception_handler(ValidationError)
    async def on_model_validation(request: Request, exc: ValidationError) -> JSONResponse:
        # Raised when a route builds an RPC request from checked input that breaks a
        # contract bound the route did not repeat: still the caller's input, so a 422.
        errors = [
            {"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        return problem_response(request, Problem("invalid", errors=errors))

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "internal" if exc.status_code >= 500 else "invalid")
        headers = dict(exc.headers or {})
        return problem_response(request, Problem(code, headers=headers))

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
                    description = CATALOG[_HTTP_CODES.get(int(status), "internal")][2]
                    responses[status] = {"description": description, **problem}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
