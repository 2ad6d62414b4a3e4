"""Search as you type, the pure parts: edge n-grams, the query's bounds and lead prefix,
and relevance (whole words before prefixes)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

from services.registry import domain, search
from services.registry.repository import Audience, Window
from shared.text import edge_grams, fold, pair_grams


def test_edge_grams_are_folded_leading_parts_of_every_word() -> None:
    assert edge_grams("Gò Vấp") == ["g", "go", "v", "va", "vap"]
    assert edge_grams("Đổi\u200b") == ["d", "do", "doi"]
    assert max(len(g) for g in edge_grams("a" * 40, longest=15)) == 15


def test_query_is_bounded_and_looks_up_by_its_longest_word() -> None:
    query = domain.Query.parse(" ".join(f"w{n}" for n in range(20)))
    assert query is not None and len(query.folded) == domain.MAX_QUERY_WORDS
    assert domain.Query.parse("khởi ngh").lead == "khoi"  # type: ignore[union-attr]
    assert domain.Query.parse("x" * 40).lead == "x" * domain.LONGEST_PREFIX  # type: ignore[union-attr]
    assert domain.Query.parse("  \u200b ") is None


def test_whole_words_rank_before_prefixes_and_every_word_must_start_one() -> None:
    def doc(name: str, minute: int) -> dict[str, object]:
        at = datetime(2026, 1, 1, 0, minute, tzinfo=UTC)
        return {"_id": name, "registered_at": at, **domain.search_fields(name, "")}

    query = domain.Query.parse("kho")
    assert query is not None
    docs = [doc("Kho lạnh", 1), doc("Khoai lang", 2), doc("Bánh mì", 3)]
    assert [d["_id"] for _, d in domain.rank(query, docs)] == ["Kho lạnh", "Khoai lang"]
    long_word = domain.Query.parse("khoailangnghienxyz")
    assert long_word is not None and not long_word.matches(doc("Khoailangnghien", 4))


def test_pair_grams_join_a_whole_word_to_the_leading_parts_of_the_next() -> None:
    assert pair_grams("Gò Vấp") == ["go v", "go va", "go vap"]
    assert "khoi ngh" in pair_grams("Khởi\u200b nghiệp xanh")
    assert "nghiep x" in pair_grams("Khởi nghiệp xanh")
    assert pair_grams("một") == []


def test_search_keys_are_bounded_by_the_startups_slot() -> None:
    early = domain.search_keys("Gò Vấp", "", 1)
    late = domain.search_keys("Gò Vấp", "", domain.SLOT_SIZE * 3 + 1)
    assert "go v@0000000" in early and "go v@0000003" in late and "vap@0000003" in late
    assert not set(early) & set(late)  # a key value names one slot's startups only


def test_a_two_word_query_is_looked_up_by_its_adjacent_pair() -> None:
    assert domain.Query.parse("khởi ngh").pair == "khoi ngh"  # type: ignore[union-attr]
    assert domain.Query.parse("gò v").pair == "go v"  # type: ignore[union-attr]
    assert domain.Query.parse("kho").pair is None  # type: ignore[union-attr]


class SlotStore:
    """Candidates in slots, newest slot first; records how many it was asked for."""

    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.docs = docs
        self.grams: list[str] = []

    async def window(
        self, filters: Mapping[str, object], gram: str, want: int, budget: int
    ) -> Window:
        self.grams.append(gram)
        has = [d for d in self.docs if any(w.startswith(gram) for w in d["search_words"])]
        if " " in gram:
            first, second = gram.split(" ")
            has = [
                d
                for d in self.docs
                if any(a == first and b.startswith(second) for a, b in pairwise(d["search_order"]))
            ]
        newest = sorted(has, key=lambda d: d["registered_at"], reverse=True)
        return Window(docs=newest[:want], complete=len(newest) <= want)

    async def owned_candidates(self, owner_id: str, filters: Mapping[str, object]) -> Window:
        return Window([d for d in self.docs if d["owner_id"] == owner_id], complete=True)


def startup(name: str, minute: int, status: str = "verified") -> dict[str, Any]:
    at = datetime(2026, 1, 1, 0, minute, tzinfo=UTC)
    return {
        "_id": name,
        "registered_at": at,
        "visibility": "public",
        "status": status,
        "owner_id": "o",
        "search_order": [fold(w) for w in name.split()],
        **domain.search_fields(name, ""),
    }


async def test_matches_come_from_the_pair_then_the_longest_word_and_say_when_capped() -> None:
    everyone = Audience(everything=False, listed_statuses=("verified",))
    docs = [startup(f"Khởi nghiệp {n}", n) for n in range(10)]
    docs.append(startup("Nghiệp khởi đầu", 30))  # the words, not adjacent
    docs.append(startup("Khởi nghiệp ẩn", 40, status="submitted"))  # not visible
    store = SlotStore(docs)
    query = domain.Query.parse("khoi ngh")
    assert query is not None

    few = await search.find_matches(store, query, {}, everyone, want=3)
    assert store.grams == ["khoi ngh"]  # the pair found enough
    assert few.estimate and [d["_id"] for _, d in few.ranked] == [
        "Khởi nghiệp 9",
        "Khởi nghiệp 8",
    ]  # the newest three candidates hold one the audience may not see

    store.grams.clear()
    every = await search.find_matches(store, query, {}, everyone, want=50)
    assert store.grams == ["khoi ngh", "khoi"]  # then the longest word (later wins ties)
    assert not every.estimate and len(every.ranked) == 11
    assert "Nghiệp khởi đầu" in {d["_id"] for _, d in every.ranked}
