"""Search as you type at 100,000 startups on the real database server (a benchmark, not a
test): p50/p95 of the registry's search use case (what `rpc.registry.startup.search` runs,
without the NATS hop) for typical typed prefixes, anonymous and staff.

SecantusDB is started as its own process, as the tests do. Names and summaries are drawn
from a few hundred common Vietnamese phrases with a Zipf-like skew, so a short prefix such
as "ng" matches a large share of them, as it would in real data. Target: p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from pymongo import AsyncMongoClient

from services.registry import domain
from services.registry.repository import INDEXES, STARTUPS, StartupStore
from services.registry.service import Registry
from shared.contracts.base import Actor
from shared.contracts.rpc.registry import SearchStartups
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
    "khoi ngh", "gò v", "nông s", "cà ph", "giáo d", "du l", "thực ph", "phần m", "tái ch",
    "năng l", "thuong mai dien", "tri tue", "kho lanh", "xe đi", "mỹ ph", "nước m", "đặc s",
    "thanh to", "sở hữu tr", "nhà thông",
)  # fmt: skip
STAFF = Actor(id="staff-1", role="association_staff")


def startup(number: int, weights: list[float], rng: random.Random) -> Document:
    """One listed startup with a 2–4 phrase name and a 10–20 word summary."""
    name = " ".join(rng.choices(PHRASES, weights, k=rng.randint(2, 4))).capitalize()
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
    }


async def load(db: object, size: int) -> float:
    """Insert `size` startups in batches of 1,000; returns the seconds it took."""
    rng = random.Random(7)
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(PHRASES))]
    started = time.perf_counter()
    collection = db[STARTUPS]  # type: ignore[index]
    for first in range(0, size, 1000):
        batch = [startup(n, weights, rng) for n in range(first, min(first + 1000, size))]
        await collection.insert_many(batch)
    return time.perf_counter() - started


async def measure(url: str, size: int, rounds: int) -> None:
    """Load, then time every typed prefix `rounds` times as anonymous and as staff."""
    client: AsyncMongoClient[Document] = AsyncMongoClient(url)
    db = client["bench_registry_search"]
    await ensure_indexes(db, INDEXES)
    seconds = await load(db, size)
    print(f"loaded {size:,} startups in {seconds:.0f} s")
    registry = Registry(StartupStore(db), outbox=None)  # type: ignore[arg-type]
    for who, actor in (("anonymous", None), ("staff", STAFF)):
        timings: list[float] = []
        for _ in range(rounds):
            for typed in TYPED:
                started = time.perf_counter()
                page = await registry.search(actor, SearchStartups(q=typed))
                timings.append((time.perf_counter() - started) * 1000)
                if _ == 0 and who == "anonymous":
                    print(f"  {typed!r:20} {page.total:>6} matches {timings[-1]:7.1f} ms")
        timings.sort()
        p50 = statistics.median(timings)
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(
            f"search as you type, {size:,} startups, {who}: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
            f"(target p95 < 50 ms) over {len(timings)} queries"
        )
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
