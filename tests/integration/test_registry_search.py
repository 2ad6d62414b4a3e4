"""Search as you type (issues 15 and 19) through the gateway on the real database server:
word prefixes, tones, đ, zero-width characters, ranking, paging, the backfill of older
startups, that the lookup is served by the `search_keys` index (explain), the bounded window
(`total_is_estimate`) and the search box's suggestions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from services.registry import domain, search
from services.registry.domain import Query
from services.registry.repository import (
    COUNTERS,
    STARTUP_SEQ,
    STARTUPS,
    StartupStore,
    candidate_query,
)
from shared.contracts.rpc.registry import SearchStartups, SuggestStartups
from shared.infra.mongo import Document, make_mongo_client
from shared.infra.settings import Settings
from tests.integration.test_registry import API, create, founder, staff


async def found(api: httpx.AsyncClient, q: str, **params: Any) -> list[str]:
    response = await api.get(f"{API}/startups", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def listed(
    api: httpx.AsyncClient, owner: dict[str, str], checker: dict[str, str]
) -> dict[str, str]:
    names = {
        "kho": "Kho lạnh",
        "khoi": "Khởi nghiệp xanh Gò Vấp",
        "doi": "Đổi mới sáng tạo",
        "khoai": "Khoai lang nghiền",
    }
    ids = {}
    for number, (key, name) in enumerate(names.items()):
        created = await create(api, owner, name=name, summary=f"Mô tả số {number}.")
        ids[key] = created["id"]
        verified = await api.post(f"{API}/startups/{created['id']}/verify", headers=checker)
        assert verified.status_code == 200, verified.text
    return ids


async def test_prefixes_find_what_whole_words_find(registry_api: httpx.AsyncClient) -> None:
    api = registry_api
    ids = await listed(
        api, await founder(api, "prefix@example.vn"), await staff(api, "st5@hdn.govap.vn")
    )
    khoi = [ids["khoi"]]
    for typed in (
        "khoi ngh",
        "khởi nghiệp",
        "KHỞI NGH",
        "kh\u200boi ngh",
        "gò v",
        "go vap",
        "Gò Vấp",
    ):
        assert await found(api, typed) == khoi, typed
    assert await found(api, "xanh g") == khoi  # every word a prefix, in any order
    # đ folds to d, both ways
    assert await found(api, "đ") == [ids["doi"]]
    assert await found(api, "d") == [ids["doi"]]
    assert await found(api, "dổi m") == [ids["doi"]]
    assert await found(api, "khoi ngx") == []
    assert await found(api, "zzz") == []


async def test_whole_words_rank_first_then_newest(registry_api: httpx.AsyncClient) -> None:
    api = registry_api
    ids = await listed(
        api, await founder(api, "rank@example.vn"), await staff(api, "st6@hdn.govap.vn")
    )
    # "kho" is a whole word of the oldest; the two newer ones only start with it
    assert await found(api, "kho") == [ids["kho"], ids["khoai"], ids["khoi"]]
    first = (await api.get(f"{API}/startups", params={"q": "kh", "page_size": 2})).json()
    second = (
        await api.get(f"{API}/startups", params={"q": "kh", "page_size": 2, "page": 2})
    ).json()
    assert first["total"] == second["total"] == 3
    assert [item["id"] for item in first["items"]] == [ids["khoai"], ids["khoi"]]  # newest first
    assert [item["id"] for item in second["items"]] == [ids["kho"]]
    assert (await api.get(f"{API}/startups", params={"q": "x" * 101})).status_code == 422


async def test_older_startups_are_indexed_and_the_index_serves_the_lookup(
    registry_api: httpx.AsyncClient, settings: Settings
) -> None:
    api = registry_api
    ids = await listed(
        api, await founder(api, "old@example.vn"), await staff(api, "st7@hdn.govap.vn")
    )
    client: AsyncMongoClient[Document] = make_mongo_client(settings)
    db = client[settings.database_name("registry")]
    try:
        # as stored before bounded search keys: unnumbered, with the old unbounded prefixes
        await db.startups.update_one(
            {"_id": ids["khoi"]},
            {
                "$unset": {"search_keys": "", "search_seq": ""},
                "$set": {"search_prefixes": ["khoi"]},
            },
        )
        assert await found(api, "khoi ngh") == []
        updated = await search.StartupSearch(StartupStore(db)).index_for_search()
        assert updated == 1
        stored = await db.startups.find_one({"_id": ids["khoi"]})
        assert stored is not None and "search_prefixes" not in stored
        counter = await db[COUNTERS].find_one({"_id": STARTUP_SEQ})
        assert counter is not None and stored["search_seq"] == counter["value"]
        # another spelling: the gateway's cache of anonymous reads still holds the answer
        # above (no event tells it of a backfill, which runs before the registry serves)
        assert await found(api, "khởi nghi") == [ids["khoi"]]

        # the lookup a query without filters makes is an index scan, not a collection scan
        pair = Query.parse("khoi ngh").pair  # type: ignore[union-attr]
        assert pair == "khoi ngh"
        for slots in ([0], [2, 1, 0]):
            query = candidate_query({}, pair, slots)
            plan = await db.command("explain", {"find": "startups", "filter": query})
            assert index_scans(plan["queryPlanner"]["winningPlan"]) == ["search_keys"]
    finally:
        await client.close()


def index_scans(stage: dict[str, Any]) -> list[str]:
    """The index names of every IXSCAN in an explain plan's stage tree."""
    names = [stage["indexName"]] if stage.get("stage") == "IXSCAN" else []
    for child in [stage.get("inputStage"), *stage.get("inputStages", [])]:
        if child:
            names += index_scans(child)
    return names


