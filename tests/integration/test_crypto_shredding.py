"""Issue 13, personal data out of the long-lived log (crypto-shredding): a person who asked
for erasure is found nowhere afterwards, not in any database, not in any stream (the
IDENTITY stream keeps its events for 400 days), not after every read model was rebuilt from
those streams; a person who did not ask is all there after the rebuild."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
from bson import json_util
from faststream import FastStream
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from services.competitions.app import build_app as build_competitions
from services.events.app import build_app as build_events
from services.gateway.repository import UserStore
from services.mentoring.app import build_app as build_mentoring
from services.notifications.app import build_app as build_notifications
from services.registry.app import build_app as build_registry
from shared.contracts.base import Envelope, Role
from shared.contracts.events.identity import UserRegisteredV1
from shared.contracts.streams import DLQ, IDENTITY
from shared.infra.broker import consumer_options, make_broker
from shared.infra.mongo import make_mongo_client
from shared.infra.settings import Settings
from shared.infra.testing import eventually
from shared.text import fold
from tests.integration.conftest import (
    bearer,
    login,
    registry_knows_reference_data,
    running_gateway,
    running_service,
)
from tests.integration.test_events import body as event_body
from tests.integration.test_events import organizer
from tests.integration.test_initiatives import dossier
from tests.integration.test_registry import startup

API = "/api/v1"
PASSWORD = "mat-khau-du-dai"
SERVICES: dict[str, Callable[[Settings], FastStream]] = {
    "registry": build_registry,
    "mentoring": build_mentoring,
    "competitions": build_competitions,
    "events": build_events,
    "notifications": build_notifications,
}

ERASED_NAME = "Đỗ Thị Quỳnh Hương"
ERASED_EMAIL = "Quynh.Huong.Xoa@Example.vn"
ERASED_PHONE = "0912345678"
KEPT_NAME = "Vũ Văn Giữ"
KEPT_EMAIL = "vu.van.giu@example.vn"


def needles(name: str, email: str, phone: str) -> list[str]:
    """Lower-case forms to look for: the name NFC, NFD, tone-folded and JSON-escaped, the
    email, and the phone's national digits (in 0…, +84… or any other dress)."""
    nfc = unicodedata.normalize("NFC", name).lower()
    return [
        nfc,
        unicodedata.normalize("NFD", nfc),
        fold(name),
        json.dumps(nfc)[1:-1],
        email.lower(),
        phone.lstrip("0"),
    ]


@asynccontextmanager
async def services(settings: Settings, *, rebuild: bool = False) -> AsyncIterator[None]:
    """Every service of the stack, started in this process (rebuilding its read models
    from the streams first when `rebuild`, as `python -m services.<name> rebuild-read-models`
    does)."""
    async with AsyncExitStack() as stack:
        for name, build in SERVICES.items():
            copy = settings.model_copy(update={"rebuild_read_models": rebuild})
            await stack.enter_async_context(running_service(build, copy, name))
        yield


async def caught_up(js: JetStreamContext) -> bool:
    """Every durable consumer of every stream has handled (and acknowledged) everything."""
    for stream in await js.streams_info():
        for consumer in await js.consumers_info(str(stream.config.name)):
            if consumer.num_pending or consumer.num_ack_pending:
                return False
    return True


async def until_caught_up(js: JetStreamContext) -> None:
    async def check() -> bool:
        return await caught_up(js)

    await eventually(check, until=bool, timeout=60)


