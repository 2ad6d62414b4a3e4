"""Pages read every ward and sector on each request: one gateway copy reuses its read for a
moment, and its own writes show at once (issue 19)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.gateway import reference
from services.gateway.reference import ReferenceData
from services.gateway.repository import SECTORS


class Store:
    """Reference collections in memory, counting the list reads."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, dict[str, Any]]] = {SECTORS: {}}
        self.finds = 0

    async def find(
        self, kind: str, query: dict[str, Any], *, sort: str, skip: int = 0, limit: int = 0
    ) -> tuple[list[dict[str, Any]], int]:
        self.finds += 1
        items = sorted(self.docs[kind].values(), key=lambda d: d[sort])
        return [dict(d) for d in items], len(items)

    async def insert(self, kind: str, doc: dict[str, Any], events: list[Any]) -> None:
        self.docs[kind][doc["_id"]] = dict(doc)

    async def replace(
        self, kind: str, code: str, version: int, fields: dict[str, Any], events: list[Any]
    ) -> dict[str, Any] | None:
        doc = self.docs[kind][code]
        doc.update(fields, version=version + 1)
        return doc

    async def get(self, kind: str, code: str) -> dict[str, Any] | None:
        found = self.docs[kind].get(code)
        return dict(found) if found else None


class Outbox:
    async def flush(self, kind: str, code: str) -> None:
        """Nothing to publish in memory."""


SECTOR = {"code": "fintech", "name_vi": "Công nghệ tài chính", "name_en": "Fintech"}


@pytest.fixture
def store() -> Store:
    return Store()


async def test_lists_are_read_once_a_moment_and_this_copys_writes_show_at_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = ReferenceData(store, Outbox(), None)  # type: ignore[arg-type]
    assert await data.sectors() == []
    assert await data.sectors() == []
    assert store.finds == 1
    await data.create(SECTORS, SECTOR)
    assert [s["_id"] for s in await data.sectors()] == ["fintech"]
    await data.update(SECTORS, "fintech", 1, {"name_en": "Financial technology"})
    assert (await data.sectors())[0]["name_en"] == "Financial technology"
    # Another copy's write (straight into the store here) shows once the moment is over.
    store.docs[SECTORS]["edtech"] = {"_id": "edtech", "name_vi": "Giáo dục", "version": 1}
    monkeypatch.setattr(reference, "LIST_SECONDS", 0.0)
    assert [s["_id"] for s in await data.sectors()] == ["edtech", "fintech"]


class SlowStore(Store):
    """A store whose list reads wait until `go` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.go = asyncio.Event()

    async def find(
        self, kind: str, query: dict[str, Any], *, sort: str, skip: int = 0, limit: int = 0
    ) -> tuple[list[dict[str, Any]], int]:
        found = await super().find(kind, query, sort=sort, skip=skip, limit=limit)
        await self.go.wait()
        return found


async def _turns() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_callers_at_once_share_one_read_but_not_one_older_than_their_write() -> None:
    store = SlowStore()
    data = ReferenceData(store, Outbox(), None)  # type: ignore[arg-type]
    together = [asyncio.create_task(data.sectors()) for _ in range(20)]
    await _turns()
    assert store.finds == 1
    # This copy writes while that read is under way: a list asked after the write is
    # read again, never the shared read that began before it.
    await data.create(SECTORS, SECTOR)
    after = asyncio.create_task(data.sectors())
    await _turns()
    assert store.finds == 2
    store.go.set()
    assert all(s == [] for s in await asyncio.gather(*together))
    assert [s["_id"] for s in await after] == ["fintech"]
