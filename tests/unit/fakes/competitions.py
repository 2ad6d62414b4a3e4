"""A fake of the competitions' `CompetitionRepository` port."""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

from services.competitions.repository import (
    CERTIFICATES,
    CLUBS,
    COMPETITIONS,
    ENTRIES,
    INITIATIVES,
    PEOPLE,
    SCORES,
    Drafts,
)
from shared.contracts.base import Envelope
from shared.infra.mongo import AlreadyExists, Document
from shared.localtime import utc
from tests.unit.fakes.outbox import RecordingOutbox

# The real store's unique indexes: one entry per entrant and competition, one club name
# per school.
UNIQUE = {
    ENTRIES: ("competition_id", "entrant_key"),
    CLUBS: ("school", "name_key"),
    CERTIFICATES: ("key",),
}


def _equal(doc: Document, equal_to: Mapping[str, object]) -> bool:
    return all(doc.get(key) == value for key, value in equal_to.items())


def _sorted(docs: list[Document], sort: Sequence[tuple[str, int]] | None) -> list[Document]:
    for key, direction in reversed(sort or ()):
        docs.sort(key=lambda d: d[key], reverse=direction < 0)
    return docs


class FakeCompetitionStore:
    def __init__(self, outbox: RecordingOutbox) -> None:
        self.outbox = outbox
        self.collections: defaultdict[str, dict[str, Document]] = defaultdict(dict)

    def _all(self, collection: str) -> list[Document]:
        return [copy.deepcopy(doc) for doc in self.collections[collection].values()]

    async def insert(self, collection: str, doc: Document, events: list[Envelope]) -> None:
        kept = self.collections[collection]
        keys = UNIQUE.get(collection)
        if doc["_id"] in kept or (
            keys and any(all(d.get(k) == doc.get(k) for k in keys) for d in kept.values())
        ):
            raise AlreadyExists(doc["_id"])
        kept[doc["_id"]] = copy.deepcopy(doc)
        self.outbox.queue(collection, doc["_id"], events)

    async def update(
        self,
        collection: str,
        doc_id: str,
        version: int,
        changes: Document,
        events: list[Envelope],
        *,
        push: Document | None = None,
    ) -> Document | None:
        current = self.collections[collection].get(doc_id)
        if current is None or current["version"] != version:
            return None
        current.update(copy.deepcopy(changes))
        for key, value in (push or {}).items():
            current.setdefault(key, []).append(copy.deepcopy(value))
        current["version"] = version + 1
        self.outbox.queue(collection, doc_id, events)
        return copy.deepcopy(current)

    async def get(self, collection: str, doc_id: str) -> Document | None:
        doc = self.collections[collection].get(doc_id)
        return copy.deepcopy(doc) if doc else None

    async def find(
        self,
        collection: str,
        equal_to: Document,
        *,
        sort: list[tuple[str, int]] | None = None,
        skip: int = 0,
        limit: int = 0,
    ) -> list[Document]:
        found = _sorted([d for d in self._all(collection) if _equal(d, equal_to)], sort)
        return found[skip : skip + limit if limit else None]

    async def count(self, collection: str, equal_to: Document) -> int:
        return len([d for d in self._all(collection) if _equal(d, equal_to)])

    async def page_competitions(
        self,
        equal_to: Mapping[str, object],
        *,
        drafts: Drafts,
        viewer_id: str | None,
        skip: int,
        limit: int,
    ) -> tuple[list[Document], int]:
        def shown(doc: Document) -> bool:
            if doc["status"] != "draft" or drafts == Drafts.ALL:
                return True
            return drafts == Drafts.OWN and doc["organizer_id"] == viewer_id

        found = _sorted(
            [d for d in self._all(COMPETITIONS) if _equal(d, equal_to) and shown(d)],
            [("created_at", -1)],
        )
        return found[skip : skip + limit], len(found)

    async def competitions_past_draft(self) -> list[Document]:
        return [d for d in self._all(COMPETITIONS) if d["status"] != "draft"]

    async def competitions_awaiting_certificates(self) -> list[Document]:
        return [
            d
            for d in self._all(COMPETITIONS)
            if d["status"] in ("results_published", "archived")
            and d.get("certificates_issued_at") is None
        ]

    async def judging_competitions_of(self, judge_id: str) -> list[Document]:
        return _sorted(
            [
                d
                for d in self._all(COMPETITIONS)
                if d["status"] == "judging" and any(j["id"] == judge_id for j in d["judges"])
            ],
            [("judging_deadline", 1)],
        )

    async def due_competitions(self, now: datetime) -> list[str]:
        return [
            d["_id"]
            for d in self._all(COMPETITIONS)
            if d["status"] == "published" and utc(d["entry_deadline"]) <= now
        ]

    async def page_clubs(
        self,
        equal_to: Mapping[str, object],
        *,
        active: bool | None,
        active_since: str,
        skip: int,
        limit: int,
    ) -> tuple[list[Document], int]:
        def matches(doc: Document) -> bool:
            last = doc.get("last_activity")
            if active is None:
                return True
            return (last is not None and last >= active_since) == active

        found = _sorted(
            [d for d in self._all(CLUBS) if _equal(d, equal_to) and matches(d)],
            [("registered_at", -1)],
        )
        return found[skip : skip + limit], len(found)

    async def page_initiatives(
        self, status: str | None, *, involving: str | None, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        found = _sorted(
            [
                d
                for d in self._all(INITIATIVES)
                if (status is None or d["status"] == status)
                and (involving is None or involving in (d["filed_by"], *d.get("council", [])))
            ],
            [("filed_at", -1)],
        )
        return found[skip : skip + limit], len(found)

    async def page_recognised(
        self, scope: str | None, *, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        found = _sorted(
            [
                d
                for d in self._all(INITIATIVES)
                if d["status"] == "recognised" and (scope is None or d.get("scope") == scope)
            ],
            [("decided_at", -1)],
        )
        return found[skip : skip + limit], len(found)

    async def save_score(
        self, doc: Document, previous_revision: int | None, events: list[Envelope]
    ) -> bool:
        scores = self.collections[SCORES]
        current = scores.get(doc["_id"])
        if previous_revision is None and current is not None:
            return False
        if previous_revision is not None and (
            current is None or current["revision"] != previous_revision
        ):
            return False
        scores[doc["_id"]] = copy.deepcopy(doc)
        self.outbox.queue(SCORES, doc["_id"], events)
        return True

    async def withdraw_entry(
        self, entry_id: str, entrant_key: str, changes: Document
    ) -> Document | None:
        current = self.collections[ENTRIES].get(entry_id)
        if current is None or current.get("entrant_key") != entrant_key:
            return None
        current.update(copy.deepcopy(changes))
        return copy.deepcopy(current)

    async def replace_person(self, user_id: str, pseudonym: str) -> None:
        self.collections[PEOPLE].pop(user_id, None)
        for collection, field in (
            (ENTRIES, "entrant_id"),
            (SCORES, "judge_id"),
            (CLUBS, "advisor_id"),
            (INITIATIVES, "filed_by"),
        ):
            for doc in self.collections[collection].values():
                if doc.get(field) == user_id:
                    doc[field] = pseudonym

    async def replace_authors(self, initiative_id: str, authors: Sequence[Document]) -> None:
        self.collections[INITIATIVES][initiative_id]["authors"] = list(authors)

    async def save_read_model(
        self, collection: str, key: str, version: int | None, fields: Document
    ) -> None:
        kept = self.collections[collection].get(key)
        if version is None:
            self.collections[collection][key] = {**(kept or {"_id": key}), **fields}
        elif kept is None or kept.get("version", 0) <= version:
            self.collections[collection][key] = {
                **(kept or {"_id": key}),
                **fields,
                "version": version,
            }

    async def read_model(self, collection: str, key: str) -> Document | None:
        return await self.get(collection, key)

    async def all(self, collection: str) -> list[Document]:
        return self._all(collection)