def readable(value: Any) -> Any:
    """`value` with every binary field (a kept response body, a key) decoded as UTF-8 text,
    so text inside bytes is searched too instead of being hidden in base64."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        return {key: readable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [readable(item) for item in value]
    return value


async def database_text(settings: Settings) -> dict[str, str]:
    """Every document of every collection of every database of this test's stack, as
    lower-case JSON text, by `database.collection`."""
    client = make_mongo_client(settings)
    found: dict[str, str] = {}
    try:
        for service in ("gateway", *SERVICES):
            db = client[settings.database_name(service)]
            for collection in await db.list_collection_names():
                docs = [readable(doc) for doc in await db[collection].find().to_list()]
                text = json_util.dumps(docs, ensure_ascii=False).lower()
                found[f"{db.name}.{collection}"] = text
    finally:
        await client.close()
    return found


async def stream_text(js: JetStreamContext) -> dict[str, str]:
    """Every message still kept in every stream (DLQ included), headers and data, as
    lower-case text, by `STREAM#sequence`."""
    found: dict[str, str] = {}
    for info in await js.streams_info():
        name = str(info.config.name)
        if not info.state.messages:
            continue
        for seq in range(max(info.state.first_seq, 1), info.state.last_seq + 1):
            try:
                msg = await js.get_msg(name, seq)
            except NotFoundError:
                continue
            raw = (msg.data or b"").decode("utf-8", "replace") + json.dumps(msg.headers or {})
            found[f"{name}#{seq}"] = raw.lower()
    return found


def holding(texts: dict[str, str], wanted: list[str]) -> dict[str, list[str]]:
    """Which places hold which of the `wanted` forms."""
    return {
        where: hits
        for where, text in texts.items()
        if (hits := [needle for needle in wanted if needle and needle in text])
    }


FRAGILE = "tests-fragile"


@asynccontextmanager
async def fragile_consumer(settings: Settings, js: JetStreamContext) -> AsyncIterator[None]:
    """A consumer of registrations that always fails while it runs, so the kit parks them in
    `DLQ` (with the event in full); it is removed afterwards."""
    broker = make_broker(settings)

    async def fragile(envelope: Envelope) -> None:
        raise RuntimeError("kho lưu trữ tạm thời không phản hồi")

    # called, not used as a decorator: `subscriber` takes its options as `**dict[str, Any]`
    broker.subscriber(
        "identity.user.registered.v1",
        **consumer_options(settings, stream=IDENTITY, durable=FRAGILE),
    )(fragile)

    await broker.start()
    try:
        yield
    finally:
        await broker.stop()
        await js.delete_consumer(IDENTITY.name, FRAGILE)


async def person(
    api: httpx.AsyncClient, name: str, email: str, phone: str, *, idempotency_key: str
) -> tuple[str, dict[str, str]]:
    """Sign up (under an Idempotency-Key, so the gateway keeps the 201 for replay) and in."""
    body = {
        "email": email,
        "password": PASSWORD,
        "full_name": name,
        "phone": phone,
        "consent": True,
    }
    made = await api.post(
        f"{API}/auth/register", json=body, headers={"Idempotency-Key": idempotency_key}
    )
    assert made.status_code == 201, made.text
    headers = bearer((await login(api, email, PASSWORD))["access_token"])
    return made.json()["id"], headers


async def test_an_erased_person_is_nowhere_even_after_every_read_model_is_rebuilt(
    gateway_settings: Settings, js: JetStreamContext
) -> None:
    settings = gateway_settings
    gone = needles(ERASED_NAME, ERASED_EMAIL, ERASED_PHONE)
    kept = needles(KEPT_NAME, KEPT_EMAIL, "0987111222")
    async with running_gateway(settings) as api:
        async with services(settings):
            await registry_knows_reference_data(settings)
            org = await organizer(api, "to-chuc.xoa@govap.gov.vn")
            async with fragile_consumer(settings, js):
                erased_id, her = await person(
                    api, ERASED_NAME, ERASED_EMAIL, ERASED_PHONE, idempotency_key="dang-ky-1"
                )

                async def letters() -> dict[str, str]:
                    return {
                        where: text
                        for where, text in (await stream_text(js)).items()
                        if where.startswith("DLQ#") and erased_id in text
                    }

                # Her registration event is parked among the dead letters too.
                await eventually(letters, until=bool)
            kept_id, him = await person(
                api, KEPT_NAME, KEPT_EMAIL, "0987111222", idempotency_key="dang-ky-2"
            )
            # Traces the gateway keeps beside the account: a failed sign-in counted by
            # address, a password-reset token and its hourly count, a profile change.
            wrong = {"email": ERASED_EMAIL, "password": "sai-mat-khau-roi"}
            assert (await api.post(f"{API}/auth/login", json=wrong)).status_code == 401
            reset = await api.post(f"{API}/auth/password-reset", json={"email": ERASED_EMAIL})
            assert reset.status_code == 202, reset.text
            changed = await api.patch(f"{API}/me", json={"locale": "en"}, headers=her)
            assert changed.status_code == 200, changed.text

            # Things that reach every service: a startup (registry), a consultation request
            # (mentoring), an initiative (competitions), an event seat (events), and the
            # inbox (notifications).
            for who in (her, him):
                made = await api.post(f"{API}/startups", json=startup("Nông Sản Sạch"), headers=who)
                assert made.status_code == 201, made.text
                ask = {
                    "startup_id": made.json()["id"],
                    "topics": ["legal"],
                    "message": "Xin tư vấn đăng ký nhãn hiệu.",
                }

                async def consult(ask: dict[str, Any] = ask, who: dict[str, str] = who) -> int:
                    sent = await api.post(f"{API}/consultations", json=ask, headers=who)
                    return sent.status_code

                assert await eventually(consult, until=lambda s: s != 404) == 201
                filed = await api.post(f"{API}/initiatives", json=dossier(), headers=who)
                assert filed.status_code == 201, filed.text
            created = await api.post(f"{API}/events", json=event_body(5), headers=org)
            assert created.status_code == 201, created.text
            path = f"{API}/events/{created.json()['id']}"
            assert (await api.post(f"{path}/publish", headers=org)).status_code == 200
            for who in (her, him):
                seat = await api.post(f"{path}/registrations", json={}, headers=who)
                assert seat.status_code == 201, seat.text

            # Every service took both people in.
            await until_caught_up(js)
            before = holding(await database_text(settings), gone)
            for db in ("registry", "mentoring", "competitions", "events", "notifications"):
                assert any(where.startswith(settings.database_name(db)) for where in before), db

            receipt = await api.delete(f"{API}/me", headers=her)
            assert receipt.status_code == 202, receipt.text
            await until_caught_up(js)
            assert holding(await database_text(settings), gone) == {}

        # Every service rebuilds its read models from the streams, and catches up.
        async with services(settings, rebuild=True):
            clients = make_mongo_client(settings)
            try:

                async def back() -> tuple[Any, Any]:
                    registry = clients[settings.database_name("registry")]
                    notifications = clients[settings.database_name("notifications")]
                    return (
                        await registry.contacts.find_one({"_id": kept_id}),
                        await notifications.contacts.find_one({"_id": kept_id}),
                    )

                contacts = await eventually(back, until=lambda c: None not in c, timeout=60)
            finally:
                await clients.close()
            await until_caught_up(js)
            assert contacts[0]["full_name"] == KEPT_NAME
            assert contacts[1]["email"] == KEPT_EMAIL
            databases = await database_text(settings)
            streams = await stream_text(js)

    assert holding(databases, gone) == {}, "an erased person's data in a database"
    assert holding(streams, gone) == {}, "an erased person's data in a stream"
    # The rebuilt stack is not empty-handed: the other person is all there.
    kept_in = holding(databases, kept)
    for service in SERVICES:
        assert any(w.startswith(settings.database_name(service)) for w in kept_in), service
    assert any(where.startswith("IDENTITY#") for where in holding(streams, [kept_id]))
    assert erased_id and kept_id


async def legacy_registration(
    js: JetStreamContext, user_id: str, name: str, email: str, phone: str
) -> bytes:
    """Publish, as the gateway did before contacts were sealed, the person's registration
    with email, name and phone in clear; returns the event as published."""
    event = UserRegisteredV1(
        user_id=user_id, email=email.lower(), full_name=name, phone=phone, role=Role.FOUNDER
    )
    envelope = Envelope.wrap(event, aggregate_id=user_id)
    data = envelope.model_dump_json().encode()
    await js.publish(event.subject, data, stream=IDENTITY.name)
    return data


async def test_erasure_deletes_the_clear_contacts_of_events_published_before_sealing(
    gateway_settings: Settings, js: JetStreamContext
) -> None:
    settings = gateway_settings.model_copy(update={"log_cleanup_seconds": 0.2})
    gone = needles(ERASED_NAME, ERASED_EMAIL, ERASED_PHONE)
    kept = needles(KEPT_NAME, KEPT_EMAIL, "0987111222")
    async with running_gateway(settings) as api:
        erased_id, her = await person(
            api, ERASED_NAME, ERASED_EMAIL, ERASED_PHONE, idempotency_key="cu-1"
        )
        kept_id, _ = await person(api, KEPT_NAME, KEPT_EMAIL, "0987111222", idempotency_key="cu-2")
        late_id, late = await person(
            api, "Phan Văn Sau", "sau@example.vn", "0911000111", idempotency_key="cu-3"
        )
        clients = make_mongo_client(settings)
        users = clients[settings.database_name("gateway")].users
        # Both made as an older gateway made accounts (without `sealed_from_start`), which
        # left both registrations in clear, and hers dead-lettered by a consumer that
        # failed on it.
        await users.update_many(
            {"_id": {"$in": [erased_id, kept_id]}}, {"$unset": {"sealed_from_start": ""}}
        )
        old = await legacy_registration(js, erased_id, ERASED_NAME, ERASED_EMAIL, ERASED_PHONE)
        await legacy_registration(js, kept_id, KEPT_NAME, KEPT_EMAIL, "0987111222")
        letter = {"original_subject": "identity.user.registered.v1", "message": old.decode()}
        await js.publish(
            "dlq.identity.tests-old-consumer",
            json.dumps(letter, ensure_ascii=False).encode(),
            stream=DLQ.name,
        )
        before = holding(await stream_text(js), gone)
        assert any(where.startswith("IDENTITY#") for where in before), before
        assert any(where.startswith("DLQ#") for where in before), before

        receipt = await api.delete(f"{API}/me", headers=her)
        assert receipt.status_code == 202, receipt.text
        # An account made since sealing never published a clear contact: its erasure is
        # not walked for (the walk reads the whole stream).
        assert (await api.delete(f"{API}/me", headers=late)).status_code == 202
        waiting = await UserStore(
            clients[settings.database_name("gateway")]
        ).erased_with_log_to_clean(10)
        assert late_id not in waiting

        async def still_there() -> dict[str, list[str]]:
            return holding(await stream_text(js), gone)

        assert await eventually(still_there, until=lambda found: not found, timeout=30) == {}
        # The person who did not ask keeps their (old, clear) registration.
        assert any(where.startswith("IDENTITY#") for where in holding(await stream_text(js), kept))
        try:

            async def cleaned_at() -> Any:
                marked = await users.find_one({"_id": erased_id})
                return marked and marked.get("log_cleaned_at")

            # Marked by the walk after the one that deleted (it confirms nothing is left).
            assert await eventually(cleaned_at, until=bool, timeout=30)
            other = await users.find_one({"_id": kept_id})
            assert other is not None and "log_cleaned_at" not in other
        finally:
            await clients.close()
