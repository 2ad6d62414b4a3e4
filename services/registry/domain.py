"""Startup rules: lifecycle, who may do what, youth-led, duplicates, search and relevance.

Pure functions; no I/O. The service applies them and saves the result with its events.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any

from shared.contracts.base import Actor, Forbidden, Invalid, Role
from shared.contracts.events.registry import StartupRegisteredV1, StartupStatusChangedV1, Visibility
from shared.contracts.events.registry import StartupStatus as S
from shared.text import edge_grams, fold, folded_words, pair_grams, tone_keys

YOUTH_AGE_LIMIT = 35
STAFF = frozenset({Role.ASSOCIATION_STAFF, Role.ADMIN})
LISTED = frozenset({S.VERIFIED, S.ACTIVE, S.GRADUATED})
# Search as you type: at most 100 characters and 8 words of a query count; prefixes are
# indexed up to 15 characters (a longer typed word is looked up by its first 15 and then
# checked whole against the candidate's words).
MAX_QUERY_CHARS = 100
MAX_QUERY_WORDS = 8
LONGEST_PREFIX = 15
# Search keys carry the startup's registration slot: `search_seq // SLOT_SIZE` (the
# registry numbers startups 1, 2, 3… as it stores them). One key value then names at most
# SLOT_SIZE startups, so every index lookup is bounded whatever the data (SecantusDB fetches
# every index hit in full before it applies `limit`: measured 55–110 µs a document).
SLOT_SIZE = 32

OWNER, STAFF_ONLY = "owner", "staff"
# (from, to) → who may make the change: "staff", or "owner" (the owner or staff).
TRANSITIONS: dict[tuple[S, S], str] = {
    (S.SUBMITTED, S.VERIFIED): STAFF_ONLY,
    (S.SUBMITTED, S.REJECTED): STAFF_ONLY,
    (S.REJECTED, S.SUBMITTED): OWNER,
    (S.VERIFIED, S.ACTIVE): OWNER,
    (S.ACTIVE, S.GRADUATED): STAFF_ONLY,
    (S.VERIFIED, S.CLOSED): OWNER,
    (S.ACTIVE, S.CLOSED): OWNER,
}
STATUS_VI = {
    S.SUBMITTED: "chờ xác minh",
    S.VERIFIED: "đã xác minh",
    S.REJECTED: "bị từ chối",
    S.ACTIVE: "đang hoạt động",
    S.GRADUATED: "đã tốt nghiệp",
    S.CLOSED: "đã đóng",
}


def is_staff(actor: Actor | None) -> bool:
    """Whether the actor is association staff or an admin."""
    return actor is not None and actor.role in STAFF


def is_owner(actor: Actor | None, doc: dict[str, Any]) -> bool:
    """Whether the actor is the founder who registered the startup `doc`."""
    return actor is not None and actor.id == doc["owner_id"]


def check_transition(actor: Actor, doc: dict[str, Any], to_status: S) -> None:
    """Check `actor` may move `doc` to `to_status` under `TRANSITIONS`.

    Raises `Invalid` when the lifecycle has no such move, `Forbidden` unless the actor
    is staff, or the owner for a move the owner may make."""
    current = S(doc["status"])
    rule = TRANSITIONS.get((current, to_status))
    if rule is None:
        raise Invalid(
            f"không thể chuyển từ trạng thái “{STATUS_VI[current]}” sang “{STATUS_VI[to_status]}”",
            from_status=current.value,
            to_status=to_status.value,
        )
    if is_staff(actor):
        return
    if rule == OWNER and is_owner(actor, doc):
        return
    raise Forbidden("bạn không có quyền thay đổi trạng thái này")


def check_can_edit(actor: Actor, doc: dict[str, Any]) -> None:
    """Raise `Forbidden` unless the actor is staff or the startup's founder."""
    if not (is_staff(actor) or is_owner(actor, doc)):
        raise Forbidden("chỉ nhà sáng lập của dự án hoặc cán bộ Điểm tư vấn được sửa")


def can_see(actor: Actor | None, doc: dict[str, Any]) -> bool:
    """Staff and the owner see every startup; anyone else only public ones that are
    verified, active or graduated."""
    if is_staff(actor) or is_owner(actor, doc):
        return True
    return doc["visibility"] == Visibility.PUBLIC.value and doc["status"] in LISTED


def sees_everything(actor: Actor | None, doc: dict[str, Any]) -> bool:
    """Owners and staff see every field; everyone else only the public ones."""
    return is_staff(actor) or is_owner(actor, doc)


def youth_led(founder_birth_year: int | None, declared: bool, today: date) -> bool:
    """Derived from the founder's birth year when given (under 35), else as declared."""
    if founder_birth_year is None:
        return declared
    return today.year - founder_birth_year < YOUTH_AGE_LIMIT


def name_key(name: str) -> str:
    """Two names are the same startup name when they fold to the same words."""
    return " ".join(folded_words(name))


def search_fields(name: str, summary: str) -> dict[str, list[str]]:
    """What ranking and checking a candidate needs: folded words, tone-placement keys and
    the name's words. The indexed keys (`search_keys`) also need the startup's number: see
    `search_keys`."""
    text = f"{name} {summary}"
    return {
        "search_words": sorted(set(folded_words(text))),
        "search_tones": sorted(set(tone_keys(text))),
        "search_name": sorted(set(folded_words(name))),
    }


def slot_of(seq: int) -> int:
    """The registration slot of the startup numbered `seq` (≥ 0): `seq // SLOT_SIZE`."""
    return seq // SLOT_SIZE


