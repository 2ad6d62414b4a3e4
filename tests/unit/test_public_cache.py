"""The gateway's public-read cache without a server: bounded, bypassed while its watch is
down, and a reply fetched while an event arrived is not kept."""

from __future__ import annotations

import pytest

from services.gateway.cache import PublicReads
from shared.contracts.rpc.registry import SearchStartups, StartupPage


def page(total: int) -> StartupPage:
    return StartupPage(items=[], total=total, page=1, page_size=20)


async def test_replies_are_kept_up_to_the_size_least_recently_used_first() -> None:
    cache = PublicReads(size=2)
    cache.trust()
    fetched: list[str] = []

    async def read(query: str) -> bytes:
        async def fetch() -> StartupPage:
            fetched.append(query)
            return page(len(fetched))

        return await cache.read(SearchStartups(q=query), fetch)

    first = await read("a")
    assert await read("a") == first
    await read("b")
    await read("c")  # drops "a", the least recently used
    assert len(cache.entries) == 2
    await read("a")
    assert fetched == ["a", "b", "c", "a"]


async def test_an_event_during_a_fetch_keeps_its_reply_out() -> None:
    cache = PublicReads(size=10)
    cache.trust()

    async def fetch_while_an_event_arrives() -> StartupPage:
        cache.clear()  # what the watch does on a registry event
        return page(1)

    await cache.read(SearchStartups(q="a"), fetch_while_an_event_arrives)
    assert cache.entries == {}


async def test_a_watch_that_is_down_bypasses_the_cache() -> None:
    cache = PublicReads(size=10)
    cache.trust()
    await cache.read(SearchStartups(q="a"), lambda: _page())
    cache.distrust()  # a disconnect: emptied, and not used
    assert cache.entries == {}
    await cache.read(SearchStartups(q="a"), lambda: _page())
    assert cache.entries == {}

    async def failing() -> StartupPage:
        raise RuntimeError("registry down")

    cache.trust()
    with pytest.raises(RuntimeError):
        await cache.read(SearchStartups(q="b"), failing)
    assert cache.entries == {}


async def _page() -> StartupPage:
    return page(1)
