"""The only registry module that talks to MongoDB: startups, and the read models it keeps
from identity events (wards, sectors, contacts)."""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.contracts.base import Envelope
from shared.infra.mongo import OUTBOX_FIELD, Database, Document, outbox_entries, with_outbox

STARTUPS = "startups"
DAILY_FIGURES = "daily_figures"
WARDS = "wards"
SECTORS = "sectors"
CONTACTS = "contacts"

INDEXES = {
    STARTUPS: [
        IndexModel(
            [("owner_id", ASCENDING), ("name_key", ASCENDING)], unique=True, name="owner_name"
        ),
        IndexModel([("tax_code", ASCENDING)], unique=True, sparse=True, name="tax_code_unique"),
        # The caller's scoped Idempotency-Key: a retried registration finds what it made.
        IndexModel(
            [("request_key", ASCENDING)], unique=True, sparse=True, name="request_key_unique"
        ),
        IndexModel([("search_words", ASCENDING)], name="search_words"),
        IndexModel(
            [("status", ASCENDING), ("visibility", ASCENDING), ("registered_at", DESCENDING)],
            name="listing",
        ),
        IndexModel([("registered_at", ASCENDING)], name="registered_at"),
    ],
    WARDS: [],
    SECTORS: [],
    CONTACTS: [],
    DAILY_FIGURES: [],
}

# Never sent back to callers; the search fields are internal too.
HIDDEN = {OUTBOX_FIELD: 0, "search_tones": 0, "search_name": 0, "search_words": 0, "name_key": 0}
RANKING_FIELDS = ("search_tones", "search_name")


class DuplicateStartup(Exception):
    pass


class StartupStore:
    def __init__(self, db: Database) -> None:
        self.startups = db[STARTUPS]
        self.wards = db[WARDS]
        self.sectors = db[SECTORS]
        self.contacts = db[CONTACTS]
        self.db_figures = db[DAILY_FIGURES]

    async def insert(self, doc: Document, events: list[Envelope]) -> None:
        try:
            await self.startups.insert_one({**doc, OUTBOX_FIELD: outbox_entries(events)})
        except DuplicateKeyError:
            raise DuplicateStartup from None

    async def update(
        self,
        startup_id: str,
        version: int,
        changes: Document,
        unset: list[str],
        history: Document,
        events: list[Envelope],
    ) -> Document | None:
        """Apply if the stored version is still `version`; None when someone else won."""
        update: Document = {
            "$set": changes,
            "$inc": {"version": 1},
            "$push": {"history": history},
        }
        if unset:
            update["$unset"] = dict.fromkeys(unset, "")
        update = with_outbox(update, events)
        try:
            return await self.startups.find_one_and_update(
                {"_id": startup_id, "version": version},
                update,
                projection=HIDDEN,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            raise DuplicateStartup from None

    async def made_by_request(self, request_key: str) -> Document | None:
        """The startup a command with this scoped Idempotency-Key registered, if any."""
        return await self.startups.find_one({"request_key": request_key}, HIDDEN)

    async def get(self, startup_id: str) -> Document | None:
        return await self.startups.find_one({"_id": startup_id}, HIDDEN)

    async def find_duplicate(
        self, owner_id: str, name_key: str, tax_code: str | None, exclude_id: str | None = None
    ) -> Document | None:
        clauses: list[Document] = [{"owner_id": owner_id, "name_key": name_key}]
        if tax_code:
            clauses.append({"tax_code": tax_code})
        query: Document = {"$or": clauses}
        if exclude_id:
            query["_id"] = {"$ne": exclude_id}
        return await self.startups.find_one(
            query, {"_id": 1, "name": 1, "owner_id": 1, "tax_code": 1}
        )

    async def search(
        self, query: Document, *, words: list[str] | None, skip: int, limit: int | None
    ) -> tuple[list[Document], int]:
        """Filtered, newest first. With `words` every word must match (index on search_words);
        the caller ranks, so then all matches come back with what ranking needs."""
        projection = HIDDEN
        if words:
            query = {**query, "search_words": {"$all": words}}
            projection = {k: v for k, v in HIDDEN.items() if k not in RANKING_FIELDS}
        cursor = self.startups.find(query, projection).sort("registered_at", DESCENDING)
        if skip:
            cursor = cursor.skip(skip)
        if limit:
            cursor = cursor.limit(limit)
        items: list[Document] = await cursor.to_list(length=limit)
        return items, await self.startups.count_documents(query)

    async def history(self, startup_id: str) -> Document | None:
        return await self.startups.find_one({"_id": startup_id}, {"history": 1, "owner_id": 1})

    async def owned_by(self, owner_id: str) -> list[Document]:
        cursor = self.startups.find({"owner_id": owner_id}, HIDDEN)
        return [doc async for doc in cursor]

    async def erase_founder(self, owner_id: str, email: str | None) -> int:
        """Remove the person's own data from their startups; the business record stays."""
        result = await self.startups.update_many(
            {"owner_id": owner_id},
            {"$unset": {"founder_birth_year": ""}, "$pull": {"team": {"is_founder": True}}},
        )
        if email:
            await self.startups.update_many(
                {"team.email": email}, {"$pull": {"team": {"email": email}}}
            )
        return result.modified_count

    # --- daily figures (a read model of the registry's own events) ------------------------

    async def add_to_day(self, day: str, increments: dict[str, int]) -> None:
        await self.db_figures.update_one({"_id": day}, {"$inc": increments}, upsert=True)

    async def days(self, first: str | None, before: str) -> list[Document]:
        """Buckets with first <= day < before (ISO dates sort as text)."""
        bounds: Document = {"$lt": before}
        if first is not None:
            bounds["$gte"] = first
        return [doc async for doc in self.db_figures.find({"_id": bounds})]

    # --- read models from identity events -------------------------------------------------

    async def save_reference(self, kind: str, code: str, version: int, fields: Document) -> None:
        """Upsert unless a newer version is already kept."""
        collection = self.wards if kind == WARDS else self.sectors
        current = await collection.find_one({"_id": code}, {"version": 1})
        if current and current.get("version", 0) >= version:
            return
        await collection.update_one(
            {"_id": code}, {"$set": {**fields, "version": version}}, upsert=True
        )

    async def ward(self, code: str) -> Document | None:
        return await self.wards.find_one({"_id": code})

    async def sector(self, code: str) -> Document | None:
        return await self.sectors.find_one({"_id": code})

    async def save_contact(self, user_id: str, fields: Document) -> None:
        await self.contacts.update_one({"_id": user_id}, {"$set": fields}, upsert=True)

    async def contact(self, user_id: str) -> Document | None:
        return await self.contacts.find_one({"_id": user_id})

    async def erase_contact(self, user_id: str) -> Document | None:
        return await self.contacts.find_one_and_delete({"_id": user_id})

    async def count(self) -> int:
        return await self.startups.count_documents({})
