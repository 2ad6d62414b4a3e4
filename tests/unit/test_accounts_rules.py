"""Accounts rules without I/O (issue 17, issue 13): token versions end access tokens,
tones fold for search, the last admin stays, the client address behind trusted proxies,
shared fixed-window limits, and the password-reset email kept out of the inbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.gateway import domain
from services.gateway.auth import AccessTokens, TokenError, TokenVersions
from services.gateway.problems import Problem
from services.gateway.ratelimit import SharedLimits, client_address, trusted_networks
from services.notifications import directory, transactional
from services.notifications.domain import RULES, Channel, Kind, Preferences, QuietHours
from services.notifications.service import Notices, RecipientNotYetKnown
from shared.contracts.base import Actor, Role, new_id
from shared.contracts.events.identity import PasswordResetRequestedV1, UserRegisteredV1
from tests.unit.fakes.notifications import FakeNotificationStore, RecordingSender

KEY = "a-signing-key-long-enough-for-hs256-tests"


def test_a_token_below_the_users_version_is_revoked_and_a_new_one_works() -> None:
    tokens = AccessTokens(KEY, "innohub", timedelta(minutes=15))
    lan = Actor(id="lan", role=Role.FOUNDER)
    old = tokens.issue(lan, token_version=0)
    assert tokens.verify(old) == lan
    assert tokens.versions.raise_to("lan", 1) is True
    assert tokens.versions.raise_to("lan", 1) is False  # not news: a broadcast repeated
    with pytest.raises(TokenError) as revoked:
        tokens.verify(old)
    assert revoked.value.code == "token_revoked"
    assert tokens.verify(tokens.issue(lan, token_version=1)) == lan
    # Someone else's tokens are untouched; versions never go back down.
    assert tokens.verify(tokens.issue(Actor(id="minh", role=Role.MENTOR))).id == "minh"
    tokens.versions.raise_to("lan", 0)
    assert tokens.versions.accepts("lan", 1) and not tokens.versions.accepts("lan", 0)


def test_one_map_serves_every_verifier_of_a_process() -> None:
    """The web session cookie and the bearer header verify with the same object."""
    shared = TokenVersions()
    tokens = AccessTokens(KEY, "innohub", timedelta(minutes=15), shared)
    token = tokens.issue(Actor(id="u", role=Role.ADMIN))
    shared.raise_to("u", 3)
    with pytest.raises(TokenError):
        tokens.verify(token)


def test_search_folds_vietnamese_tones_and_case() -> None:
    assert domain.fold("Lê Đức Anh") == "le duc anh"
    assert domain.fold("  NGUYỄN   Thị  Hoà ") == "nguyen thi hoa"
    assert domain.search_key("Trần Thị Hoa", "Hoa@Example.vn") == "tran thi hoa hoa@example.vn"


def test_the_last_active_admin_cannot_demote_or_disable_themself() -> None:
    base = {"actor_id": "a", "target_id": "a", "target_role": "admin"}
    assert domain.leaves_no_admin(**base, new_role="mentor", disabling=False, active_admins=1)
    assert domain.leaves_no_admin(**base, new_role=None, disabling=True, active_admins=1)
    assert not domain.leaves_no_admin(**base, new_role="admin", disabling=False, active_admins=1)
    assert not domain.leaves_no_admin(**base, new_role="mentor", disabling=False, active_admins=2)
    other = {**base, "target_id": "b"}
    assert not domain.leaves_no_admin(**other, new_role="mentor", disabling=True, active_admins=1)


def test_forwarded_for_is_believed_only_from_a_trusted_proxy() -> None:
    proxies = trusted_networks(["10.0.0.0/8", "192.168.1.1"])
    assert client_address("203.0.113.5", "1.2.3.4", proxies) == "203.0.113.5"
    assert client_address("10.1.2.3", "203.0.113.9", proxies) == "203.0.113.9"
    # The client can forge the left entries, not the one the proxy appended.
    assert client_address("10.1.2.3", "6.6.6.6, 203.0.113.9", proxies) == "203.0.113.9"
    assert client_address("10.1.2.3", "203.0.113.9, 192.168.1.1", proxies) == "203.0.113.9"
    assert client_address("10.1.2.3", "not-an-address", proxies) == "10.1.2.3"
    assert client_address("10.1.2.3", None, proxies) == "10.1.2.3"
    assert client_address(None, "1.2.3.4", proxies) == "unknown"
    with pytest.raises(ValueError, match="does not appear to be"):
        trusted_networks(["proxy.example"])


class MemoryCounters:
    def __init__(self) -> None:
        self.counts: dict[tuple[str, datetime], int] = {}

    async def hit(self, key: str, window_start: datetime, expires_at: datetime) -> int:
        self.counts[(key, window_start)] = self.counts.get((key, window_start), 0) + 1
        return self.counts[(key, window_start)]

    async def count(self, key: str, window_start: datetime) -> int:
        return self.counts.get((key, window_start), 0)


async def test_fixed_windows_refuse_past_the_limit_and_open_again() -> None:
    now = [datetime(2026, 11, 30, 3, 0, 10, tzinfo=UTC)]
    limits = SharedLimits(MemoryCounters(), 60.0, clock=lambda: now[0])
    for _ in range(3):
        await limits.hit({"ip:1": 3})
    with pytest.raises(Problem) as refused:
        await limits.hit({"ip:1": 3})
    assert refused.value.code == "rate_limited"
    assert refused.value.headers["Retry-After"] == "50"
    with pytest.raises(Problem):
        await limits.check({"ip:1": 3})
    await limits.check({"ip:2": 3})
    now[0] += timedelta(seconds=55)
    await limits.check({"ip:1": 3})


# --- transactional email ---------------------------------------------------------------

NOW = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 23:00 in Gò Vấp, inside quiet hours


def world() -> tuple[Notices, FakeNotificationStore, RecordingSender]:
    store = FakeNotificationStore()
    email = RecordingSender(Channel.EMAIL)
    return Notices(store, {Channel.EMAIL: email}, clock=lambda: NOW), store, email


async def test_the_reset_link_is_emailed_at_night_and_never_put_in_the_inbox() -> None:
    notices, store, email = world()
    await directory.user_registered(
        notices,
        new_id(),
        UserRegisteredV1(
            user_id="lan", email="lan@example.vn", full_name="Nguyễn Thị Lan", role=Role.FOUNDER
        ),
    )
    event = PasswordResetRequestedV1(
        user_id="lan", token="bi-mat-dung-mot-lan", expires_at=NOW + timedelta(minutes=30)
    )
    sent = await transactional.password_reset(
        notices, event, base_url="https://innohub.govap.vn/", now=NOW
    )
    assert sent
    [(contact, message)] = email.sent
    assert contact.email == "lan@example.vn"
    assert message.title == "Đặt lại mật khẩu Gò Vấp InnoHub"
    assert "https://innohub.govap.vn/password-reset?token=bi-mat-dung-mot-lan" in message.body
    assert "30 phút" in message.body and "Nguyễn Thị Lan" in message.body
    assert all("bi-mat" not in str(item) for item in store.notifications.values())
    # Expired already: nothing goes out.
    late = event.model_copy(update={"expires_at": NOW - timedelta(seconds=1)})
    assert not await transactional.password_reset(notices, late, base_url="x", now=NOW)
    with pytest.raises(RecipientNotYetKnown):
        await transactional.password_reset(
            notices, event.model_copy(update={"user_id": "later"}), base_url="x", now=NOW
        )


def test_a_welcome_is_not_held_by_quiet_hours_or_the_digest() -> None:
    from services.notifications import messages
    from services.notifications.domain import Contact, deliveries
    from shared.contracts.base import Locale

    assert RULES[Kind.WELCOME].immediate
    who = Contact("u1", "lan@example.vn", "Nguyễn Thị Lan", "founder", Locale.VI)
    note = messages.compose(Kind.WELCOME, who, event_id="e1", at=NOW)
    for preferences in (Preferences(quiet_hours=QuietHours()), Preferences(digest=True)):
        [planned] = deliveries(note, who, preferences, NOW)
        assert planned.due_at == NOW and not planned.digest


async def test_a_revocation_broadcast_counts_only_when_signed_by_the_gateway() -> None:
    import json
    from types import SimpleNamespace
    from typing import Any, cast

    from services.gateway.revocation import TokenRevocations

    versions = TokenVersions()
    revocations = TokenRevocations(versions, cast("Any", None), KEY)
    forged = {"user_id": "lan", "token_version": 99, "sig": "0" * 64}
    await revocations._on_message(cast("Any", SimpleNamespace(data=json.dumps(forged).encode())))
    await revocations._on_message(cast("Any", SimpleNamespace(data=b"not json")))
    assert versions.accepts("lan", 0)
    signed = {"user_id": "lan", "token_version": 2, "sig": revocations._signature("lan", 2)}
    await revocations._on_message(cast("Any", SimpleNamespace(data=json.dumps(signed).encode())))
    assert not versions.accepts("lan", 1) and versions.accepts("lan", 2)
    other_key = TokenRevocations(TokenVersions(), cast("Any", None), "another-key-entirely")
    assert other_key._signature("lan", 2) != signed["sig"]