async def test_a_page_reads_a_bounded_window_and_says_the_total_is_an_estimate(
    registry_api: httpx.AsyncClient, settings: Settings, monkeypatch: Any
) -> None:
    """Many matching startups in many slots: a page reads only the newest few slots, still
    ranks whole words first among them, and marks `total` as an estimate."""
    client: AsyncMongoClient[Document] = make_mongo_client(settings)
    db = client[settings.database_name("registry")]
    monkeypatch.setattr(search, "PAGE_WINDOW", 5)
    monkeypatch.setattr(search, "SUGGEST_WINDOW", 5)
    monkeypatch.setattr(domain, "SLOT_SIZE", 2)
    try:
        first = await db[COUNTERS].find_one_and_update(
            {"_id": STARTUP_SEQ}, {"$inc": {"value": 40}}, upsert=True, return_document=True
        )
        assert first is not None
        base = int(first["value"]) - 40
        docs = []
        for n in range(1, 41):
            name = f"Nông sản sạch {n}" + (" Phượng Hoàng" if n == 1 else "")
            summary = "Rau quả Gò Vấp."
            docs.append(
                {
                    "_id": f"bulk{n:03d}",
                    "owner_id": "bulk-owner",
                    "name_key": domain.name_key(name),
                    "name": name,
                    "summary": summary,
                    "status": "verified",
                    "visibility": "public",
                    "sector": "agriculture",
                    "stage": "mvp",
                    "ward": "go-vap",
                    "women_led": n == 2,
                    "youth_led": False,
                    "needs": [],
                    "team": [],
                    "version": 1,
                    "updated_at": datetime(2026, 1, 1, tzinfo=UTC),
                    "registered_at": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n),
                    **domain.search_fields(name, summary),
                    "search_seq": base + n,
                    "search_keys": domain.search_keys(name, summary, base + n),
                }
            )
        await db[STARTUPS].insert_many(docs)
        finder = search.StartupSearch(StartupStore(db))

        page = await finder.search(None, SearchStartups(q="nông s", page_size=3))
        assert page.total_is_estimate and 5 <= page.total < 40
        assert [item.id for item in page.items] == ["bulk040", "bulk039", "bulk038"]
        # a later page widens the window rather than answering empty
        deep = await finder.search(None, SearchStartups(q="nong san", page=5, page_size=5))
        assert [item.id for item in deep.items] == [f"bulk{n:03d}" for n in range(20, 15, -1)]
        # a word only the oldest holds: every slot is read, the total is exact
        rare = await finder.search(None, SearchStartups(q="phượng"))
        assert not rare.total_is_estimate
        assert [item.id for item in rare.items] == ["bulk001"] and rare.total == 1

        # a filter is checked on the candidates: an old match is still found
        women = await finder.search(None, SearchStartups(q="nông s", women_led=True))
        assert [item.id for item in women.items] == ["bulk002"]
        assert not women.total_is_estimate

        hints = await finder.suggest(None, SuggestStartups(q="gò v"))
        assert [h.id for h in hints.items][:3] == ["bulk040", "bulk039", "bulk038"]
        assert len(hints.items) <= 8
    finally:
        await client.close()


async def test_the_search_box_suggests_through_the_rpc(registry_api: httpx.AsyncClient) -> None:
    """`GET /search?q=` (the fragment the search box swaps in) lists what is typed for."""
    api = registry_api
    ids = await listed(
        api, await founder(api, "hint@example.vn"), await staff(api, "st8@hdn.govap.vn")
    )
    response = await api.get("/search", params={"q": "khoi ngh"}, headers={"HX-Request": "true"})
    assert response.status_code == 200, response.text
    assert f"/startups/{ids['khoi']}" in response.text
    assert f"/startups/{ids['kho']}" not in response.text
