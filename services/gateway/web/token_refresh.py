"""Refreshing a web session's tokens (DESIGN §6): the refresh token is rotated once per
grace period, however many requests of one page find the access token expired at once, so
reuse detection never sees the same refresh token presented twice by one browser.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from datetime import timedelta

from fastapi import Request

from services.gateway import auth

#: A refresh answered this recently is reused, so two requests of one page that both find
#: the access token expired do not present the same refresh token twice (reuse detection).
REFRESH_GRACE_SECONDS = 30.0


class Refresher:
    """Rotates a session's refresh token once per grace period, however many requests of
    the same browser find the access token expired at the same moment."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._recent: dict[str, tuple[float, auth.Tokens]] = {}

    async def refresh(self, request: Request, refresh_token: str) -> auth.Tokens:
        """New tokens for `refresh_token`; raises `AuthFailure` when it no longer works."""
        key = hashlib.sha256(refresh_token.encode()).hexdigest()
        async with self._lock:
            now = time.monotonic()
            self._recent = {
                k: v for k, v in self._recent.items() if now - v[0] < REFRESH_GRACE_SECONDS
            }
            if key in self._recent:
                return self._recent[key][1]
            # The grace also holds across gateway copies: another copy that rotated this
            # token a moment ago for the same page kept its answer (`Identity.refresh`).
            tokens: auth.Tokens = await request.app.state.gateway.identity.refresh(
                refresh_token, grace=timedelta(seconds=REFRESH_GRACE_SECONDS)
            )
            self._recent[key] = (now, tokens)
            return tokens

    def forget(self, *refresh_tokens: str | None) -> None:
        """Drop what was answered for, or with, these refresh tokens (at logout, password
        change, deletion), so a revoked session cannot come back through the grace period."""
        gone = {hashlib.sha256(t.encode()).hexdigest() for t in refresh_tokens if t}
        self._recent = {
            key: (at, tokens)
            for key, (at, tokens) in self._recent.items()
            if key not in gone and tokens.refresh_token not in refresh_tokens
        }
