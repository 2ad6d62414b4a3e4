"""Competitions' section of the district report (DESIGN §8)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from services.competitions.ports import CompetitionRepository
from services.competitions.repository import ENTRIES
from services.competitions.results import winners_of
from shared.contracts.rpc.competitions.figures import CompetitionFigures
from shared.localtime import utc


async def competition_figures(
    store: CompetitionRepository, start: datetime, end: datetime
) -> CompetitionFigures:
    """Held: published competitions whose entry deadline falls in [start, end). Entries and
    participants: submitted in the period and not withdrawn. Winners: the winning places
    of results published in the period (ties at the prize line all count), by the ward of
    the startup or school."""
    competitions = await store.competitions_past_draft()
    held = sum(1 for c in competitions if start <= utc(c["entry_deadline"]) < end)
    entries = [
        e
        for e in await store.find(ENTRIES, {})
        if start <= utc(e["submitted_at"]) < end and not e.get("withdrawn")
    ]
    winners: Counter[str] = Counter()
    count = 0
    for c in competitions:
        published = c.get("results_published_at")
        if published is None or not start <= utc(published) < end:
            continue
        for row in winners_of(c.get("results") or [], c["winners"]):
            count += 1
            winners[row.get("ward") or "unknown"] += 1
    return CompetitionFigures(
        held=held,
        entries=len(entries),
        participants=sum(int(e.get("participants") or 0) for e in entries),
        winners=count,
        winners_by_ward=dict(sorted(winners.items())),
    )
