"""Search as you type, the pure parts: edge n-grams, the query's bounds and lead prefix,
and relevance (whole words before prefixes)."""

from __future__ import annotations

from datetime import UTC, datetime

from services.registry import domain
from shared.text import edge_grams


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
