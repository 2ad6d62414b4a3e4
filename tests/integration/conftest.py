from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress

import httpx
import nats
import pytest
from faststream import FastStream, TestApp
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from pymongo import AsyncMongoClient

from services.events.app import build_app as build_events
from services.gateway import seed
from services.gateway.app import build_app as build_gateway
from services.notifications.app import build_app as build_notifications
from services.registry.app import build_app as build_registry
from shared.infra.mongo import Document, make_mongo_client
from shared.infra.settings import Settings
from shared.infra.testing import NatsServer, eventually


@pytest.fixture
async def js(nats_server: NatsServer) -> AsyncIterator[JetStreamContext]:
    """A JetStream context on a server whose streams were removed: each test starts clean."""
    client = await nats.connect(nats_server.url)
    context = client.jetstream()
    for info in await context.streams_info():
        assert info.config.name is not None  # the server names every stream it lists
        with suppress(NotFoundError):
            await context.delete_stream(info.config.name)
    yield context
    await client.close()


@pytest.fixture
def gateway_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "service": "gateway",
            "admin_email": "admin@govap.gov.vn",
            "admin_password": "quan-tri-vien-2026",
            "auth_rate_limit_per_minute": 1000,
        }
    )


@asynccontextmanager
async def running_gateway(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = build_gateway(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            client.app = app  # type: ignore[attr-defined]
            yield client


@asynccontextmanager
async def running_service(
    build_app: Callable[[Settings], FastStream], settings: Settings, service: str
) -> AsyncIterator[FastStream]:
    """A service's FastStream app started in this process against the test nats-server."""
    app = build_app(settings.model_copy(update={"service": service}))
    async with TestApp(app):
        yield app


@pytest.fixture
async def notifications_service(settings: Settings, js: JetStreamContext) -> AsyncIterator[None]:
    async with running_service(build_notifications, settings, "notifications"):
        yield


@pytest.fixture
async def api(
    gateway_settings: Settings, js: JetStreamContext, notifications_service: None
) -> AsyncIterator[httpx.AsyncClient]:
    async with running_gateway(gateway_settings) as client:
        yield client


async def register(
    api: httpx.AsyncClient, email: str, *, password: str = "mat-khau-du-dai", **extra: object
) -> httpx.Response:
    body = {"email": email, "password": password, "full_name": "Lê Minh Châu", "consent": True}
    return await api.post("/api/v1/auth/register", json={**body, **extra})


async def login(
    api: httpx.AsyncClient, email: str, password: str = "mat-khau-du-dai"
) -> dict[str, str]:
    response = await api.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def registry_api(
    settings: Settings, api: httpx.AsyncClient
) -> AsyncIterator[httpx.AsyncClient]:
    async with running_service(build_registry, settings, "registry"):
        await registry_knows_reference_data(settings)
        yield api


async def registry_knows_reference_data(settings: Settings) -> None:
    """Wait until every seeded ward and sector has reached the registry's read model from
    the gateway's reference events; before that a valid ward is refused as unknown."""
    client: AsyncMongoClient[Document] = make_mongo_client(settings)
    db = client[settings.database_name("registry")]
    wards = {str(ward["code"]) for ward in seed.wards()}
    sectors = {str(sector["code"]) for sector in seed.SECTORS}

    async def known() -> tuple[set[str], set[str]]:
        return (
            {doc["_id"] async for doc in db.wards.find({}, {"_id": 1})},
            {doc["_id"] async for doc in db.sectors.find({}, {"_id": 1})},
        )

    try:
        await eventually(known, until=lambda found: found == (wards, sectors), timeout=30)
    finally:
        await client.close()


@pytest.fixture
async def events_api(
    settings: Settings, api: httpx.AsyncClient, js: JetStreamContext
) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway's API with the events service running (events, and the organizations
    an event may name)."""
    async with running_service(build_events, settings, "events"):
        yield api
