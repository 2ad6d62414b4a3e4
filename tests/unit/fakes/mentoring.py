"""A fake of mentoring's `MentoringRepository` port."""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from services.mentoring.repository import MATCHES, MENTORS, REQUESTS, SECTORS, SESSIONS, USERS
from shared.contracts.base import Envelope
from shared.infra.mongo import AlreadyExists, Document
from shared.localtime import utc
from tests.unit.fakes.outbox import RecordingOutbox

if TYPE_CHECKING:
    from services.mentoring.ports import MentoringRepository


# The comparison operators of a query: (stored value, operand) -> whether it matches.
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "$ne": lambda have, value: bool(have != value),
    "$in": lambda have, value: have in value,
    "$gte": lambda have, value: have is not None and bool(have >= value),
    "$lt": lambda have, value: have is not None and bool(have < value),
}


def matches(doc: Document, query: Mapping[str, object]) -> bool:
    """The few MongoDB operators mentoring's queries use: equality, $ne, $in, $gte, $lt, $or."""
    for key, want in query.items():
        if key == "$or":
            assert isinstance(want, list), "$or takes a list of queries"
            if not any(matches(doc, q) for q in want):
                return False
            continue
        have = doc.get(key)
        if isinstance(want, dict):
            for op, value in want.items():
                if not OPERATORS[op](have, value):
                    return False
        elif have != want:
            return False
    return True


