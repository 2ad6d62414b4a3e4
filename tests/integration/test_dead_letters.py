"""An admin lists the events a consumer gave up on and replays them."""

from __future__ import annotations

import json

import httpx
from nats.js import JetStreamContext

from shared.contracts.base import Envelope
from shared.contracts.streams import DLQ, IDENTITY, dead_letter_subject
from shared.infra.broker import consumer_options, make_broker
from shared.infra.settings import Settings
from shared.infra.testing import eventually
from tests.integration.conftest import bearer, login, register

API = "/api/v1"


async def test_list_and_replay_a_dead_letter(
    api: httpx.AsyncClient, settings: Settings, js: JetStreamContext
) -> None:
    broken = {"on": True}
    handled: list[str] = []
    broker = make_broker(settings)

    async def fragile(envelope: Envelope) -> None:
        if broken["on"]:
            raise RuntimeError("kho lưu trữ tạm thời không phản hồi")
        handled.append(envelope.id)

    # called, not used as a decorator: `subscriber` takes its options as `**dict[str, Any]`
    broker.subscriber(
        "identity.user.registered.v1",
        **consumer_options(settings, stream=IDENTITY, durable="tests-fragile"),
    )(fragile)

    await broker.start()
    try:
        user_id = (await register(api, "dlq@example.vn")).json()["id"]
        admin = bearer(
            (await login(api, "admin@govap.gov.vn", "quan-tri-vien-2026"))["access_token"]
        )

        async def letters() -> list[dict[str, object]]:
            response = await api.get(f"{API}/admin/dead-letters", headers=admin)
            assert response.status_code == 200, response.text
            items: list[dict[str, object]] = response.json()["items"]
            # The email travels sealed (issue 13): the letter names the account by its id.
            return [i for i in items if user_id in str(i["message"])]

        [letter] = await eventually(letters, until=lambda items: len(items) == 1)
        assert letter["error"] == "RuntimeError: kho lưu trữ tạm thời không phản hồi"
        assert letter["original_subject"] == "identity.user.registered.v1"
        assert letter["consumer"] == "tests-fragile"
        founder = bearer((await login(api, "dlq@example.vn"))["access_token"])
        assert (await api.get(f"{API}/admin/dead-letters", headers=founder)).status_code == 403

        broken["on"] = False  # the fault is fixed
        replayed = await api.post(f"{API}/admin/dead-letters/{letter['id']}/replay", headers=admin)
        assert replayed.status_code == 200, replayed.text

        async def done() -> list[str]:
            return handled

        await eventually(done)
        assert len(handled) == 1
        assert await letters() == []
        again = await api.post(f"{API}/admin/dead-letters/{letter['id']}/replay", headers=admin)
        assert again.status_code == 404
    finally:
        await broker.stop()


async def test_dead_letters_page_like_every_list(
    api: httpx.AsyncClient, settings: Settings, js: JetStreamContext
) -> None:
    """`?page=2` is the second page and `total` counts every letter, not the page's
    (issue 14); a replayed (deleted) letter leaves a hole the pages step over."""
    broker = make_broker(settings)
    await broker.start()
    try:
        sequences = []
        for n in range(5):
            letter = {
                "original_subject": "identity.user.registered.v1",
                "stream": "IDENTITY",
                "consumer": "tests-pages",
                "delivered": 5,
                "error": f"RuntimeError: lỗi {n}",
                "failed_at": "2026-11-30T01:00:00+00:00",
                "headers": {},
                "message": f"thư {n}",
            }
            ack = await js.publish(
                dead_letter_subject("IDENTITY", "tests-pages"), json.dumps(letter).encode()
            )
            sequences.append(ack.seq)
        await js.delete_msg(DLQ.name, sequences[1])
        admin = bearer(
            (await login(api, "admin@govap.gov.vn", "quan-tri-vien-2026"))["access_token"]
        )
        pages = []
        for page in (1, 2, 3):
            response = await api.get(
                f"{API}/admin/dead-letters",
                params={"page": page, "page_size": 2},
                headers=admin,
            )
            assert response.status_code == 200, response.text
            pages.append(response.json())
        assert [p["total"] for p in pages] == [4, 4, 4]
        assert [p["page"] for p in pages] == [1, 2, 3]
        assert [[i["message"] for i in p["items"]] for p in pages] == [
            ["thư 0", "thư 2"],
            ["thư 3", "thư 4"],
            [],
        ]
    finally:
        await broker.stop()
