"""A service that comes back on an empty database (a new copy, a lost volume) catches up
from the streams, and an operator can force the rebuild (issue 11)."""

from __future__ import annotations

import httpx
from nats.js import JetStreamContext

from services.notifications.app import build_app as build_notifications
from services.registry.app import build_app as build_registry
from shared.infra.mongo import Document, close_mongo_client, make_mongo_client
from shared.infra.settings import Settings
from shared.infra.testing import eventually
from tests.integration.conftest import (
    registry_knows_reference_data,
    running_gateway,
    running_service,
)
from tests.integration.test_notifications import inbox
from tests.integration.test_registry import founder, staff, startup

API = "/api/v1"


async def drop_database(settings: Settings, service: str) -> None:
    client = make_mongo_client(settings)
    await client.drop_database(settings.database_name(service))
    await close_mongo_client(client)


async def read_model(settings: Settings, service: str, collection: str) -> list[Document]:
    client = make_mongo_client(settings)
    try:
        return await client[settings.database_name(service)][collection].find().to_list()
    finally:
        await close_mongo_client(client)


async def test_a_registry_on_a_lost_database_rebuilds_its_read_models(
    settings: Settings, api: httpx.AsyncClient
) -> None:
    lan = await founder(api, "lan@example.vn")
    async with running_service(build_registry, settings, "registry"):
        await registry_knows_reference_data(settings)
        me = (await api.get(f"{API}/me", headers=lan)).json()["id"]
        contacts = await eventually(
            lambda: read_model(settings, "registry", "contacts"),
            until=lambda docs: me in {doc["_id"] for doc in docs},
        )
    await drop_database(settings, "registry")  # the volume is lost while it is down
    async with running_service(build_registry, settings, "registry"):
        # Wards and sectors came from the gateway's events long ago: they come back, and so
        # does the founder, so registering a startup works without any manual step.
        await registry_knows_reference_data(settings)
        known = {doc["_id"] for doc in contacts}
        await eventually(
            lambda: read_model(settings, "registry", "contacts"),
            until=lambda docs: known <= {doc["_id"] for doc in docs},
        )
        created = await api.post(f"{API}/startups", json=startup(), headers=lan)
        assert created.status_code == 201, created.text


async def test_forced_rebuild_restores_a_damaged_read_model(
    settings: Settings, api: httpx.AsyncClient
) -> None:
    async with running_service(build_registry, settings, "registry"):
        await registry_knows_reference_data(settings)
    client = make_mongo_client(settings)
    await client[settings.database_name("registry")]["wards"].delete_many({})
    await close_mongo_client(client)
    rebuild = settings.model_copy(update={"rebuild_read_models": True})
    async with running_service(build_registry, rebuild, "registry"):
        await registry_knows_reference_data(settings)


async def test_notifications_on_a_lost_database_know_everyone_and_resend_nothing(
    gateway_settings: Settings, js: JetStreamContext
) -> None:
    """Notifications come back on a new database: the contacts are rebuilt from the
    streams, history is not told twice, and the next event reaches its person."""
    settings = gateway_settings
    async with (
        running_gateway(settings) as api,
        running_service(build_registry, settings, "registry"),
    ):
        await registry_knows_reference_data(settings)
        async with running_service(build_notifications, settings, "notifications"):
            owner = await founder(api, "owner@example.vn")
            checker = await staff(api, "staff-r@hdn.govap.vn")
            # Known before the startup's event arrives (issue 13 makes that order not matter).
            await eventually(lambda: inbox(api, owner), until=lambda items: len(items) == 1)
            created = await api.post(f"{API}/startups", json=startup(), headers=owner)
            assert created.status_code == 201, created.text
            await eventually(lambda: inbox(api, owner), until=lambda items: len(items) == 2)
        await drop_database(settings, "notifications")
        async with running_service(build_notifications, settings, "notifications"):
            await eventually(
                lambda: read_model(settings, "notifications", "contacts"),
                until=lambda docs: (
                    {d.get("email") for d in docs} >= {"owner@example.vn", "staff-r@hdn.govap.vn"}
                ),
            )
            # The welcome and the receipt were told when they happened: not again.
            assert await read_model(settings, "notifications", "notifications") == []
            assert await read_model(settings, "notifications", "deliveries") == []
            verified = await api.post(
                f"{API}/startups/{created.json()['id']}/verify", headers=checker
            )
            assert verified.status_code == 200, verified.text
            told = await eventually(lambda: inbox(api, owner), until=lambda items: len(items) == 1)
            assert told[0]["kind"] == "startup_verified"
