"""`rpc.gateway.person_key.get` (crypto-shredding, issue 13): the gateway hands a person's
key to the services while the person's account lives, and never after the erasure."""

from __future__ import annotations

import json
import time

from nats.js import JetStreamContext
from pymongo import AsyncMongoClient

from shared import crypto
from shared.contracts.events.identity import Contact, UserRegisteredV1, UserUpdatedV1
from shared.contracts.rpc.identity import GetPersonKey
from shared.infra.broker import call, make_broker
from shared.infra.mongo import Document
from shared.infra.personal_data import PersonKeys
from shared.infra.settings import Settings
from tests.integration.conftest import running_gateway
from tests.integration.test_crypto_shredding import (
    API,
    ERASED_EMAIL,
    ERASED_NAME,
    ERASED_PHONE,
    person,
)


async def test_the_gateway_answers_a_person_key_until_the_erasure(
    gateway_settings: Settings, js: JetStreamContext
) -> None:
    """`rpc.gateway.person_key.get`: the key that opens the registration event's sealed
    contact; `erased` once the person asked for erasure; `unknown` for no such person.
    Prints the round trip (µs) of an uncached key and of a cached one."""
    settings = gateway_settings
    async with running_gateway(settings) as api:
        user_id, headers = await person(
            api, ERASED_NAME, ERASED_EMAIL, ERASED_PHONE, idempotency_key="k"
        )
        broker = make_broker(settings)
        await broker.connect()
        try:
            identity = await js.get_last_msg("IDENTITY", "identity.user.registered.v1")
            event = UserRegisteredV1.model_validate(json.loads(identity.data or b"{}")["data"])
            assert event.email is None and event.sealed is not None
            answer = await call(broker, GetPersonKey(user_id=user_id), timeout=5)
            assert answer.state == "active" and answer.key
            key = crypto.decode_key(answer.key)
            assert crypto.open_sealed(key, user_id, event.sealed) == Contact(
                email=ERASED_EMAIL.lower(), full_name=ERASED_NAME, phone="+84912345678"
            )
            assert (await call(broker, GetPersonKey(user_id="nobody"), timeout=5)).state == (
                "unknown"
            )
            keys = PersonKeys(broker)
            rounds = 50
            start = time.perf_counter()
            for _ in range(rounds):
                keys.forget(user_id)
                await keys.opened(event)
            uncached = (time.perf_counter() - start) / rounds * 1e6
            start = time.perf_counter()
            for _ in range(rounds):
                await keys.opened(event)
            cached = (time.perf_counter() - start) / rounds * 1e6
            print(
                f"open sealed contact over NATS: uncached {uncached:.0f} µs, cached {cached:.0f} µs"
            )

            assert (await api.delete(f"{API}/me", headers=headers)).status_code == 202
            gone = await call(broker, GetPersonKey(user_id=user_id), timeout=5)
            assert gone.state == "erased" and gone.key is None
            keys.forget(user_id)
            assert await keys.opened(event) is None
        finally:
            await broker.stop()


async def test_an_account_older_than_its_key_gets_one_with_its_next_change(
    gateway_settings: Settings, js: JetStreamContext, mongo: AsyncMongoClient[Document]
) -> None:
    """Accounts made before issue 13 have no key (their old events are in clear): the
    gateway says `unknown` until their next change, which makes the key in the same write
    and publishes the change sealed under it."""
    settings = gateway_settings
    async with running_gateway(settings) as api:
        user_id, headers = await person(
            api, ERASED_NAME, ERASED_EMAIL, ERASED_PHONE, idempotency_key="k2"
        )
        users = mongo[settings.database_name("gateway")].users
        await users.update_one({"_id": user_id}, {"$unset": {"person_key": ""}})
        broker = make_broker(settings)
        await broker.connect()
        try:
            before = await call(broker, GetPersonKey(user_id=user_id), timeout=5)
            assert before.state == "unknown"
            changed = await api.patch(f"{API}/me", json={"phone": "0987000111"}, headers=headers)
            assert changed.status_code == 200, changed.text
            after = await call(broker, GetPersonKey(user_id=user_id), timeout=5)
            assert after.state == "active" and after.key
            message = await js.get_last_msg("IDENTITY", "identity.user.updated.v1")
            event = UserUpdatedV1.model_validate(json.loads(message.data or b"{}")["data"])
            assert event.user_id == user_id and event.sealed is not None
            opened = crypto.open_sealed(crypto.decode_key(after.key), user_id, event.sealed)
            assert opened.phone == "+84987000111"
        finally:
            await broker.stop()
