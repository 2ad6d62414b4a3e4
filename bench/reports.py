"""The figures behind a year's district report at scale (a benchmark, not a test).

Registry and mentoring keep daily buckets of their own events; a report sums the
buckets of its period. This builds a year of buckets from 100,000 startup registrations
and 50,000 completed, rated sessions with the services' own increment rules, then times
each service's figures use case on the real database server (SecantusDB)."""

from __future__ import annotations

import asyncio
import random
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import AsyncMongoClient

from services.mentoring import domain as mentoring_rules
from services.mentoring.follow_ups import FollowUps
from services.mentoring.repository import MentoringStore
from services.registry import domain as registry_rules
from services.registry.figures import Figures
from services.registry.repository import StartupStore
from shared.contracts.base import new_id
from shared.contracts.events.mentoring import FeedbackRecordedV1, SessionCompletedV1
from shared.contracts.events.registry import (
    Stage,
    StartupRegisteredV1,
    StartupSnapshot,
    StartupStatus,
    Visibility,
)
from shared.infra.testing import temporary_database_server
from shared.localtime import local_day

YEAR = datetime(2026, 1, 1, tzinfo=UTC)
WARDS = ["hanh-thong", "an-nhon", "go-vap", "an-hoi-dong", "thong-tay-hoi", "an-hoi-tay"]


def moment() -> datetime:
    return YEAR + timedelta(minutes=random.randint(0, 365 * 24 * 60 - 1))


def nested(flat: dict[str, int]) -> dict[str, object]:
    doc: dict[str, object] = {}
    for key, value in flat.items():
        head, _, tail = key.partition(".")
        if tail:
            bucket = doc.setdefault(head, {})
            assert isinstance(bucket, dict)
            bucket[tail] = bucket.get(tail, 0) + value
        else:
            doc[head] = int(doc.get(head, 0)) + value  # type: ignore[call-overload]
    return doc


async def registry_year(count: int) -> float:
    days: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for n in range(count):
        at = moment()
        snapshot = StartupSnapshot(
            startup_id=f"s{n}",
            owner_id="o",
            name="x",
            sector=random.choice(["food", "education", "software"]),
            stage=random.choice(list(Stage)),
            ward=random.choice(WARDS),
            status=StartupStatus.SUBMITTED,
            visibility=Visibility.PUBLIC,
            women_led=random.random() < 0.4,
            youth_led=random.random() < 0.5,
            registered_at=at,
            version=1,
        )
        event = StartupRegisteredV1(startup=snapshot, actor_id="o")
        for key, value in registry_rules.figure_increments(event).items():
            days[at.date().isoformat()][key] += value
    db = CLIENT["bench_registry"]
    await db.daily_figures.insert_many([{"_id": day, **nested(v)} for day, v in days.items()])
    figures_of = Figures(StartupStore(db))
    started = time.perf_counter()
    figures = await figures_of.period(YEAR, YEAR.replace(year=2027))
    elapsed = time.perf_counter() - started
    assert figures.registered == count
    return elapsed


async def mentoring_year(count: int) -> float:
    # The day documents as `MentoringStore.count_once` leaves them (counters and the ids of
    # the events counted), written at once: the bench measures the read.
    days: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    for n in range(count):
        at = moment()
        for event in (
            SessionCompletedV1(
                session_id=f"x{n}",
                mentor_id="m",
                founder_id="f",
                duration_minutes=60,
                completed_at=at,
                starts_at=at,
            ),
            FeedbackRecordedV1(session_id=f"x{n}", mentor_id="m", founder_id="f", rating=4),
        ):
            found = mentoring_rules.figure_entry(event, at)
            assert found is not None
            counts, _, when = found
            day = days[local_day(when)]
            for key, value in counts.items():
                day[key] += value
            day.setdefault("counted", []).append(new_id())
    db = CLIENT["bench_mentoring"]
    await db.figure_days.insert_many([{"_id": day, **v} for day, v in days.items()])
    follow_ups = FollowUps(MentoringStore(db))
    started = time.perf_counter()
    figures = await follow_ups.figures(YEAR, YEAR.replace(year=2027))
    elapsed = time.perf_counter() - started
    assert figures.sessions_held == count
    return elapsed


CLIENT: AsyncMongoClient[dict[str, Any]]


async def main(url: str) -> None:
    global CLIENT
    CLIENT = AsyncMongoClient(url, journal=True)
    random.seed(5)
    registry = await registry_year(100_000)
    mentoring = await mentoring_year(50_000)
    print(f"registry figures, a year of 100,000 startups: {registry * 1000:.0f} ms")
    print(f"mentoring figures, a year of 50,000 sessions: {mentoring * 1000:.0f} ms")
    print("(the gateway asks the services concurrently; a year is 365 daily buckets each)")


if __name__ == "__main__":
    with temporary_database_server() as server:
        asyncio.run(main(server.url))
