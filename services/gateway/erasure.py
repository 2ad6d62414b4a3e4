"""Erasure reaches identity events published before contacts were sealed (issue 13).

Until crypto-shredding, `identity.user.registered.v1` and `identity.user.updated.v1` carried
email, full name and phone in clear. The IDENTITY stream keeps events 400 days and a
dead-lettered copy sits in `DLQ` until replayed, and destroying a person key does nothing to
clear text: an erased person from before the change would still be readable there, and a
read model rebuilt from the stream would bring them back. So for every erased account whose
log is not yet clean the gateway deletes those messages, then marks the account
(`log_cleaned_at`). JetStream's message delete overwrites the stored bytes (the request
leaves `no_erase` false), so nothing is left on disk either.

Runs at start and every `interval` seconds, a few milliseconds when no account waits.
Copies may run it at once: a message one copy deleted is skipped by the other. An account
is marked only by a walk of both streams that found none of its messages left, so a crash,
a dead letter replayed or parked while a walk ran, means another walk, never a message
left behind; a missing stream fails the walk instead of passing for an empty one. Events
published since the change are sealed and never deleted.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from nats.js import JetStreamContext
from nats.js.errors import APIError

from services.gateway.repository import UserStore
from shared.contracts.streams import DLQ, IDENTITY
from shared.infra.logging import get_logger
from shared.infra.periodic import run_every

log = get_logger(__name__)

#: The contact fields identity events carried in clear before they were sealed.
CLEAR_FIELDS = ("email", "full_name", "phone")
#: The identity events about accounts, and their dead-lettered copies.
IDENTITY_EVENTS = "identity.user.>"
IDENTITY_LETTERS = "dlq.identity.>"
#: Erased accounts handled by one walk of the streams at most.
ACCOUNTS_PER_WALK = 500
#: JetStream's error codes for "no message at or after that sequence" and "that message is
#: gone already" (another copy deleted it); "stream not found" (10059) is a failure.
NO_MESSAGE = 10037
ALREADY_DELETED = 10057


def clear_contact_owner(event: bytes | str) -> str | None:
    """The `user_id` of an identity event (an envelope as JSON) that carries any of
    `CLEAR_FIELDS` in clear, else None (a sealed event, another event, or not JSON)."""
    try:
        envelope = json.loads(event)
    except ValueError:
        return None
    data = envelope.get("data") if isinstance(envelope, dict) else None
    if not isinstance(data, dict) or not any(data.get(field) for field in CLEAR_FIELDS):
        return None
    owner = data.get("user_id")
    return owner if isinstance(owner, str) else None


def letter_owner(letter: bytes) -> str | None:
    """`clear_contact_owner` of the event a dead letter holds (`shared.infra.broker`'s
    letter: JSON with the original message as text under `message`)."""
    try:
        parsed = json.loads(letter)
    except ValueError:
        return None
    message = parsed.get("message") if isinstance(parsed, dict) else None
    return clear_contact_owner(message) if isinstance(message, str) else None


async def messages(
    js: JetStreamContext, stream: str, subject: str
) -> AsyncIterator[tuple[int, bytes]]:
    """(sequence, data) of every message of `stream` on `subject`, oldest first, one
    message-get request each (JetStream's `next_by_subj` skips the other subjects)."""
    sequence = 1
    while True:
        try:
            found = await js.get_msg(stream, seq=sequence, subject=subject, next=True)
        except APIError as error:
            if error.err_code == NO_MESSAGE:  # nothing at or after `sequence` on `subject`
                return
            raise
        assert found.seq is not None
        yield found.seq, found.data or b""
        sequence = found.seq + 1


@dataclass(frozen=True)
class Cleaned:
    """One walk's outcome: `accounts` marked clean, `deleted` messages by stream name."""

    accounts: int
    deleted: dict[str, int]


class ClearContactCleanup:
    """Deletes identity events holding erased people's contacts in clear (module doc)."""

    def __init__(self, users: UserStore, js: JetStreamContext) -> None:
        self.users = users
        self.js = js

    async def run_once(self) -> Cleaned:
        """One walk for the erased accounts waiting, if any. Raises what NATS or the store
        raise (the loop logs it and walks again next time; nothing is marked)."""
        waiting = await self.users.erased_with_log_to_clean(ACCOUNTS_PER_WALK)
        if not waiting:
            return Cleaned(0, {})
        erased = set(waiting)
        found: set[str] = set()
        deleted = {
            IDENTITY.name: await self._delete(
                IDENTITY.name, IDENTITY_EVENTS, clear_contact_owner, erased, found
            ),
            DLQ.name: await self._delete(DLQ.name, IDENTITY_LETTERS, letter_owner, erased, found),
        }
        # Those whose messages this walk deleted are marked by the next walk that finds
        # nothing of them: a copy replayed or parked meanwhile is caught there.
        clean = [user_id for user_id in waiting if user_id not in found]
        marked = await self.users.mark_log_cleaned(clean, datetime.now(UTC)) if clean else 0
        log.info("erasure.log_cleaned", accounts=marked, deleted=deleted)
        return Cleaned(marked, deleted)

    async def _delete(
        self,
        stream: str,
        subject: str,
        owner: Callable[[bytes], str | None],
        erased: set[str],
        found: set[str],
    ) -> int:
        """Delete the messages of `stream` on `subject` whose `owner` is in `erased`, adding
        those owners to `found`; returns how many were deleted."""
        doomed: list[int] = []
        async for seq, data in messages(self.js, stream, subject):
            whose = owner(data)
            if whose in erased:
                doomed.append(seq)
                found.add(whose)
        for seq in doomed:
            try:
                await self.js.delete_msg(stream, seq)
            except APIError as error:
                if error.err_code not in (NO_MESSAGE, ALREADY_DELETED):
                    raise  # another copy was first: nothing to do; anything else fails
        return len(doomed)

    async def run(self, interval: float, stop: asyncio.Event) -> None:
        """`run_once` now and every `interval` seconds until `stop` is set (the gateway
        cancels a walk under way at shutdown: nothing is marked before a walk ends)."""
        await run_every(interval, stop, self.run_once, "erasure.log_clean")
