"""Every RPC request contract names the model its handler replies with (no infrastructure)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

import shared.contracts.rpc.common
import shared.contracts.rpc.competitions
import shared.contracts.rpc.mentoring
import shared.contracts.rpc.notifications
import shared.contracts.rpc.registry  # noqa: F401  (defines the request contracts)
from shared.contracts.base import Ok, Page, RpcRequest
from shared.contracts.rpc.notifications import InboxPage, ListInbox
from shared.contracts.rpc.registry import StartupPage, StartupView, VerifyStartup


def _requests(base: type[RpcRequest[BaseModel]]) -> list[type[RpcRequest[BaseModel]]]:
    found = []
    for sub in base.__subclasses__():
        if "subject" in sub.__dict__ and sub.__module__.startswith("shared.contracts."):
            found.append(sub)
        found += _requests(sub)
    return found


def test_every_request_contract_names_a_pydantic_reply() -> None:
    requests = _requests(RpcRequest)
    assert len(requests) > 50
    for request in requests:
        assert issubclass(request.reply_model(), BaseModel), request.__name__


def test_the_reply_is_read_from_the_type_argument() -> None:
    assert VerifyStartup.reply_model() is StartupView
    assert ListInbox.reply_model() is InboxPage


def test_a_request_without_a_reply_type_is_refused_when_declared() -> None:
    with pytest.raises(TypeError, match="names no reply"):

        class Unanswered(RpcRequest):  # type: ignore[type-arg]
            subject = "rpc.tests.nothing.ask"

    class Answered(RpcRequest[Ok]):
        subject = "rpc.tests.something.ask"

    assert Answered.reply_model() is Ok


def test_pages_keep_the_wire_shape_items_total_page_page_size() -> None:
    page = StartupPage(items=[], total=0, page=1, page_size=20)
    assert page.model_dump() == {"items": [], "total": 0, "page": 1, "page_size": 20}
    assert issubclass(InboxPage, Page)
    assert set(InboxPage.model_fields) == {"items", "total", "page", "page_size", "unread"}
