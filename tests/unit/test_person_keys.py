"""Crypto-shredding (issue 13): a contact sealed under one person's key opens only for that
person with that key, and a service's key reader asks the gateway once per person, skips an
erased person and never reads "gateway down" as "erased"."""

from __future__ import annotations

import base64
import time

import pytest

from shared import crypto
from shared.contracts.base import Envelope, ErrorCode, Event, Role, RpcError
from shared.contracts.events.identity import (
    Contact,
    SealedContact,
    UserDeletionRequestedV1,
    UserRegisteredV1,
    UserUpdatedV1,
)
from shared.contracts.rpc.identity import GetPersonKey, PersonKey
from shared.infra import personal_data
from shared.infra.broker import RpcFailure
from shared.infra.personal_data import PersonKeys, PersonKeyUnavailable, clear_contact

LAN = Contact(email="lan.nguyen@example.vn", full_name="Nguyễn Thị Lan", phone="+84987654321")


def test_a_sealed_contact_opens_for_its_person_with_their_key() -> None:
    key = crypto.new_key()
    sealed = crypto.seal(key, "u-lan", LAN)
    assert crypto.open_sealed(key, "u-lan", sealed) == LAN
    text = sealed.model_dump_json()
    for secret in ("lan.nguyen", "Nguyễn", "Nguy\\u1ec5n", "987654321"):
        assert secret not in text
    # Two seals of the same contact differ (a fresh nonce each time).
    assert crypto.seal(key, "u-lan", LAN).ciphertext != sealed.ciphertext


def test_a_sealed_contact_moved_to_another_person_does_not_open() -> None:
    key = crypto.new_key()
    sealed = crypto.seal(key, "u-lan", LAN)
    with pytest.raises(crypto.SealBroken):
        crypto.open_sealed(key, "u-minh", sealed)


def test_a_tampered_ciphertext_or_a_wrong_key_does_not_open() -> None:
    key = crypto.new_key()
    sealed = crypto.seal(key, "u-lan", LAN)
    raw = bytearray(base64.b64decode(sealed.ciphertext))
    raw[3] ^= 0x01
    tampered = sealed.model_copy(update={"ciphertext": base64.b64encode(bytes(raw)).decode()})
    with pytest.raises(crypto.SealBroken):
        crypto.open_sealed(key, "u-lan", tampered)
    with pytest.raises(crypto.SealBroken):
        crypto.open_sealed(crypto.new_key(), "u-lan", sealed)


def test_a_key_is_32_bytes() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        crypto.seal(b"short", "u-lan", LAN)
    with pytest.raises(ValueError, match="32 bytes"):
        crypto.decode_key(base64.b64encode(b"short").decode())
    key = crypto.new_key()
    assert crypto.decode_key(crypto.encode_key(key)) == key


class Gateway:
    """Answers `GetPersonKey` as the gateway would, counting the questions."""

    def __init__(self) -> None:
        self.keys: dict[str, bytes | None] = {}
        self.asked: list[str] = []
        self.down = False

    async def call(self, broker: object, request: GetPersonKey, *, timeout: float) -> PersonKey:
        self.asked.append(request.user_id)
        if self.down:
            raise RpcFailure(RpcError(code=ErrorCode.UNAVAILABLE, message="no answer"))
        if request.user_id not in self.keys:
            return PersonKey(user_id=request.user_id, state="unknown")
        key = self.keys[request.user_id]
        if key is None:
            return PersonKey(user_id=request.user_id, state="erased")
        return PersonKey(user_id=request.user_id, state="active", key=crypto.encode_key(key))


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Gateway:
    fake = Gateway()
    monkeypatch.setattr(personal_data, "call", fake.call)
    return fake


def registered(user_id: str, key: bytes, contact: Contact = LAN) -> UserRegisteredV1:
    return UserRegisteredV1(
        user_id=user_id, sealed=crypto.seal(key, user_id, contact), role=Role.FOUNDER, version=1
    )


async def test_the_reader_opens_a_sealed_event_and_asks_the_gateway_once(
    gateway: Gateway,
) -> None:
    key = crypto.new_key()
    gateway.keys["u-lan"] = key
    keys = PersonKeys(object())  # type: ignore[arg-type]
    opened = await keys.opened(registered("u-lan", key))
    assert opened is not None
    assert clear_contact(opened) == LAN
    assert opened.sealed is None
    updated = UserUpdatedV1(
        user_id="u-lan",
        sealed=crypto.seal(key, "u-lan", LAN.model_copy(update={"phone": None})),
        role=Role.FOUNDER,
        version=2,
    )
    assert (await keys.contact(updated)) == LAN.model_copy(update={"phone": None})
    assert gateway.asked == ["u-lan"]


async def test_an_old_event_in_clear_is_read_without_asking(gateway: Gateway) -> None:
    old = UserRegisteredV1(
        user_id="u-old", email="old@example.vn", full_name="Trần Văn Cũ", role=Role.FOUNDER
    )
    keys = PersonKeys(object())  # type: ignore[arg-type]
    assert await keys.contact(old) == Contact(email="old@example.vn", full_name="Trần Văn Cũ")
    assert gateway.asked == []


