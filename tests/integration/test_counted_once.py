"""Issue 13: report counters are keyed by event id in the same write, so a redelivery, a
second copy handling the same message or a dead-letter replay counts nothing twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from services.registry.repository import StartupStore
from shared.infra.mongo import Database, close_mongo_client, make_mongo_client
from shared.infra.settings import Settings


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    client = make_mongo_client(settings)
    yield client[settings.database_name("registry")]
    await close_mongo_client(client)


async def test_an_event_delivered_many_times_at_once_is_counted_once(db: Database) -> None:
    store = StartupStore(db)
    day = "2026-11-30"
    # The same event handled by two copies and redelivered, all at the same moment, beside
    # three other events of the same day.
    same = [store.add_to_day(day, {"registered": 1}, "event-a") for _ in range(8)]
    others = [store.add_to_day(day, {"registered": 1}, f"event-{n}") for n in "bcd"]
    outcomes = await asyncio.gather(*same, *others)
    assert sum(outcomes[:8]) == 1
    assert all(outcomes[8:])
    # A replay from the dead-letter queue a day later changes nothing either.
    assert not await store.add_to_day(day, {"registered": 1}, "event-b")
    [bucket] = await store.days(day, "2026-12-01")
    assert bucket["registered"] == 4
    assert "counted_events" not in bucket


async def test_mentoring_counts_the_first_events_of_a_day_arriving_together(
    settings: Settings,
) -> None:
    """Two different events that both open a new day's figures must both count."""
    from services.mentoring.repository import MentoringStore

    client = make_mongo_client(settings)
    try:
        store = MentoringStore(client[settings.database_name("mentoring")])
        day = "2026-11-30"
        first = [store.count_once(f"e{n}", day, {"sessions": 1}, {}) for n in range(6)]
        again = [store.count_once("e0", day, {"sessions": 1}, {}) for _ in range(3)]
        await asyncio.gather(*first, *again)
        [bucket] = await store.figure_days(day, "2026-12-01")
        assert bucket["sessions"] == 6
    finally:
        await close_mongo_client(client)
