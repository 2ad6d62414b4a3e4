"""The one aggregate base (DESIGN §5) against the store the services really use: versioned
updates lose races cleanly and a read model never goes back to an older snapshot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from shared.infra.mongo import (
    AggregateCollection,
    AlreadyExists,
    Database,
    close_mongo_client,
    make_mongo_client,
)
from shared.infra.outbox import OUTBOX_FIELD
from shared.infra.settings import Settings


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    client = make_mongo_client(settings)
    yield client[settings.database_name()]
    await close_mongo_client(client)


async def test_upsert_if_newer_never_goes_back_to_an_older_snapshot(db: Database) -> None:
    models = AggregateCollection(db["wards"], {})

    assert await models.upsert_if_newer("w", {"name": "v2"}, 2) is True
    assert await models.upsert_if_newer("w", {"name": "v1"}, 1) is False
    assert await models.upsert_if_newer("w", {"name": "again"}, 2) is False
    assert await models.get("w") == {"_id": "w", "name": "v2", "version": 2}
    assert await models.upsert_if_newer("w", {"name": "v3"}, 3) is True
    assert (await models.get("w") or {})["name"] == "v3"


async def test_upsert_if_newer_keeps_the_newest_whatever_the_order(db: Database) -> None:
    models = AggregateCollection(db["startups"], {})
    versions = list(range(1, 21))
    await asyncio.gather(
        *(models.upsert_if_newer("s", {"name": f"v{v}"}, v) for v in reversed(versions))
    )
    assert await models.get("s") == {"_id": "s", "name": "v20", "version": 20}


async def test_versioned_update_writes_once_per_version(db: Database) -> None:
    things = AggregateCollection(db["things"])
    await things.insert({"_id": "t", "version": 1, "n": 0}, [])
    with pytest.raises(AlreadyExists):
        await things.insert({"_id": "t", "version": 1}, [])

    results = await asyncio.gather(
        *(things.update("t", 1, set_={"n": n}, push={"log": n}) for n in range(5))
    )
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert winners[0]["version"] == 2
    assert OUTBOX_FIELD not in winners[0]
    assert await things.update("t", 1, set_={"n": 99}) is None
    items, total = await things.page({}, limit=10)
    assert total == 1 and items[0]["n"] == winners[0]["n"]