class FakeMentoringStore:
    """Every collection a dict of dicts; versioned updates and unique ids as the real one."""

    def __init__(self, outbox: RecordingOutbox) -> None:
        self.outbox = outbox
        self.kinds: defaultdict[str, dict[str, Document]] = defaultdict(dict)
        self.figures: dict[str, Document] = {}
        # the next `insert_once` or `apply_once` to this kind raises ConnectionError (the
        # process dies between the writes of a follow-up)
        self.fail_next_write_to: str | None = None

    def _maybe_fail(self, kind: str) -> None:
        if kind == self.fail_next_write_to:
            self.fail_next_write_to = None
            raise ConnectionError("database gone")

    def _all(self, kind: str) -> list[Document]:
        return [copy.deepcopy(doc) for doc in self.kinds[kind].values()]

    async def insert(self, kind: str, doc: Document, events: list[Envelope]) -> None:
        if doc["_id"] in self.kinds[kind]:
            raise AlreadyExists(doc["_id"])
        self.kinds[kind][doc["_id"]] = copy.deepcopy(doc)
        self.outbox.queue(kind, doc["_id"], events)

    async def update(
        self,
        kind: str,
        doc_id: str,
        version: int,
        changes: Document,
        events: list[Envelope],
        *,
        inc: Mapping[str, int] | None = None,
        add_to_set: Document | None = None,
    ) -> Document | None:
        current = self.kinds[kind].get(doc_id)
        if current is None or current["version"] != version:
            return None
        current.update(copy.deepcopy(changes))
        for key, value in (inc or {}).items():
            current[key] = current.get(key, 0) + value
        for key, value in (add_to_set or {}).items():
            if value not in current.setdefault(key, []):
                current[key].append(value)
        current["version"] = version + 1
        self.outbox.queue(kind, doc_id, events)
        return copy.deepcopy(current)

    async def get(self, kind: str, doc_id: str) -> Document | None:
        doc = self.kinds[kind].get(doc_id)
        return copy.deepcopy(doc) if doc else None

    async def delete(self, kind: str, doc_id: str) -> None:
        self.kinds[kind].pop(doc_id, None)

    async def page_mentors(
        self, topic_key: str | None, *, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        found = sorted(
            (
                m
                for m in self._all(MENTORS)
                if m["active"] and (topic_key is None or topic_key in m["expertise_keys"])
            ),
            key=lambda m: m["_id"],
        )
        return found[skip : skip + limit], len(found)

    async def active_mentors(self) -> list[Document]:
        return [m for m in self._all(MENTORS) if m["active"]]

    async def page_requests(
        self, equal_to: Mapping[str, object], *, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        found = sorted(
            (r for r in self._all(REQUESTS) if all(r.get(k) == v for k, v in equal_to.items())),
            key=lambda r: r["opened_at"],
        )
        return found[skip : skip + limit], len(found)

    async def open_requests(self, request_ids: Sequence[str] | None = None) -> list[Document]:
        return [
            r
            for r in self._all(REQUESTS)
            if r["status"] == "open" and (not request_ids or r["_id"] in request_ids)
        ]

    async def requests_of(self, founder_id: str) -> list[Document]:
        return [r for r in self._all(REQUESTS) if r["founder_id"] == founder_id]

    async def proposed_matches(self) -> list[Document]:
        return [m for m in self._all(MATCHES) if m["status"] == "proposed"]

    async def matches_accepted_since(self, since: datetime) -> list[Document]:
        return [
            m
            for m in self._all(MATCHES)
            if m["status"] == "accepted" and utc(m["answered_at"]) >= since
        ]

    async def sessions_booked(self, start: datetime, before: datetime) -> list[Document]:
        return [
            s
            for s in self._all(SESSIONS)
            if s["status"] in ("scheduled", "completed") and start <= s["starts_at"] < before
        ]

    async def sessions_of_matches(self, match_ids: Sequence[str]) -> list[Document]:
        return [s for s in self._all(SESSIONS) if s["match_id"] in match_ids]

    async def sessions_of(self, user_id: str) -> list[Document]:
        return [s for s in self._all(SESSIONS) if user_id in (s["founder_id"], s["mentor_id"])]

    async def sessions_between(
        self, field: str, value: str, start: datetime, end: datetime
    ) -> list[Document]:
        return [
            s
            for s in self._all(SESSIONS)
            if s[field] == value
            and s["status"] != "cancelled"
            and s["starts_at"] < end
            and s["ends_at"] > start
        ]

    async def insert_once(self, kind: str, doc: Document) -> bool:
        self._maybe_fail(kind)
        if doc["_id"] in self.kinds[kind]:
            return False
        self.kinds[kind][doc["_id"]] = copy.deepcopy(doc)
        return True

    async def apply_once(
        self,
        kind: str,
        doc_id: str,
        event_id: str,
        *,
        where: Mapping[str, object] | None = None,
        changes: Document | None = None,
        inc: Mapping[str, int] | None = None,
        add_to_set: Document | None = None,
    ) -> bool:
        self._maybe_fail(kind)
        current = self.kinds[kind].get(doc_id)
        if current is None or event_id in current.get("applied_events", []):
            return False
        if any(current.get(k) != v for k, v in (where or {}).items()):
            return False
        current.update(copy.deepcopy(changes or {}))
        for key, value in (inc or {}).items():
            current[key] = current.get(key, 0) + value
        for key, value in {"applied_events": event_id, **(add_to_set or {})}.items():
            if value not in current.setdefault(key, []):
                current[key].append(value)
        current["version"] = current.get("version", 0) + 1
        return True

    async def page_sessions(
        self, query: Mapping[str, object], *, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        found = sorted(
            (s for s in self._all(SESSIONS) if matches(s, query)),
            key=lambda s: (s["starts_at"], s["_id"]),
        )
        return found[skip : skip + limit], len(found)

    async def page_matches(
        self, query: Mapping[str, object], *, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        found = sorted(
            (m for m in self._all(MATCHES) if matches(m, query)),
            key=lambda m: m["proposed_at"],
            reverse=True,
        )
        return found[skip : skip + limit], len(found)

    async def open_requests_of_startup(self, startup_id: str) -> list[Document]:
        return [
            r
            for r in self._all(REQUESTS)
            if r["startup_id"] == startup_id and r["status"] in ("open", "proposed")
        ]

    async def has_match_between(self, mentor_id: str, founder_id: str) -> bool:
        return any(
            m["mentor_id"] == mentor_id and m["founder_id"] == founder_id
            for m in self._all(MATCHES)
        )

    async def count_once(
        self, event_id: str, day: str, counts: Mapping[str, int], values: Mapping[str, list[Any]]
    ) -> bool:
        bucket = self.figures.setdefault(day, {"_id": day, "counted": []})
        if event_id in bucket["counted"]:
            return False
        bucket["counted"].append(event_id)
        for key, value in counts.items():
            bucket[key] = bucket.get(key, 0) + value
        for key, items in values.items():
            bucket.setdefault(key, []).extend(copy.deepcopy(items))
        return True

    async def figure_days(self, first: str, before: str) -> list[Document]:
        return [
            {k: copy.deepcopy(v) for k, v in d.items() if k != "counted"}
            for day, d in self.figures.items()
            if first <= day < before
        ]

    async def save_read_model(self, kind: str, doc_id: str, version: int, fields: Document) -> None:
        kept = self.kinds[kind].get(doc_id)
        if kept is None or kept.get("version", 0) < version:
            self.kinds[kind][doc_id] = {"_id": doc_id, **fields, "version": version}

    async def sector_labels(self) -> dict[str, str]:
        return {code: doc["name_vi"] for code, doc in self.kinds[SECTORS].items()}

    async def save_user(self, user_id: str, fields: Document, version: int | None) -> bool:
        if user_id in self.kinds["tombstones"]:
            return False
        kept = self.kinds[USERS].get(user_id)
        if kept is not None and kept.get("version", 0) > (version or 0):
            return False
        self.kinds[USERS][user_id] = {"_id": user_id, **fields, "version": version or 0}
        mentor = self.kinds[MENTORS].get(user_id)
        if mentor and not mentor.get("erased"):
            mentor["full_name"] = fields.get("full_name")
        return True

    async def erase_person(self, user_id: str) -> None:
        self.kinds["tombstones"][user_id] = {"_id": user_id, "erased": True}
        self.kinds[USERS].pop(user_id, None)


if TYPE_CHECKING:
    # mypy checks that the fake still has every method of the port, with its signature
    _port: MentoringRepository = FakeMentoringStore(RecordingOutbox())
