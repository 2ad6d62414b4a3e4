"""A service's error relayed by the gateway reads in the person's language with what it
names filled in: the catalogue message's placeholders come from the error's details."""

from __future__ import annotations

import json

from starlette.requests import Request

from services.gateway.problems import from_rpc, problem_response
from shared.contracts.base import ErrorCode, RpcError
from shared.infra.broker import RpcFailure


def request(language: str) -> Request:
    headers = [(b"accept-language", language.encode())]
    return Request({"type": "http", "method": "POST", "path": "/api/v1/x", "headers": headers})


def test_a_relayed_message_names_what_the_service_named_in_each_language() -> None:
    failure = RpcFailure(
        RpcError(
            code=ErrorCode.INVALID,
            message="detail.organization_unknown",
            details={"organization": "phong-moi", "errors": [{"loc": ["x"]}], "flag": True},
        )
    )
    vi = json.loads(bytes(problem_response(request("vi"), from_rpc(failure)).body))
    en = json.loads(bytes(problem_response(request("en"), from_rpc(failure)).body))
    assert vi["status"] == 422 and vi["code"] == "invalid"
    assert vi["detail"] == "không có tổ chức mã «phong-moi»; xem danh sách tại /organizations"
    assert "“phong-moi”" in en["detail"] and "{organization}" not in en["detail"]
    # The details travel as they were, for programs.
    assert vi["details"]["organization"] == "phong-moi"


def test_a_service_message_without_placeholders_or_details_is_kept_as_it_is() -> None:
    failure = RpcFailure(RpcError(code=ErrorCode.CONFLICT, message="đề xuất này đã được trả lời"))
    body = json.loads(bytes(problem_response(request("vi"), from_rpc(failure)).body))
    assert (body["status"], body["detail"]) == (409, "đề xuất này đã được trả lời")
    assert "details" not in body
