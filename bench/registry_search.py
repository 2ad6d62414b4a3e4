"""Search as you type at 100,000 startups on the real database server (a benchmark, not a
test): p50/p95 of the registry's suggestion use case (`rpc.registry.startup.suggest`, the
search box) and of its page of results (`rpc.registry.startup.search`, the API's
`GET /api/v1/startups?q=`), without the NATS hop, for typical typed prefixes, anonymous and
staff. The startups are inserted in batches straight into the registry's collection with
the derived fields the registry computes (`domain.search_fields`, `domain.search_keys`,
numbered as the registry numbers them).

SecantusDB is started as its own process, as the tests do. Names and summaries are drawn
from a few hundred common Vietnamese phrases with a Zipf-like skew, so a short prefix such
as "ng" matches a large share of them, as it would in real data. Target: p95 < 50 ms.

Measured 30/11/2026 on the shared 2-core machine, load average 9–11 during the queries
(100,000 startups loaded in 1,505 s): anonymous suggestions p50 11.0 ms / p95 74.2 ms, page
p50 17.9 ms / p95 52.8 ms; staff suggestions p50 11.6 / p95 47.8 ms, page p50 18.8 / p95
49.1 ms; slowest single query "k" (the first, cold) 189 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from pymongo import AsyncMongoClient

from services.registry import domain
from services.registry.repository import COUNTERS, INDEXES, STARTUP_SEQ, STARTUPS, StartupStore
from services.registry.search import StartupSearch
from shared.contracts.base import Actor
from shared.contracts.rpc.registry import SearchStartups, SuggestStartups
from shared.infra.mongo import Document, ensure_indexes
from shared.infra.testing import temporary_database_server

PHRASES = (
    "khởi nghiệp", "đổi mới", "sáng tạo", "nông nghiệp", "công nghệ", "giáo dục", "thực phẩm",
    "sạch", "xanh", "hoà bình", "thủy sản", "gò vấp", "phần mềm", "du lịch", "năng lượng",
    "tái chế", "thời trang", "cà phê", "bánh mì", "y tế", "sức khoẻ", "vận tải", "giao hàng",
    "thương mại điện tử", "trí tuệ nhân tạo", "dữ liệu", "nền tảng", "kết nối", "nông dân",
    "bếp ăn", "trường học", "học sinh", "sinh viên", "phụ nữ", "thanh niên", "doanh nghiệp",
    "nhỏ và vừa", "hộ kinh doanh", "chợ", "đặc sản", "gốm sứ", "thủ công", "mỹ nghệ", "nội thất",
    "gỗ", "tre", "nhựa", "rác thải", "nước sạch", "điện mặt trời", "xe điện", "ứng dụng",
    "di động", "thanh toán", "tài chính", "bảo hiểm", "bất động sản", "nhà trọ", "việc làm",
    "tuyển dụng", "kế toán", "pháp lý", "sở hữu trí tuệ", "thiết kế", "in ấn", "quảng cáo",
    "truyền thông", "âm nhạc", "phim", "trò chơi", "thể thao", "thú cưng", "cây cảnh", "hoa",
    "rau", "trái cây", "gạo", "trà", "nước mắm", "dược liệu", "mỹ phẩm", "spa", "chăm sóc",
    "người cao tuổi", "trẻ em", "mầm non", "ngoại ngữ", "lập trình", "robot", "cảm biến",
    "nhà thông minh", "an ninh", "camera", "logistics", "kho lạnh", "đóng gói", "xuất khẩu",
    "quận", "phường", "thành phố", "hồ chí minh", "cộng đồng", "tình nguyện", "môi trường",
)  # fmt: skip
FILLER = ("cho", "và", "của", "các", "với", "tại", "những", "một", "người", "dịch vụ")
TYPED = (
    "k", "kh", "khoi", "khoi ngh", "gò v", "nông s", "cà ph", "giáo d", "du l", "thực ph",
    "phần m", "tái ch", "năng l", "thuong mai dien", "tri tue", "kho lanh", "xe đi", "mỹ ph",
    "nước m", "đặc s", "thanh to", "sở hữu tr", "nhà thông", "robot", "zzz",
)  # fmt: skip
# A word only a handful of startups hold (every 5,000th), and its query.
RARE = "phượnghoàng"
STAFF = Actor(id="staff-1", role="association_staff")


def startup(number: int, weights: list[float], rng: random.Random) -> Document:
    """Startup number `number` (from 1): a 2–4 phrase name and a 10–20 word summary."""
    name = " ".join(rng.choices(PHRASES, weights, k=rng.randint(2, 4))).capitalize()
    if number % 5000 == 0:
        name = f"{name} {RARE}"
    words = rng.choices(PHRASES, weights, k=rng.randint(6, 12)) + rng.choices(FILLER, k=6)
    rng.shuffle(words)
    summary = " ".join(words).capitalize() + "."
    return {
        "_id": f"s{number:06d}",
        "owner_id": f"o{number}",
        "name": name,
        "name_key": domain.name_key(name) + f" {number}",
        "summary": summary,
        "sector": "agriculture",
        "stage": "mvp",
        "ward": "go-vap",
        "status": rng.choice(("verified", "active", "graduated", "submitted")),
        "visibility": "public",
        "women_led": rng.random() < 0.4,
        "youth_led": rng.random() < 0.5,
        "needs": [],
        "team": [],
        "registered_at": datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=number),
        "updated_at": datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=number),
        "version": 1,
        **domain.search_fields(name, summary),
        "search_seq": number,
        "search_keys": domain.search_keys(name, summary, number),
    }


async def load(db: object, size: int) -> float:
    """Insert startups 1…`size` in batches of 1,000 and set the registry's counter to
    `size`; returns the seconds it took."""
    rng = random.Random(7)
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(PHRASES))]
    started = time.perf_counter()
    collection = db[STARTUPS]  # type: ignore[index]
    for first in range(1, size + 1, 1000):
        batch = [startup(n, weights, rng) for n in range(first, min(first + 1000, size + 1))]
        await collection.insert_many(batch, ordered=False)
    await db[COUNTERS].update_one(  # type: ignore[index]
        {"_id": STARTUP_SEQ}, {"$set": {"value": size}}, upsert=True
    )
    return time.perf_counter() - started


def percentiles(timings: list[float]) -> str:
    """ "p50 … ms, p95 … ms" of `timings` (milliseconds)."""
    ordered = sorted(timings)
    p95 = ordered[max(int(len(ordered) * 0.95) - 1, 0)]
    return f"p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms"


async def measure(url: str, size: int, rounds: int) -> None:
    """Load, then time every typed prefix `rounds` times as anonymous and as staff."""
    client: AsyncMongoClient[Document] = AsyncMongoClient(url)
    db = client["bench_registry_search"]
    await ensure_indexes(db, INDEXES)
    seconds = await load(db, size)
    print(f"loaded {size:,} startups in {seconds:.0f} s")
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    finder = StartupSearch(StartupStore(db))
    typed_all = (*TYPED, RARE[:6], RARE)
    for who, actor in (("anonymous", None), ("staff", STAFF)):
        suggest: list[float] = []
        pages: list[float] = []
        by_query: dict[str, list[float]] = {}
        for round_ in range(rounds):
            for typed in typed_all:
                started = time.perf_counter()
                hints = await finder.suggest(actor, SuggestStartups(q=typed))
                suggest.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                page = await finder.search(actor, SearchStartups(q=typed))
                pages.append((time.perf_counter() - started) * 1000)
                by_query.setdefault(typed, []).extend((suggest[-1], pages[-1]))
                if round_ == 0 and who == "anonymous":
                    print(
                        f"  {typed!r:20} total {page.total:>5}"
                        f"{'+' if page.total_is_estimate else ' '} {len(hints.items)} hints "
                        f"suggest {suggest[-1]:7.1f} ms  page {pages[-1]:7.1f} ms"
                    )
        print(f"{size:,} startups, {who}, over {len(suggest)} queries each (target p95 < 50 ms):")
        print(f"  suggestions (search box): {percentiles(suggest)}")
        print(f"  page of results (API):    {percentiles(pages)}")
        slowest = max(by_query, key=lambda q: max(by_query[q]))
        print(f"  slowest query {slowest!r}: {max(by_query[slowest]):.1f} ms")
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    await client.close()


def main() -> None:
    """Run the benchmark on a temporary SecantusDB server."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with temporary_database_server() as server:
        asyncio.run(measure(server.url, args.size, args.rounds))


if __name__ == "__main__":
    main()
