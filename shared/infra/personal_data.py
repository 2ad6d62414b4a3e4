"""Reading the sealed contact of identity events (crypto-shredding, issue 13).

Identity events carry a person's email, full name and phone sealed under that person's key
(`shared.crypto`), which the gateway keeps and destroys on erasure. A service's identity
consumer wraps its reactions with `PersonKeys.opening`: a sealed event reaches the read
model opened (clear fields filled in) while the person lives; once they are erased it is
skipped (nothing personal is applied; the deletion event's tombstone does the rest); when
the gateway cannot say (no answer, or it knows no key yet) the handler raises, so the kit
redelivers with backoff: "gateway down" is never read as "erased". Events published
before issue 13 carry the contact in clear and are read as they are.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, TypeVar

from faststream.nats import NatsBroker

from shared import crypto
from shared.contracts.base import Envelope, Event
from shared.contracts.events.identity import (
    Contact,
    UserDeletionRequestedV1,
    UserRegisteredV1,
    UserUpdatedV1,
)
from shared.contracts.rpc.identity import GetPersonKey
from shared.infra.broker import RpcFailure, call
from shared.infra.logging import get_logger
from shared.infra.runtime import Reaction

log = get_logger(__name__)

IdentityEvent = TypeVar("IdentityEvent", UserRegisteredV1, UserUpdatedV1)

#: Seconds to wait for the gateway's answer before the event is redelivered.
TIMEOUT = 3.0
#: People whose key (or erasure) a process remembers at once; the least recently used go.
CAPACITY = 10_000
#: Seconds a live key is trusted before it is asked again: another copy of the service may
#: have handled the person's erasure, and this copy should not hold their key for long.
KEY_TTL = 300.0


class PersonKeyUnavailable(RuntimeError):
    """The gateway did not answer, or has no key for the person (yet): the event is to be
    redelivered later, never read as the person being erased."""


class StillSealed(ValueError):
    """An identity event whose contact is neither in clear nor opened."""


def clear_contact(event: UserRegisteredV1 | UserUpdatedV1) -> Contact:
    """The contact in clear of an opened (or pre-issue-13) identity event. Raises
    `StillSealed` when the event carries no contact in clear."""
    if event.email is None or event.full_name is None:
        raise StillSealed(f"identity event of {event.user_id} carries no contact in clear")
    return Contact(email=event.email, full_name=event.full_name, phone=event.phone)


class PersonKeys:
    """Opens sealed contacts with keys asked of the gateway (`rpc.gateway.person_key.get`)
    once per person and kept in a bounded LRU (`capacity` people, live keys for `ttl` s,
    erasures for good); forgets a person on their `deletion_requested`. Keys are never
    logged."""

    def __init__(
        self,
        broker: NatsBroker,
        *,
        capacity: int = CAPACITY,
        ttl: float = KEY_TTL,
        timeout: float = TIMEOUT,
    ) -> None:
        self.broker = broker
        self.capacity = capacity
        self.ttl = ttl
        self.timeout = timeout
        # user id → (key, or None once erased; monotonic time it was learnt)
        self._known: OrderedDict[str, tuple[bytes | None, float]] = OrderedDict()

    def forget(self, user_id: str) -> None:
        """Drop what is remembered of the person (their key goes from memory)."""
        self._known.pop(user_id, None)

    def _remember(self, user_id: str, key: bytes | None) -> None:
        self._known[user_id] = (key, time.monotonic())
        self._known.move_to_end(user_id)
        while len(self._known) > self.capacity:
            self._known.popitem(last=False)

    async def key(self, user_id: str) -> bytes | None:
        """The person's key, or None when they are erased. Raises `PersonKeyUnavailable`
        when the gateway does not answer in time or knows no key for them."""
        known = self._known.get(user_id)
        if known is not None:
            key, learnt = known
            if key is None or time.monotonic() - learnt < self.ttl:
                self._known.move_to_end(user_id)
                return key
        try:
            answer = await call(self.broker, GetPersonKey(user_id=user_id), timeout=self.timeout)
        except RpcFailure as failure:
            raise PersonKeyUnavailable(f"no person key for {user_id}: {failure.code}") from None
        if answer.state == "unknown" or (answer.state == "active" and not answer.key):
            raise PersonKeyUnavailable(f"the gateway knows no key for {user_id} yet")
        key = crypto.decode_key(answer.key) if answer.state == "active" and answer.key else None
        self._remember(user_id, key)
        return key

    async def contact(self, event: UserRegisteredV1 | UserUpdatedV1) -> Contact | None:
        """The event's contact: opened, or in clear in an older event; None when the person
        is erased (their key is gone). Raises `PersonKeyUnavailable` (redeliver later) or
        `shared.crypto.SealBroken` (a blob that is not this person's: dead-lettered)."""
        if event.sealed is None:
            return clear_contact(event)
        key = await self.key(event.user_id)
        if key is None:
            return None
        if event.sealed.key_id != crypto.key_id(key):
            # Sealed under a key this copy does not hold (a stale memory): ask again.
            self.forget(event.user_id)
            key = await self.key(event.user_id)
            if key is None:
                return None
        return crypto.open_sealed(key, event.user_id, event.sealed)

    async def opened(self, event: IdentityEvent) -> IdentityEvent | None:
        """The event with its contact in clear (and no sealed copy), or None when the
        person is erased. Raises as `contact` does."""
        contact = await self.contact(event)
        if contact is None:
            return None
        return event.model_copy(
            update={
                "email": contact.email,
                "full_name": contact.full_name,
                "phone": contact.phone,
                "sealed": None,
            }
        )

    def opening(self, reactions: Mapping[type[Event], Reaction]) -> dict[type[Event], Reaction]:
        """`reactions` with the identity events' contacts opened before they react: a
        registered or updated event of an erased person is skipped, a deletion request
        forgets the person's key first."""
        wrapped: dict[type[Event], Reaction] = dict(reactions)
        for kind in (UserRegisteredV1, UserUpdatedV1):
            if kind in reactions:
                wrapped[kind] = self._open_then(reactions[kind])
        if UserDeletionRequestedV1 in reactions:
            wrapped[UserDeletionRequestedV1] = self._forget_then(reactions[UserDeletionRequestedV1])
        return wrapped

    def _open_then(self, react: Reaction) -> Reaction:
        async def open_then_react(envelope: Envelope, event: Any) -> object:
            """Open the contact, then react; skip an erased person's event."""
            found = await self.opened(event)
            if found is None:
                log.info("identity.person_erased_skipped", user_id=event.user_id)
                return None
            return await react(envelope, found)

        return open_then_react

    def _forget_then(self, react: Reaction) -> Reaction:
        async def forget_then_react(envelope: Envelope, event: Any) -> object:
            """Forget the person's key, then carry out the erasure."""
            self.forget(event.user_id)
            return await react(envelope, event)

        return forget_then_react
