"""`Idempotency-Key` on POST: a client's retry after a timeout never acts twice (issue 11)."""

from __future__ import annotations

from typing import Any

import httpx

from services.registry.app import build_app as build_registry
from shared.contracts.base import Actor, Role
from shared.contracts.rpc.registry import RegisterStartup, StartupFields, StartupView
from shared.infra.broker import call, make_broker
from shared.infra.settings import Settings
from shared.infra.testing import eventually
from tests.integration.conftest import registry_knows_reference_data, running_service
from tests.integration.test_registry import founder, startup, wait_ready

API = "/api/v1"


async def owned(api: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    listed = await api.get(f"{API}/startups", params={"page_size": 100}, headers=headers)
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


async def test_same_key_replays_the_first_answer_and_creates_once(
    registry_api: httpx.AsyncClient,
) -> None:
    api = registry_api
    lan = await founder(api, "lan@example.vn")
    await wait_ready(api, lan)
    key = {"Idempotency-Key": "3f1c6a0e-lan-first"}
    first = await api.post(f"{API}/startups", json=startup(), headers={**lan, **key})
    assert first.status_code == 201, first.text
    again = await api.post(f"{API}/startups", json=startup(), headers={**lan, **key})
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert [s["id"] for s in await owned(api, lan)] == [first.json()["id"]]

    other_body = await api.post(
        f"{API}/startups", json=startup("Một Tên Khác"), headers={**lan, **key}
    )
    assert other_body.status_code == 422
    assert other_body.json()["code"] == "idempotency_key_reused"
    assert len(await owned(api, lan)) == 1


async def test_keys_belong_to_their_caller(registry_api: httpx.AsyncClient) -> None:
    api = registry_api
    lan = await founder(api, "lan2@example.vn")
    minh = await founder(api, "minh@example.vn")
    await wait_ready(api, lan)
    key = {"Idempotency-Key": "same-key"}
    mine = await api.post(f"{API}/startups", json=startup("Trà Sữa Xanh"), headers={**lan, **key})
    theirs = await api.post(f"{API}/startups", json=startup("Cà Phê Muối"), headers={**minh, **key})
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    assert theirs.json()["name"] == "Cà Phê Muối"


async def test_a_bad_key_is_refused_and_nothing_is_created(
    registry_api: httpx.AsyncClient,
) -> None:
    api = registry_api
    lan = await founder(api, "lan3@example.vn")
    await wait_ready(api, lan)
    for bad in ("x" * 256, "khóa-có-dấu", " "):
        response = await api.post(
            f"{API}/startups",
            json=startup(),
            # as bytes: the non-ASCII key is sent as the UTF-8 a client would send
            headers=[
                *((name.encode(), value.encode()) for name, value in lan.items()),
                (b"Idempotency-Key", bad.encode("utf-8")),
            ],
        )
        assert response.status_code == 400, bad
        assert response.json()["code"] == "idempotency_key_invalid"
    assert await owned(api, lan) == []


async def test_a_failed_attempt_is_not_kept_so_the_retry_acts(
    settings: Settings, api: httpx.AsyncClient
) -> None:
    """The registry is down: the first attempt answers 503 and is not kept; the retry with
    the same key, once the registry is up, creates the startup."""
    lan = await founder(api, "lan4@example.vn")
    key = {"Idempotency-Key": "retry-after-outage"}
    down = await api.post(f"{API}/startups", json=startup(), headers={**lan, **key})
    assert down.status_code == 503, down.text
    async with running_service(build_registry, settings, "registry"):
        await registry_knows_reference_data(settings)
        retried = await api.post(f"{API}/startups", json=startup(), headers={**lan, **key})
        assert retried.status_code == 201, retried.text
        assert [s["id"] for s in await owned(api, lan)] == [retried.json()["id"]]


async def test_a_command_repeated_after_a_lost_reply_returns_what_it_made(
    settings: Settings, api: httpx.AsyncClient
) -> None:
    """The gateway timed out while the registry acted: the same request key sent again (as
    the gateway does on the client's retry) returns the first startup, not a second one."""
    lan = await founder(api, "lan5@example.vn")
    me = (await api.get(f"{API}/me", headers=lan)).json()
    actor = Actor(id=me["id"], role=Role.FOUNDER)
    fields = StartupFields.model_validate(startup())
    broker = make_broker(settings.model_copy(update={"service": "tests"}))
    async with running_service(build_registry, settings, "registry"):
        await registry_knows_reference_data(settings)
        await broker.connect()
        try:
            request = RegisterStartup(actor=actor, startup=fields, request_key="k" * 64)

            async def send() -> StartupView:
                return await call(broker, request, timeout=5)

            first = await send()
            second = await eventually(send)
        finally:
            await broker.stop()
        assert second.id == first.id
        assert [s["id"] for s in await owned(api, lan)] == [first.id]
