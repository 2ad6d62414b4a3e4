"""Ending a user's access tokens on every gateway copy within a second (DESIGN §6).

Each user has a token version in the gateway store (`users.token_version`), written in
the same update as the change that ends their sessions (logout, password change or
reset, role change, disabling, a deletion request). Access tokens carry it as `tv`;
`AccessTokens.verify` refuses a token whose `tv` is below the version in its process
map (`auth.TokenVersions`). That map is kept current two ways:

- a core NATS broadcast on `BROADCAST_SUBJECT` (not a JetStream subject: nothing is kept;
  every copy subscribes without a queue group, so each gets each message at once). The
  subject sits under `_INBOX.`, the one prefix the gateway's NATS user may both publish
  and subscribe to (`shared.infra.servers.service_permissions`); since other services'
  users may use `_INBOX.>` too, each message carries an HMAC-SHA256 under the gateway's
  signing key and one without a valid signature is ignored (a forged raise would lock
  a user out of that copy);
- the store as the truth: all versions read at start, then every `interval` seconds the
  users whose version changed lately, which also covers a broadcast lost while a copy
  was disconnected.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from faststream.nats import NatsBroker
from nats.aio.msg import Msg

from services.gateway.auth import TokenVersions
from shared.infra.logging import get_logger

log = get_logger(__name__)

#: Outside every stream, so nothing keeps these messages; see the module's docstring.
BROADCAST_SUBJECT = "_INBOX.innohub.gateway.tokens_revoked"
#: How far back each periodic read looks, beyond the previous read: clock skew between
#: gateway copies writing `token_version_at`.
SKEW = timedelta(seconds=10)


class VersionSource(Protocol):
    """Where token versions are read from: the gateway's users store."""

    async def token_versions(self, since: datetime | None) -> list[tuple[str, int]]:
        """(user id, token version) of users whose version changed at or after `since`
        (every user with a version above 0 when `since` is None)."""
        ...


class TokenRevocations:
    """Publishes and applies token-version changes for one gateway copy."""

    def __init__(self, versions: TokenVersions, broker: NatsBroker, key: str) -> None:
        self.versions = versions
        self.broker = broker
        self._key = hashlib.sha256(f"token-revocations:{key}".encode()).digest()
        self._subscription: Any = None

    def _signature(self, user_id: str, version: int) -> str:
        message = f"{user_id}:{version}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    async def revoked(self, user_id: str, version: int) -> None:
        """`user_id`'s tokens below `version` end: here at once, on the other copies when
        the broadcast reaches them (or at their next read of the store)."""
        self.versions.raise_to(user_id, version)
        payload = json.dumps(
            {
                "user_id": user_id,
                "token_version": version,
                "sig": self._signature(user_id, version),
            }
        ).encode()
        try:
            await self.broker.connection.publish(BROADCAST_SUBJECT, payload)
        except Exception as error:  # the periodic read of the store catches up
            log.warning("tokens.broadcast_failed", user_id=user_id, error=str(error))

    async def _on_message(self, msg: Msg) -> None:
        try:
            data = json.loads(msg.data)
            user_id, version = str(data["user_id"]), int(data["token_version"])
            signed = hmac.compare_digest(str(data["sig"]), self._signature(user_id, version))
        except (ValueError, KeyError, TypeError):
            signed = False
        if not signed:
            log.warning("tokens.bad_broadcast")
            return
        self.versions.raise_to(user_id, version)

    async def start(self, source: VersionSource) -> None:
        """Listen to the broadcast, then load every version from the store (in that order,
        so no change falls between the two)."""
        self._subscription = await self.broker.connection.subscribe(
            BROADCAST_SUBJECT, cb=self._on_message
        )
        for user_id, version in await source.token_versions(None):
            self.versions.raise_to(user_id, version)

    async def run(self, source: VersionSource, interval: float, stop: asyncio.Event) -> None:
        """Read recent changes from the store every `interval` seconds until `stop`."""
        since = datetime.now(UTC) - SKEW
        while not stop.is_set():
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
            if stop.is_set():
                break
            started = datetime.now(UTC)
            try:
                changed = await source.token_versions(since)
            except Exception as error:  # the store is down: keep the map, try again
                log.warning("tokens.sync_failed", error=str(error))
                continue
            for user_id, version in changed:
                if self.versions.raise_to(user_id, version):
                    log.info("tokens.revoked_from_store", user_id=user_id, version=version)
            since = started - SKEW
        if self._subscription is not None:
            with suppress(Exception):
                await self._subscription.unsubscribe()
