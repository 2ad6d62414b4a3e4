"""The only competitions module that talks to MongoDB: competitions, entries, scores, clubs,
initiatives (each with its `_outbox`), and the read models kept from events (people,
schools, startups). Filters are built by the service from validated values only."""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.contracts.base import Envelope
from shared.infra.mongo import OUTBOX_FIELD, Database, Document, outbox_entries, with_outbox

COMPETITIONS = "competitions"
ENTRIES = "entries"
SCORES = "scores"
CLUBS = "clubs"
INITIATIVES = "initiatives"
PEOPLE = "people"
SCHOOLS = "schools"
STARTUPS = "startups"
OUTBOXED = (COMPETITIONS, ENTRIES, SCORES, CLUBS, INITIATIVES)

INDEXES = {
    COMPETITIONS: [
        IndexModel([("status", ASCENDING), ("entry_deadline", ASCENDING)], name="due"),
        IndexModel([("judges.id", ASCENDING)], name="judges"),
        IndexModel([("created_at", DESCENDING)], name="newest"),
    ],
    ENTRIES: [
        IndexModel(
            [("competition_id", ASCENDING), ("entrant_key", ASCENDING)],
            unique=True,
            name="one_entry_per_entrant",
        ),
        IndexModel([("entrant_id", ASCENDING)], name="entrant"),
        IndexModel([("submitted_at", ASCENDING)], name="submitted_at"),
    ],
    SCORES: [
        IndexModel([("competition_id", ASCENDING)], name="competition"),
        IndexModel([("judge_id", ASCENDING)], name="judge"),
    ],
    CLUBS: [
        IndexModel(
            [("school", ASCENDING), ("name_key", ASCENDING)], unique=True, name="school_club_name"
        ),
        IndexModel([("registered_at", ASCENDING)], name="registered_at"),
    ],
    INITIATIVES: [
        IndexModel([("filed_by", ASCENDING)], name="filed_by"),
        IndexModel([("council", ASCENDING)], name="council"),
        IndexModel([("filed_at", DESCENDING)], name="newest"),
    ],
    PEOPLE: [],
    SCHOOLS: [],
    STARTUPS: [IndexModel([("owner_id", ASCENDING)], name="owner")],
}
HIDDEN = {OUTBOX_FIELD: 0}


class Duplicate(Exception):
    pass


class CompetitionStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- aggregates with an outbox ----------------------------------------------------------

    async def insert(self, collection: str, doc: Document, events: list[Envelope]) -> None:
        try:
            await self.db[collection].insert_one({**doc, OUTBOX_FIELD: outbox_entries(events)})
        except DuplicateKeyError:
            raise Duplicate from None

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
        """State and its events in one write, if the stored version is still `version`;
        None when someone else won the race."""
        update: Document = {"$set": changes, "$inc": {"version": 1}}
        if push:
            update["$push"] = dict(push)
        update = with_outbox(update, events)
        return await self.db[collection].find_one_and_update(
            {"_id": doc_id, "version": version},
            update,
            projection=HIDDEN,
            return_document=ReturnDocument.AFTER,
        )

    async def get(self, collection: str, doc_id: str) -> Document | None:
        return await self.db[collection].find_one({"_id": doc_id}, HIDDEN)

    async def find(
        self,
        collection: str,
        query: Document,
        *,
        sort: list[tuple[str, int]] | None = None,
        skip: int = 0,
        limit: int = 0,
    ) -> list[Document]:
        cursor = self.db[collection].find(query, HIDDEN)
        if sort:
            cursor = cursor.sort(sort)
        if skip:
            cursor = cursor.skip(skip)
        if limit:
            cursor = cursor.limit(limit)
        return [doc async for doc in cursor]

    async def count(self, collection: str, query: Document) -> int:
        return await self.db[collection].count_documents(query)

    async def due_competitions(self, now: datetime) -> list[str]:
        cursor = self.db[COMPETITIONS].find(
            {"status": "published", "entry_deadline": {"$lte": now}}, {"_id": 1}
        )
        return [doc["_id"] async for doc in cursor]

    async def save_score(
        self, doc: Document, previous_revision: int | None, events: list[Envelope]
    ) -> bool:
        """Insert the first score set, or replace a revision nobody else replaced."""
        scores = self.db[SCORES]
        if previous_revision is None:
            try:
                await scores.insert_one({**doc, OUTBOX_FIELD: outbox_entries(events)})
            except DuplicateKeyError:
                return False
            return True
        fields = {k: v for k, v in doc.items() if k != "_id"}
        update = with_outbox({"$set": fields}, events)
        result = await scores.update_one({"_id": doc["_id"], "revision": previous_revision}, update)
        return result.modified_count == 1

    # --- personal data -------------------------------------------------------------------------

    async def replace_person(self, user_id: str, pseudonym: str) -> None:
        """Erasure: the person's id is replaced wherever it is kept, so figures and frozen
        results stay true while nothing points back to them."""
        await self.db[PEOPLE].delete_one({"_id": user_id})
        await self.db[ENTRIES].update_many(
            {"entrant_id": user_id}, {"$set": {"entrant_id": pseudonym}}
        )
        await self.db[SCORES].update_many({"judge_id": user_id}, {"$set": {"judge_id": pseudonym}})
        await self.db[CLUBS].update_many(
            {"advisor_id": user_id}, {"$set": {"advisor_id": pseudonym}}
        )
        await self.db[INITIATIVES].update_many(
            {"filed_by": user_id}, {"$set": {"filed_by": pseudonym}}
        )

    async def replace_in_arrays(self, collection: str, doc: Document, changes: Document) -> None:
        await self.db[collection].update_one({"_id": doc["_id"]}, {"$set": changes})

    # --- read models ---------------------------------------------------------------------------

    async def save_read_model(
        self, collection: str, key: str, version: int | None, fields: Document
    ) -> None:
        """Upsert unless a newer version is already kept."""
        if version is not None:
            current = await self.db[collection].find_one({"_id": key}, {"version": 1})
            if current and current.get("version", 0) > version:
                return
            fields = {**fields, "version": version}
        await self.db[collection].update_one({"_id": key}, {"$set": fields}, upsert=True)

    async def read_model(self, collection: str, key: str) -> Document | None:
        return await self.db[collection].find_one({"_id": key})

    async def all(self, collection: str, query: Document | None = None) -> list[Document]:
        return [doc async for doc in self.db[collection].find(query or {}, HIDDEN)]
