"""A verified access token is remembered, never beyond its expiry or its revocation, and a
token that differs by one character is verified on its own (issue 19)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from services.gateway import auth
from services.gateway.auth import AccessTokens, TokenError
from shared.contracts.base import Actor, Role

KEY = "a-signing-key-long-enough-for-hs256-tests"
LAN = Actor(id="lan", role=Role.FOUNDER)


def test_a_remembered_token_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = AccessTokens(KEY, "innohub", timedelta(minutes=15))
    token = tokens.issue(LAN, now=datetime.now(UTC) - timedelta(minutes=14, seconds=59))
    assert tokens.verify(token) == LAN
    assert tokens.verify(token) == LAN  # remembered
    later = time.time() + 2
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(TokenError) as expired:
        tokens.verify(token)
    assert expired.value.code == "token_expired"


def test_a_tampered_copy_of_a_remembered_token_is_refused() -> None:
    tokens = AccessTokens(KEY, "innohub", timedelta(minutes=15))
    token = tokens.issue(LAN)
    assert tokens.verify(token) == LAN
    head, payload, signature = token.split(".")
    forged = ".".join((head, payload, signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")))
    with pytest.raises(TokenError) as refused:
        tokens.verify(forged)
    assert refused.value.code == "invalid_token"


def test_when_full_it_forgets_and_verifies_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "VERIFIED_TOKENS", 3)
    tokens = AccessTokens(KEY, "innohub", timedelta(minutes=15))
    issued = [tokens.issue(Actor(id=f"u{n}", role=Role.FOUNDER)) for n in range(7)]
    assert [tokens.verify(t).id for t in issued] == [f"u{n}" for n in range(7)]
    assert len(tokens._verified) <= 3
