"""Cost of the registry's search ranking as matches grow (a benchmark, not a test).

Candidates come from MongoDB's multikey index on the folded words (`$all`), so the
database reads only documents holding every word; the service then ranks all of them
(exact diacritics first, then name matches, then newest) and returns one page. This
measures that ranking step for growing match counts, and the embedded store's end-to-end
search on a 20,000-startup collection, which has no indexes and scans.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import UTC, datetime, timedelta

from pymongo import AsyncMongoClient

from services.registry import domain
from services.registry.repository import INDEXES, Audience, StartupStore
from shared.infra.mongo import ensure_indexes
from shared.infra.testing import temporary_database_server

WORDS = [
    "đổi",
    "mới",
    "nông",
    "nghiệp",
    "công",
    "nghệ",
    "giáo",
    "dục",
    "thực",
    "phẩm",
    "sạch",
    "xanh",
    "hoà",
    "bình",
    "thủy",
    "sản",
    "khởi",
    "nghiệp",
    "sáng",
    "tạo",
    "gò",
    "vấp",
    "phần",
    "mềm",
    "du",
    "lịch",
    "năng",
    "lượng",
    "tái",
    "chế",
    "thời",
    "trang",
]


def startup(number: int) -> dict[str, object]:
    name = " ".join(random.sample(WORDS, 3)).title()
    summary = " ".join(random.choices(WORDS, k=12))
    return {
        "_id": f"s{number}",
        "owner_id": f"o{number}",
        "name": name,
        "name_key": f"{number}",
        "summary": summary,
        "status": "verified",
        "visibility": "public",
        "registered_at": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=number),
        **domain.search_fields(name, summary),
    }


def bench_ranking() -> None:
    query = domain.Query.parse("Đổi Mới")
    assert query is not None
    for matches in (1_000, 10_000, 50_000):
        docs = [startup(n) for n in range(matches)]
        started = time.perf_counter()
        domain.rank(query, docs)
        elapsed = (time.perf_counter() - started) * 1000
        print(f"rank {matches:>6} matches: {elapsed:8.1f} ms")


async def bench_embedded(url: str, size: int) -> None:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(url, journal=True)
    db = client["bench_registry_search"]
    await db.startups.insert_many([startup(n) for n in range(size)])
    store = StartupStore(db)
    await ensure_indexes(db, INDEXES)
    query = domain.Query.parse("doi moi nong")
    assert query is not None
    started = time.perf_counter()
    everyone = Audience(everything=True)
    matches, total = await store.search({}, everyone, words=list(query.folded), skip=0, limit=None)
    page = domain.rank(query, matches)[:20]
    elapsed = (time.perf_counter() - started) * 1000
    await client.close()
    print(
        f"database server, {size} startups, 3-word query: {total} matches, {elapsed:.0f} ms, page {len(page)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--embedded-size", type=int, default=20_000)
    args = parser.parse_args()
    random.seed(7)
    bench_ranking()
    with temporary_database_server() as server:
        asyncio.run(bench_embedded(server.url, args.embedded_size))


if __name__ == "__main__":
    main()
