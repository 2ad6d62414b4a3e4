"""The only mentoring module that talks to MongoDB."""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.contracts.base import Envelope
from shared.infra.mongo import OUTBOX_FIELD, Database, Document, outbox_entries, with_outbox

MENTORS = "mentors"
REQUESTS = "requests"
MATCHES = "matches"
SESSIONS = "sessions"
STARTUPS = "startups"
USERS = "users"
DAILY_FIGURES = "daily_figures"
SECTORS = "sectors"
AGGREGATES = (MENTORS, REQUESTS, MATCHES, SESSIONS)
HIDDEN = {OUTBOX_FIELD: 0}

INDEXES = {
    MENTORS: [IndexModel([("active", ASCENDING), ("paused", ASCENDING)], name="eligible")],
    REQUESTS: [
        IndexModel([("status", ASCENDING), ("opened_at", DESCENDING)], name="open_newest"),
        IndexModel([("founder_id", ASCENDING)], name="founder"),
    ],
    MATCHES: [IndexModel([("mentor_id", ASCENDING), ("status", ASCENDING)], name="mentor_status")],
    SESSIONS: [
        IndexModel([("mentor_id", ASCENDING), ("starts_at", ASCENDING)], name="mentor_time"),
        IndexModel([("startup_id", ASCENDING), ("starts_at", ASCENDING)], name="startup_time"),
    ],
    STARTUPS: [],
    USERS: [],
    SECTORS: [],
}


class Exists(Exception):
    pass


class MentoringStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def insert(self, kind: str, doc: Document, events: list[Envelope]) -> None:
        try:
            await self.db[kind].insert_one({**doc, OUTBOX_FIELD: outbox_entries(events)})
        except DuplicateKeyError:
            raise Exists(doc["_id"]) from None

    async def update(
        self,
        kind: str,
        doc_id: str,
        version: int,
        changes: Document,
        events: list[Envelope],
        *,
        extra: Document | None = None,
    ) -> Document | None:
        """Apply if the stored version is still `version`; None when someone else won."""
        operators = dict(extra or {})
        increments = {"version": 1, **operators.pop("$inc", {})}
        update = with_outbox({"$set": changes, "$inc": increments, **operators}, events)
        return await self.db[kind].find_one_and_update(
            {"_id": doc_id, "version": version},
            update,
            projection=HIDDEN,
            return_document=ReturnDocument.AFTER,
        )

    async def get(self, kind: str, doc_id: str) -> Document | None:
        return await self.db[kind].find_one({"_id": doc_id}, HIDDEN)

    async def find(
        self, kind: str, query: Document, *, sort: str = "_id", skip: int = 0, limit: int = 0
    ) -> tuple[list[Document], int]:
        cursor = self.db[kind].find(query, HIDDEN).sort(sort, ASCENDING).skip(skip)
        if limit:
            cursor = cursor.limit(limit)
        items: list[Document] = await cursor.to_list(length=limit or None)
        return items, await self.db[kind].count_documents(query)

    async def all(self, kind: str, query: Document) -> list[Document]:
        return [doc async for doc in self.db[kind].find(query, HIDDEN)]

    async def sessions_between(
        self, field: str, value: str, start: datetime, end: datetime
    ) -> list[Document]:
        query = {
            field: value,
            "status": {"$ne": "cancelled"},
            "starts_at": {"$lt": end},
            "ends_at": {"$gt": start},
        }
        return await self.all(SESSIONS, query)

    async def delete(self, kind: str, doc_id: str) -> None:
        await self.db[kind].delete_one({"_id": doc_id})

    async def add_to_day(self, day: str, increments: Document, names: Document) -> None:
        update: Document = {"$inc": increments}
        if names:
            update["$set"] = names
        await self.db[DAILY_FIGURES].update_one({"_id": day}, update, upsert=True)

    async def days(self, first: str, before: str) -> list[Document]:
        """Daily buckets with first <= day < before (ISO dates sort as text)."""
        cursor = self.db[DAILY_FIGURES].find({"_id": {"$gte": first, "$lt": before}})
        return [doc async for doc in cursor]

    async def save_read_model(self, kind: str, doc_id: str, version: int, fields: Document) -> None:
        """Upsert unless a newer version is already kept (events may arrive out of order)."""
        current = await self.db[kind].find_one({"_id": doc_id}, {"version": 1})
        if current and current.get("version", 0) >= version:
            return
        await self.db[kind].update_one(
            {"_id": doc_id}, {"$set": {**fields, "version": version}}, upsert=True
        )

    async def sector_labels(self) -> dict[str, str]:
        return {doc["_id"]: doc["name_vi"] async for doc in self.db[SECTORS].find({})}

    async def save_user(self, user_id: str, fields: Document) -> None:
        """Identity events carry no version: the latest delivered wins. A mentor's profile
        follows the account's name and organization."""
        await self.db[USERS].update_one({"_id": user_id}, {"$set": fields}, upsert=True)
        await self.db[MENTORS].update_one(
            {"_id": user_id, "erased": {"$ne": True}},
            {"$set": {"full_name": fields.get("full_name")}},
        )

    async def erase_person(self, user_id: str) -> None:
        """Personal data out, records kept (counts, hours and ratings stay for reports)."""
        await self.db[MENTORS].update_many(
            {"_id": user_id},
            {
                "$set": {"bio": "", "full_name": None, "active": False, "erased": True},
                "$inc": {"version": 1},
            },
        )
        await self.db[REQUESTS].update_many(
            {"founder_id": user_id}, {"$set": {"message": ""}, "$inc": {"version": 1}}
        )
        await self.db[SESSIONS].update_many(
            {"founder_id": user_id}, {"$set": {"comment": ""}, "$inc": {"version": 1}}
        )
        await self.db[SESSIONS].update_many(
            {"mentor_id": user_id}, {"$set": {"notes": ""}, "$inc": {"version": 1}}
        )
        await self.db[USERS].delete_one({"_id": user_id})
