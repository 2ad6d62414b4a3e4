"""Search as you type (issue 15) through the gateway on the real database server: word
prefixes, tones, đ, zero-width characters, ranking, paging, the backfill of older startups,
and that the lookup is served by the `search_prefixes` index (explain)."""

from __future__ import annotations

from typing import Any

import httpx
from pymongo import AsyncMongoClient

from services.registry.domain import Query
from services.registry.repository import StartupStore, candidate_query
from services.registry.service import Registry
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
        # as stored before search as you type: no prefixes
        await db.startups.update_one({"_id": ids["khoi"]}, {"$unset": {"search_prefixes": ""}})
        assert await found(api, "khoi ngh") == []
        updated = await Registry(StartupStore(db), outbox=None).index_for_search()  # type: ignore[arg-type]
        assert updated == 1
        # another spelling: the gateway's cache of anonymous reads still holds the answer
        # above (no event tells it of a backfill, which runs before the registry serves)
        assert await found(api, "khởi nghi") == [ids["khoi"]]

        # the lookup a query without filters makes is an index scan, not a collection scan
        query = candidate_query({}, Query.parse("khoi ngh").lead)  # type: ignore[union-attr]
        plan = await db.command("explain", {"find": "startups", "filter": query})
        assert index_scans(plan["queryPlanner"]["winningPlan"]) == ["search_prefixes"]
    finally:
        await client.close()


def index_scans(stage: dict[str, Any]) -> list[str]:
    """The index names of every IXSCAN in an explain plan's stage tree."""
    names = [stage["indexName"]] if stage.get("stage") == "IXSCAN" else []
    for child in [stage.get("inputStage"), *stage.get("inputStages", [])]:
        if child:
            names += index_scans(child)
    return names
