"""Search as you type, bounded by design (issues 15 and 19): which indexed keys a query is
looked up by, how many candidates are read, and which of them match and who may see them;
the search, suggestion and start-up indexing use cases (`StartupSearch`).

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
from services.registry.ports import StartupRepository
from services.registry.repository import Audience, Window
from services.registry.views import view
from shared.contracts.base import Actor
from shared.contracts.events.registry import Visibility
from shared.contracts.rpc.registry import (
    SearchStartups,
    StartupPage,
    StartupSuggestion,
    StartupSuggestions,
    SuggestStartups,
)
from shared.infra.logging import get_logger
from shared.infra.mongo import Document

log = get_logger(__name__)

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


def audience(actor: Actor | None) -> Audience:
    """Staff see every startup; others the public, listed ones and their own (DESIGN §9)."""
    if domain.is_staff(actor):
        return Audience(everything=True)
    return Audience(
        everything=False,
        listed_statuses=tuple(s.value for s in domain.LISTED),
        public_visibility=Visibility.PUBLIC.value,
        viewer_id=actor.id if actor else None,
    )


class StartupSearch:
    """Finding startups (DESIGN §7, §9): the filtered, ranked listing, the search box's
    suggestions, and the start-up backfill of search keys, over the `StartupRepository`."""

    def __init__(self, store: StartupRepository) -> None:
        self.store = store

    async def search(self, actor: Actor | None, request: SearchStartups) -> StartupPage:
        """One page of the startups `actor` may see, filtered by the request's fields. With
        `q` (its first 100 characters, 8 words) every typed word must start a word of the name
        or summary, accents, case and đ/d aside ("khoi ngh" finds "Khởi nghiệp"), and results
        are ranked by `domain.relevance` (whole words first), then newest; else newest first.
        Only a bounded window of the newest candidates is read and ranked (`find_matches`);
        `total_is_estimate` says when older startups were not read.
        """
        filters: Document = {}
        for key in ("ward", "sector", "stage", "status", "women_led", "youth_led", "owner_id"):
            value = getattr(request, key)
            if value is not None:
                filters[key] = value.value if hasattr(value, "value") else value
        seeing = audience(actor)
        skip = (request.page - 1) * request.page_size
        parsed = domain.Query.parse(request.q)
        if parsed is None:
            docs, total = await self.store.search(
                filters, seeing, skip=skip, limit=request.page_size
            )
            items = [view(doc, actor) for doc in docs]
            return StartupPage(
                items=items, total=total, page=request.page, page_size=request.page_size
            )
        want = max(PAGE_WINDOW, skip + request.page_size + 1)
        found = await find_matches(self.store, parsed, filters, seeing, want)
        chosen = found.ranked[skip : skip + request.page_size]
        docs = await self.store.by_ids([doc["_id"] for _, doc in chosen])
        scores = {doc["_id"]: score for score, doc in chosen}
        items = [view(doc, actor, scores[doc["_id"]]) for doc in docs]
        return StartupPage(
            items=items,
            total=len(found.ranked),
            page=request.page,
            page_size=request.page_size,
            total_is_estimate=found.estimate,
        )

    async def suggest(self, actor: Actor | None, request: SuggestStartups) -> StartupSuggestions:
        """Up to `request.limit` startups `actor` may see for what is typed in the search box,
        ranked as `search`, from a small window of the newest candidates (no total)."""
        parsed = domain.Query.parse(request.q)
        if parsed is None:
            return StartupSuggestions(items=[])
        found = await find_matches(self.store, parsed, {}, audience(actor), SUGGEST_WINDOW)
        chosen = [doc["_id"] for _, doc in found.ranked[: request.limit]]
        return StartupSuggestions(
            items=[
                StartupSuggestion(id=doc["_id"], name=doc["name"], summary=doc["summary"])
                for doc in await self.store.by_ids(chosen)
            ]
        )

    async def index_for_search(self, batch: int = 500) -> int:
        """Give every startup stored before bounded search keys its number (`search_seq`, the
        oldest first) and search fields (`domain.search_keys` included), `batch` at a time;
        returns how many were updated. Run at start-up, so old data is found by prefix."""
        updated = 0
        while older := await self.store.without_keys(batch):
            unnumbered = [doc for doc in older if "search_seq" not in doc]
            seq = await self.store.next_seqs(len(unnumbered)) if unnumbered else 0
            for doc in older:
                if "search_seq" not in doc:
                    doc["search_seq"], seq = seq, seq + 1
                name, summary = doc.get("name", ""), doc.get("summary", "")
                fields: Document = {
                    **domain.search_fields(name, summary),
                    "search_seq": doc["search_seq"],
                    "search_keys": domain.search_keys(name, summary, doc["search_seq"]),
                }
                await self.store.set_search_fields(doc["_id"], fields)
            updated += len(older)
        if updated:
            log.info("startups.indexed_for_search", startups=updated)
        return updated