async def test_an_erased_person_is_skipped_and_gateway_trouble_is_not_erasure(
    gateway: Gateway,
) -> None:
    key = crypto.new_key()
    event = registered("u-lan", key)
    keys = PersonKeys(object())  # type: ignore[arg-type]
    applied: list[Event] = []

    async def react(envelope: Envelope, e: Event) -> None:
        applied.append(e)

    async def erase(envelope: Envelope, e: Event) -> None:
        applied.append(e)

    reactions = keys.opening({UserRegisteredV1: react, UserDeletionRequestedV1: erase})
    envelope = Envelope.wrap(event, aggregate_id="u-lan")

    gateway.down = True  # no answer: raise, so the kit redelivers later
    with pytest.raises(PersonKeyUnavailable):
        await reactions[UserRegisteredV1](envelope, event)
    gateway.down = False  # the gateway answers but knows no key yet: redeliver too
    with pytest.raises(PersonKeyUnavailable):
        await reactions[UserRegisteredV1](envelope, event)
    assert applied == []

    gateway.keys["u-lan"] = key
    await reactions[UserRegisteredV1](envelope, event)
    assert len(applied) == 1

    # The erasure: the key is destroyed at the gateway; the reader forgets its copy.
    gateway.keys["u-lan"] = None
    deletion = UserDeletionRequestedV1(user_id="u-lan", request_id="r1", requested_at=envelope.time)
    await reactions[UserDeletionRequestedV1](envelope, deletion)
    await reactions[UserRegisteredV1](envelope, event)  # a replay after the erasure
    assert applied[1:] == [deletion]  # nothing personal applied
    assert await keys.contact(event) is None


async def test_a_blob_of_another_person_is_refused(gateway: Gateway) -> None:
    lan, minh = crypto.new_key(), crypto.new_key()
    gateway.keys.update({"u-lan": lan, "u-minh": minh})
    stolen = registered("u-lan", lan).sealed
    assert stolen is not None
    forged = UserRegisteredV1(user_id="u-minh", sealed=stolen, role=Role.FOUNDER)
    keys = PersonKeys(object())  # type: ignore[arg-type]
    with pytest.raises(crypto.SealBroken):
        await keys.contact(forged)


async def test_the_memory_is_bounded(gateway: Gateway) -> None:
    keys = PersonKeys(object(), capacity=3)  # type: ignore[arg-type]
    for n in range(5):
        gateway.keys[f"u{n}"] = crypto.new_key()
        await keys.key(f"u{n}")
    await keys.key("u0")  # forgotten (least recently used): asked again
    assert gateway.asked == ["u0", "u1", "u2", "u3", "u4", "u0"]


async def test_cost_of_opening_a_sealed_contact(gateway: Gateway) -> None:
    """Prints µs per event (cached key; and with the key asked of an in-process fake
    gateway, which leaves out the network round trip of the real RPC)."""
    n = 2000
    keys_by_user = {f"u{i}": crypto.new_key() for i in range(n)}
    gateway.keys.update(keys_by_user)
    events = [registered(user, key) for user, key in keys_by_user.items()]
    keys = PersonKeys(object())  # type: ignore[arg-type]
    start = time.perf_counter()
    for event in events:
        await keys.opened(event)
    uncached = (time.perf_counter() - start) / n * 1e6
    start = time.perf_counter()
    for event in events:
        await keys.opened(event)
    cached = (time.perf_counter() - start) / n * 1e6
    print(f"open sealed contact: cached {cached:.1f} µs, uncached (no network) {uncached:.1f} µs")
    assert cached < 1000


def test_a_sealed_contact_is_bounded() -> None:
    with pytest.raises(ValueError, match="String should"):
        SealedContact(key_id="ab", nonce="AAAA", ciphertext="A" * 5000)
    with pytest.raises(ValueError, match="String should"):
        SealedContact(key_id="ab", nonce="{$ne: 1}", ciphertext="AAAA")


async def test_a_rebuild_does_not_wait_for_people_it_will_not_tell(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Replaying history into a rebuilt notifications database, a startup event may come
    before its founder's identity event (whose contact is opened over the gateway): nothing
    is told for history, so it is not parked among the dead letters waiting for them."""
    from services.notifications import service, startup_notices
    from services.notifications.domain import Channel
    from tests.unit.fakes.notifications import FakeNotificationStore, RecordingSender
    from tests.unit.test_notifications_service import startup_of

    store = FakeNotificationStore()
    told = service.Notices(store, {Channel.EMAIL: RecordingSender(Channel.EMAIL)})
    with pytest.raises(service.RecipientNotYetKnown):
        await startup_notices.startup_registered(told, "e1", startup_of("late"))
    monkeypatch.setattr(service, "replaying_history", lambda: True)
    await startup_notices.startup_registered(told, "e1", startup_of("late"))
    assert store.notifications == {}
