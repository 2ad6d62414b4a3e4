"""A page of the `DLQ` stream, as every list on the API pages (DESIGN §9).

A replay deletes its letter, so the stream's sequences have holes; the stream's own state
(its message count and, asked for, the deleted sequences) gives the true total and the
sequence each page starts at without reading the letters before it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from faststream.nats import NatsBroker
from nats.js.errors import NotFoundError

from shared.contracts.streams import DLQ

JS_API = "$JS.API"
INFO_TIMEOUT = 5.0


def live_sequences(first: int, last: int, deleted: set[int]) -> Iterator[int]:
    """The sequences in [first, last] that were not deleted, in order."""
    return (seq for seq in range(first, last + 1) if seq not in deleted)


async def _state(broker: NatsBroker) -> dict[str, Any]:
    # nats-py's stream_info cannot ask for `deleted_details`; the JetStream API can.
    reply = await broker.connection.request(
        f"{JS_API}.STREAM.INFO.{DLQ.name}",
        json.dumps({"deleted_details": True}).encode(),
        timeout=INFO_TIMEOUT,
    )
    info: dict[str, Any] = json.loads(reply.data)
    if "error" in info:
        raise NotFoundError
    state: dict[str, Any] = info["state"]
    return state


async def dead_letter_page(
    broker: NatsBroker, *, skip: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """The letters still parked in `DLQ`, oldest first, `limit` of them after the first
    `skip`, each `{id (its sequence), subject, original_subject, stream, consumer, delivered,
    error, failed_at, message, headers}`; and how many letters there are in all.

    An empty or missing stream is `([], 0)`."""
    try:
        state = await _state(broker)
    except NotFoundError:
        return [], 0
    total = int(state.get("messages", 0))
    if not total or skip >= total:
        return [], total
    deleted = set(state.get("deleted") or [])
    first, last = int(state.get("first_seq", 0)), int(state.get("last_seq", 0))
    js = broker.connection.jetstream()
    found: list[dict[str, Any]] = []
    for index, sequence in enumerate(live_sequences(first, last, deleted)):
        if index < skip:
            continue
        if len(found) >= limit:
            break
        try:
            raw = await js.get_msg(DLQ.name, seq=sequence)
        except NotFoundError:  # replayed while this page was read
            continue
        letter = json.loads(raw.data or b"{}")
        found.append({"id": str(sequence), "subject": raw.subject, **letter})
    return found, total
