"""Each service's AsyncAPI document lists every request it answers, with the request's
schema and its reply's (issue 19: the kit answers on nats-py; the document still comes
from the contracts)."""

from __future__ import annotations

from typing import Any

import pytest

from shared.contracts.rpc.common import SERVICES
from shared.infra.asyncapi import asyncapi_document, request_contracts


def _resolve(document: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    assert isinstance(node, dict)
    return node


@pytest.mark.parametrize("service", SERVICES)
def test_every_request_a_service_answers_is_documented_with_its_reply(service: str) -> None:
    document = asyncapi_document(
        service, servers=["nats://127.0.0.1:4222"], publishers={service}, responders={service}
    )
    requests = [r for r in request_contracts() if r.subject.startswith(f"rpc.{service}.")]
    assert requests
    operations = {op["channel"]["$ref"]: op for op in document["operations"].values()}
    for request in requests:
        channel = document["channels"][request.subject]
        assert channel["address"] == request.subject
        operation = operations[f"#/channels/{request.subject}"]
        (received,) = operation["messages"]
        payload = _resolve(document, _resolve(document, received["$ref"])["$ref"])["payload"]
        assert payload == {"$ref": f"#/components/schemas/{request.__name__}"}
        (answered,) = operation["reply"]["messages"]
        reply = _resolve(document, _resolve(document, answered["$ref"])["$ref"])["payload"]
        envelope = _resolve(document, reply["$ref"])
        assert set(envelope["properties"]) == {"result", "error"}
        (result, _) = envelope["properties"]["result"]["anyOf"]  # the reply, or null
        title = _resolve(document, result["$ref"])["title"]
        assert title == request.reply_model().model_json_schema()["title"]
