"""A fake of the registry's `StartupRepository` port."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from services.registry import domain
from services.registry.repository import CANDIDATE_FIELDS, STARTUPS, Audience, Window
from shared.contracts.base import Envelope
from shared.infra.mongo import AlreadyExists, Document
from tests.unit.fakes.outbox import RecordingOutbox

if TYPE_CHECKING:
    from services.registry.ports import StartupRepository


def _project(doc: Document, fields: Mapping[str, int]) -> Document:
    """`doc` with only `fields` (an inclusion projection, as MongoDB's), copied."""
    return {key: copy.deepcopy(doc[key]) for key in fields if key in doc}


def _equal(doc: Document, filters: Mapping[str, object]) -> bool:
    """Whether `doc` holds every field of `filters` with the same value."""
    return all(doc.get(key) == value for key, value in filters.items())


class FakeStartups:
    """Startups in a dict, with the real store's unique keys (owner + name, tax code) and
    optimistic versions; events go to a `RecordingOutbox`."""

    def __init__(self, outbox: RecordingOutbox) -> None:
        self.outbox = outbox
        self.startups: dict[str, Document] = {}
        self.wards: dict[str, Document] = {}
        self.sectors: dict[str, Document] = {}
        self.contacts: dict[str, Document] = {}
        self.figures: dict[str, dict[str, int]] = {}
        self.counted: dict[str, set[str]] = {}
        self.last_seq = 0

    def _check_unique(self, doc: Document) -> None:
        for other in self.startups.values():
            if other["_id"] == doc["_id"]:
                continue
            same_name = (other["owner_id"], other["name_key"]) == (doc["owner_id"], doc["name_key"])
            same_tax = bool(doc.get("tax_code")) and other.get("tax_code") == doc.get("tax_code")
            same_request = bool(doc.get("request_key")) and (
                other.get("request_key") == doc.get("request_key")
            )
            if same_name or same_tax or same_request:
                raise AlreadyExists(doc["_id"])

    async def insert(self, doc: Document, events: list[Envelope]) -> None:
        if doc["_id"] in self.startups:
            raise AlreadyExists(doc["_id"])
        self._check_unique(doc)
        # numbered and keyed for search as the real store does (`StartupStore.insert`)
        seq = await self.next_seqs(1)
        keys = domain.search_keys(doc.get("name", ""), doc.get("summary", ""), seq)
        self.startups[doc["_id"]] = {**copy.deepcopy(doc), "search_seq": seq, "search_keys": keys}
        self.outbox.queue(STARTUPS, doc["_id"], events)

    async def update(
        self,
        startup_id: str,
        version: int,
        changes: Document,
        unset: list[str],
        history: Document,
        events: list[Envelope],
    ) -> Document | None:
        current = self.startups.get(startup_id)
        if current is None or current["version"] != version:
            return None
        updated = {**copy.deepcopy(current), **copy.deepcopy(changes)}
        for key in unset:
            updated.pop(key, None)
        updated["history"] = [*current.get("history", []), history]
        updated["version"] = version + 1
        self._check_unique(updated)
        self.startups[startup_id] = updated
        self.outbox.queue(STARTUPS, startup_id, events)
        return copy.deepcopy(updated)

    async def made_by_request(self, request_key: str) -> Document | None:
        for doc in self.startups.values():
            if doc.get("request_key") == request_key:
                return copy.deepcopy(doc)
        return None

    async def get(self, startup_id: str) -> Document | None:
        doc = self.startups.get(startup_id)
        return copy.deepcopy(doc) if doc else None

    async def find_duplicate(
        self, owner_id: str, name_key: str, tax_code: str | None, exclude_id: str | None = None
    ) -> Document | None:
        for doc in self.startups.values():
            if doc["_id"] == exclude_id:
                continue
            if (doc["owner_id"], doc["name_key"]) == (owner_id, name_key) or (
                tax_code and doc.get("tax_code") == tax_code
            ):
                return {k: doc.get(k) for k in ("_id", "name", "owner_id", "tax_code")}
        return None

    async def search(
        self, filters: Mapping[str, object], audience: Audience, *, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        matches = [
            copy.deepcopy(doc)
            for doc in self.startups.values()
            if audience.allows(doc) and all(doc.get(k) == v for k, v in filters.items())
        ]
        matches.sort(key=lambda doc: doc["registered_at"], reverse=True)
        return matches[skip : skip + limit], len(matches)

    async def window(
        self, filters: Mapping[str, object], gram: str, want: int, budget: int
    ) -> Window:
        """As `StartupStore.window`, one slot a read: the slots from the newest down until
        `want` candidates are kept or `budget` hits are read."""
        docs: list[Document] = []
        top, read = domain.slot_of(self.last_seq), 0
        while top >= 0 and len(docs) < want and read < budget:
            key = domain.slot_key(gram, top)
            found = [d for d in self.startups.values() if key in d.get("search_keys", [])]
            found.sort(key=lambda d: d["search_seq"], reverse=True)
            docs += [_project(d, CANDIDATE_FIELDS) for d in found if _equal(d, filters)]
            read += len(found)
            top -= 1
        return Window(docs=docs, complete=top < 0)

    async def owned_candidates(self, owner_id: str, filters: Mapping[str, object]) -> Window:
        return Window(
            docs=[
                _project(doc, CANDIDATE_FIELDS)
                for doc in self.startups.values()
                if doc["owner_id"] == owner_id and _equal(doc, filters)
            ],
            complete=True,
        )

    async def by_ids(self, ids: Sequence[str]) -> list[Document]:
        return [copy.deepcopy(self.startups[i]) for i in ids if i in self.startups]

    async def without_keys(self, limit: int) -> list[Document]:
        older = sorted(
            (d for d in self.startups.values() if "search_keys" not in d),
            key=lambda d: d["registered_at"],
        )
        wanted = {"_id": 1, "name": 1, "summary": 1, "search_seq": 1}
        return [_project(d, wanted) for d in older[:limit]]

    async def next_seqs(self, count: int) -> int:
        self.last_seq += count
        return self.last_seq - count + 1

    async def set_search_fields(self, startup_id: str, fields: Document) -> None:
        self.startups[startup_id].update(fields)
        self.startups[startup_id].pop("search_prefixes", None)

    async def history(self, startup_id: str) -> Document | None:
        doc = self.startups.get(startup_id)
        return (
            {"_id": startup_id, "history": doc["history"], "owner_id": doc["owner_id"]}
            if doc
            else None
        )

    async def owned_by(self, owner_id: str) -> list[Document]:
        return [copy.deepcopy(d) for d in self.startups.values() if d["owner_id"] == owner_id]

    async def erase_founder(self, owner_id: str, email: str | None) -> int:
        changed = 0
        for doc in self.startups.values():
            if doc["owner_id"] == owner_id:
                doc.pop("founder_birth_year", None)
                doc["team"] = [m for m in doc.get("team", []) if not m.get("is_founder")]
                changed += 1
            if email:
                doc["team"] = [m for m in doc.get("team", []) if m.get("email") != email]
        return changed

    async def add_to_day(self, day: str, increments: dict[str, int], event_id: str) -> bool:
        if event_id in self.counted.setdefault(day, set()):
            return False
        self.counted[day].add(event_id)
        bucket = self.figures.setdefault(day, {})
        for key, value in increments.items():
            bucket[key] = bucket.get(key, 0) + value
        return True

    async def days(self, first: str | None, before: str) -> list[Document]:
        return [
            {"_id": day, **counts}
            for day, counts in self.figures.items()
            if day < before and (first is None or first <= day)
        ]

    async def save_reference(self, kind: str, code: str, version: int, fields: Document) -> None:
        kept = self.wards if kind == "wards" else self.sectors
        if code not in kept or kept[code].get("version", 0) < version:
            kept[code] = {"_id": code, **fields, "version": version}

    async def ward(self, code: str) -> Document | None:
        return self.wards.get(code)

    async def sector(self, code: str) -> Document | None:
        return self.sectors.get(code)

    async def save_contact(self, user_id: str, fields: Document, version: int | None) -> bool:
        kept = self.contacts.get(user_id, {})
        if kept.get("erased") or (
            version is not None and kept.get("version") is not None and kept["version"] > version
        ):
            return False
        self.contacts[user_id] = {"_id": user_id, **kept, **fields}
        if version is not None:
            self.contacts[user_id]["version"] = version
        return True

    async def contact(self, user_id: str) -> Document | None:
        found = self.contacts.get(user_id)
        return None if found is None or found.get("erased") else found

    async def erase_contact(self, user_id: str) -> Document | None:
        before = self.contacts.get(user_id)
        self.contacts[user_id] = {"_id": user_id, "erased": True}
        return None if before is None or before.get("erased") else before


if TYPE_CHECKING:
    # mypy checks that the fake still has every method of the port, with its signature
    _port: StartupRepository = FakeStartups(RecordingOutbox())
