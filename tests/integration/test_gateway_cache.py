"""The gateway's cache of public startup reads (issue 19): served from memory, and an edit
made anywhere is visible as soon as the registry's event reaches the gateway."""

from __future__ import annotations

import re

import httpx
from faststream.nats import NatsBroker

from services.gateway.cache import CACHE, PublicReads
from shared.contracts.base import Actor, Role
from shared.contracts.rpc.registry import StartupChanges, UpdateStartup
from shared.infra.broker import call, make_broker
from shared.infra.settings import Settings
from shared.infra.testing import eventually
from tests.integration.test_registry import API, create, founder, staff


def cache_of(api: httpx.AsyncClient) -> PublicReads:
    cache = api.app.state.gateway.extras[CACHE]  # type: ignore[attr-defined]
    assert isinstance(cache, PublicReads)
    return cache


async def test_an_edit_made_elsewhere_is_visible_within_one_event(
    registry_api: httpx.AsyncClient, settings: Settings
) -> None:
    api = registry_api
    owner = await founder(api, "cache@example.vn")
    created = await create(api, owner, name="Cà phê muối")
    verified = await api.post(f"{API}/startups/{created['id']}/verify", headers=await staff(api))
    assert verified.status_code == 200, verified.text
    cache = cache_of(api)
    await eventually(lambda: _true(), until=lambda _: cache.trusted, timeout=10)

    async def public_name() -> str:
        response = await api.get(f"{API}/startups/{created['id']}")
        assert response.status_code == 200, response.text
        return str(response.json()["name"])

    async def search_total() -> int:
        response = await api.get(f"{API}/startups", params={"q": "tra sua"})
        return int(response.json()["total"])

    assert await public_name() == "Cà phê muối"
    hits = cache.hits
    assert await public_name() == "Cà phê muối"
    assert cache.hits == hits + 1  # the second read came from memory
    assert await search_total() == 0
    assert await search_total() == 0

    async def page_title() -> str:
        page = await api.get(f"/startups/{created['id']}")
        assert page.status_code == 200
        found = re.search(r"<h1[^>]*>([^<]+)</h1>", page.text)
        return found.group(1).strip() if found else ""

    # The public web page reads the same cache (the JSON was read once above).
    hits = cache.hits
    assert await page_title() == "Cà phê muối"
    assert cache.hits == hits + 1
    assert (await api.get("/startups/khong-co-du-an-nay")).status_code == 404

    # edited straight through the registry, not through this gateway's routes
    broker: NatsBroker = make_broker(settings)
    await broker.connect()
    try:
        staff_actor = Actor(id="staff-elsewhere", role=Role.ASSOCIATION_STAFF)
        edit = UpdateStartup(
            actor=staff_actor,
            startup_id=created["id"],
            changes=StartupChanges(version=verified.json()["version"], name="Trà sữa muối"),
        )
        await call(broker, edit, timeout=10)
    finally:
        await broker.stop()
    assert await eventually(public_name, until=lambda name: name == "Trà sữa muối", timeout=5)
    assert await eventually(search_total, until=lambda total: total == 1, timeout=5)
    assert await eventually(page_title, until=lambda title: title == "Trà sữa muối", timeout=5)


async def test_an_edit_through_the_gateway_is_read_back_at_once(
    registry_api: httpx.AsyncClient,
) -> None:
    api = registry_api
    owner = await founder(api, "cache2@example.vn")
    created = await create(api, owner, name="Bánh tráng trộn")
    verified = (
        await api.post(f"{API}/startups/{created['id']}/verify", headers=await staff(api))
    ).json()
    assert (await api.get(f"{API}/startups/{created['id']}")).json()["name"] == "Bánh tráng trộn"
    edited = await api.patch(
        f"{API}/startups/{created['id']}",
        json={"version": verified["version"], "name": "Bánh tráng nướng"},
        headers=owner,
    )
    assert edited.status_code == 200, edited.text
    read = await api.get(f"{API}/startups/{created['id']}")
    assert read.json()["name"] == "Bánh tráng nướng"  # no waiting: the write emptied it


async def _true() -> bool:
    return True
