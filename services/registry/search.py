"""Search as you type, bounded by design (issues 15 and 19): which indexed keys a query is
looked up by, how many candidates are read, and which of them match and who may see them.

A query never touches every match. Candidates come from `StartupStore.window`: one indexed
key (the query's adjacent word pair, e.g. "khoi ngh", else its longest word) read slot by
slot from the newest, until enough are found or the read budget is spent. Only those are
ranked (`domain.rank`); the total counts the matches among them and says when older
startups were not read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from services.registry import domain
from services.registry.repository import Audience, Window

#: Candidates wanted before ranking a page of results (more when a later page is asked),
#: and for the suggestions of the search box.
PAGE_WINDOW = 40
SUGGEST_WINDOW = 16
#: At most this many matches are ranked, so the deepest page reachable is bounded too.
LONGEST_WINDOW = 1000
#: About how many index hits one search may read (each costs the database a fetch).
READ_BUDGET = 600


class WindowStore(Protocol):
    """The bounded lookups search needs (`repository.StartupStore`)."""

    async def window(
        self, filters: Mapping[str, object], gram: str, want: int, budget: int
    ) -> Window:
        """Candidates holding `gram`, newest slots first, until `want` or `budget`."""
        ...

    async def owned_candidates(self, owner_id: str, filters: Mapping[str, object]) -> Window:
        """Every candidate of one owner equal to `filters`."""
        ...


@dataclass(frozen=True)
class Matches:
    """The ranked `(relevance, candidate)` pairs found and whether older startups may hold
    more (`estimate`)."""

    ranked: list[tuple[float, dict[str, Any]]]
    estimate: bool


async def find_matches(
    store: WindowStore,
    query: domain.Query,
    filters: Mapping[str, object],
    audience: Audience,
    want: int,
) -> Matches:
    """The candidates `audience` may see that `query` matches, ranked, from a bounded window
    of about `want` (≤ `LONGEST_WINDOW`) candidates.

    A query filtered by owner reads that owner's startups. Otherwise a two-word query reads
    by its word pair first ("khoi ngh" is one key), and by its longest word too when every
    slot of the pair was read and fewer than `want` matched (the words may not be adjacent,
    or the first may be a prefix)."""
    want = min(max(want, 1), LONGEST_WINDOW)
    budget = max(READ_BUDGET, want)
    owner = filters.get("owner_id")
    if isinstance(owner, str):
        windows = [await store.owned_candidates(owner, filters)]
    else:
        windows = []
        if query.pair is not None:
            windows.append(await store.window(filters, query.pair, want, budget))
        if not windows or (
            windows[0].complete and len(_visible_matches(query, audience, windows)) < want
        ):
            windows.append(await store.window(filters, query.lead, want, budget))
    found = _visible_matches(query, audience, windows)
    return Matches(ranked=domain.rank(query, found.values()), estimate=not windows[-1].complete)


def _visible_matches(
    query: domain.Query, audience: Audience, windows: list[Window]
) -> dict[str, dict[str, Any]]:
    """The distinct candidates of `windows` that match `query` and `audience` may see."""
    return {
        doc["_id"]: doc
        for window in windows
        for doc in window.docs
        if audience.allows(doc) and query.matches(doc)
    }