def slot_key(gram: str, slot: int) -> str:
    """The indexed key of `gram` (a folded prefix, or "word prefix" of two adjacent words)
    in `slot`: `slot_key("khoi ngh", 12)` → `"khoi ngh@0000012"` (a word never holds "@";
    the slot is zero-padded so the keys of consecutive slots are one range of the index)."""
    return f"{gram}@{slot:07d}"


def search_keys(name: str, summary: str, seq: int) -> list[str]:
    """The multikey index entries of a startup numbered `seq`: every folded word's leading
    parts (1–15 characters) and every adjacent word pair as "whole first word + leading part
    of the next" ("khoi n", "khoi ngh", "go v"), each in the startup's slot. A one-word query
    is then one equality per slot, and a two-word query one equality on a selective key."""
    text = f"{name} {summary}"
    slot = slot_of(seq)
    grams = edge_grams(text, LONGEST_PREFIX) + pair_grams(text, LONGEST_PREFIX)
    return [slot_key(gram, slot) for gram in grams]


@dataclass(frozen=True)
class Query:
    """A search query as its distinct folded words (each a prefix of a word to find) and
    their tone keys: the first 100 characters, at most 8 words."""

    folded: tuple[str, ...]
    tones: tuple[str, ...]

    @classmethod
    def parse(cls, q: str | None) -> Query | None:
        """The query of `q`, or None when `q` holds no word."""
        if not q or not q.strip():
            return None
        q = q[:MAX_QUERY_CHARS]
        folded = tuple(dict.fromkeys(folded_words(q)))[:MAX_QUERY_WORDS]
        if not folded:
            return None
        return cls(folded=folded, tones=tuple(dict.fromkeys(tone_keys(q)))[:MAX_QUERY_WORDS])

    @property
    def has_diacritics(self) -> bool:
        """Whether the user typed any diacritic (then exact-diacritic matches rank first)."""
        return any(fold(t) != t for t in self.tones)

    @property
    def lead(self) -> str:
        """The indexed prefix to look candidates up by: the longest typed word (the most
        selective), cut to the indexed length; later words win ties."""
        longest = max(reversed(self.folded), key=len)
        return longest[:LONGEST_PREFIX]

    @property
    def pair(self) -> str | None:
        """The two-word key to look candidates up by first, or None for a one-word query:
        the adjacent typed pair with the most letters (later pairs win ties), as indexed by
        `search_keys` ("khởi ngh" → "khoi ngh")."""
        if len(self.folded) < 2:
            return None
        pairs = list(pairwise(self.folded))
        first, second = max(reversed(pairs), key=lambda p: len(p[0]) + len(p[1]))
        return f"{first[:LONGEST_PREFIX]} {second[:LONGEST_PREFIX]}"

    def matches(self, doc: dict[str, Any]) -> bool:
        """Whether every typed word starts one of the startup's folded words."""
        words = doc.get("search_words", ())
        return all(any(word.startswith(typed) for word in words) for typed in self.folded)


def relevance(query: Query, doc: dict[str, Any]) -> float:
    """In [0, 1]. Every match starts a word with each typed word; those where every typed
    word is a whole word rank first (0.5), then those with the query's exact diacritics
    (either tone placement, 0.3), then by the share of typed words whole in the name (0.2)."""
    words = set(doc.get("search_words", ()))
    whole = all(typed in words for typed in query.folded)
    tones = set(doc.get("search_tones", ()))
    exact = query.has_diacritics and all(t in tones for t in query.tones)
    in_name = len(set(query.folded) & set(doc.get("search_name", ()))) / len(query.folded)
    return round((0.5 if whole else 0.0) + (0.3 if exact else 0.0) + 0.2 * in_name, 6)


def rank(query: Query, docs: Iterable[dict[str, Any]]) -> list[tuple[float, dict[str, Any]]]:
    """`(relevance, doc)` pairs of the docs the query matches, most relevant first, newest
    `registered_at` first on ties."""
    scored = [(relevance(query, doc), doc) for doc in docs if query.matches(doc)]
    scored.sort(key=lambda pair: (pair[0], pair[1]["registered_at"]), reverse=True)
    return scored


# --- figures for the district report ---------------------------------------------------


def figure_increments(event: object) -> dict[str, int]:
    """What one registry event adds to its day's figures; dotted keys count breakdowns.
    `active_delta` counts startups entering (+1) and leaving (-1) the active state, so
    the number active at any date is the running sum up to it."""
    if isinstance(event, StartupRegisteredV1):
        startup = event.startup
        return {
            "registered": 1,
            "women_led": int(startup.women_led),
            "youth_led": int(startup.youth_led),
            f"by_ward.{startup.ward}": 1,
            f"by_sector.{startup.sector}": 1,
            f"by_stage.{startup.stage.value}": 1,
        }
    if isinstance(event, StartupStatusChangedV1):
        increments: dict[str, int] = {}
        if event.to_status == S.VERIFIED:
            increments["verified"] = 1
        delta = int(event.to_status == S.ACTIVE) - int(event.from_status == S.ACTIVE)
        if delta:
            increments["active_delta"] = delta
        return increments
    return {}


def sum_days(days: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Sum daily figure buckets: top-level counters add up, nested `{name: count}` maps
    add up per name; `_id` (the day) is skipped."""
    totals: dict[str, Any] = {}
    for day in days:
        for key, value in day.items():
            if key == "_id":
                continue
            if isinstance(value, dict):
                bucket = totals.setdefault(key, {})
                for name, count in value.items():
                    bucket[name] = bucket.get(name, 0) + count
            else:
                totals[key] = totals.get(key, 0) + value
    return totals


def breakdown(totals: dict[str, Any], key: str) -> dict[str, int]:
    """The `{name: count}` map under `key` in summed totals, without zero counts."""
    return {name: count for name, count in (totals.get(key) or {}).items() if count}
