"""The only gateway module that talks to MongoDB: users and refresh tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import ConnectionFailure, DuplicateKeyError

from shared.contracts.base import Envelope
from shared.infra.mongo import OUTBOX_FIELD, Database, Document, outbox_entries, with_outbox

# What a store call raises when the database server cannot be reached (it is down or
# restarting): the gateway answers 503 `unavailable`, never 500.
STORE_UNAVAILABLE: tuple[type[Exception], ...] = (ConnectionFailure,)

USERS = "users"
REFRESH_TOKENS = "refresh_tokens"

INDEXES = {
    USERS: [IndexModel([("email", ASCENDING)], unique=True, name="email_unique")],
    REFRESH_TOKENS: [
        IndexModel([("family_id", ASCENDING)], name="refresh_family"),
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="refresh_ttl"),
    ],
}


class EmailTaken(Exception):
    pass


class UserStore:
    def __init__(self, db: Database) -> None:
        self.users = db[USERS]
        self.tokens = db[REFRESH_TOKENS]

    async def insert(self, user: Document, events: list[Envelope]) -> None:
        """The user and their `registered` event in one write (single-document outbox)."""
        doc = dict(user)
        doc[OUTBOX_FIELD] = outbox_entries(events)
        try:
            await self.users.insert_one(doc)
        except DuplicateKeyError:
            raise EmailTaken(user["email"]) from None

    async def by_email(self, email: str) -> Document | None:
        return await self.users.find_one({"email": email})

    async def by_id(self, user_id: str) -> Document | None:
        return await self.users.find_one({"_id": user_id})

    async def update(
        self, user_id: str, version: int, changes: Document, events: list[Envelope]
    ) -> Document | None:
        """Apply changes if the stored version is still `version`; None on a lost race."""
        update = with_outbox({"$set": changes, "$inc": {"version": 1}}, events)
        return await self.users.find_one_and_update(
            {"_id": user_id, "version": version}, update, return_document=ReturnDocument.AFTER
        )

    async def count(self) -> int:
        return await self.users.count_documents({})

    async def deletion_requests(self, *, skip: int, limit: int) -> tuple[list[Document], int]:
        query: Document = {"deletion": {"$exists": True}}
        cursor = (
            self.users.find(query, {"deletion": 1, "role": 1})
            .sort("deletion.requested_at", DESCENDING)
            .skip(skip)
            .limit(limit)
        )
        items: list[Document] = await cursor.to_list(length=limit)
        return items, await self.users.count_documents(query)

    # --- refresh tokens -------------------------------------------------------------------

    async def add_refresh(self, token: Document) -> None:
        await self.tokens.insert_one(token)

    async def refresh_by_hash(self, token_hash: str) -> Document | None:
        return await self.tokens.find_one({"_id": token_hash})

    async def rotate_refresh(self, token_hash: str, at: datetime) -> bool:
        """Mark used; True only for the one caller that wins (atomic on `rotated_at`)."""
        result = await self.tokens.update_one(
            {"_id": token_hash, "rotated_at": None, "revoked_at": None},
            {"$set": {"rotated_at": at}},
        )
        return result.modified_count == 1

    async def revoke_family(self, family_id: str, at: datetime, reason: str) -> int:
        result = await self.tokens.update_many(
            {"family_id": family_id, "revoked_at": None},
            {"$set": {"revoked_at": at, "revoked_reason": reason}},
        )
        return result.modified_count

    async def revoke_user(self, user_id: str, at: datetime, reason: str) -> int:
        result = await self.tokens.update_many(
            {"user_id": user_id, "revoked_at": None},
            {"$set": {"revoked_at": at, "revoked_reason": reason}},
        )
        return result.modified_count

    async def tokens_of(self, user_id: str) -> list[Document]:
        cursor = self.tokens.find({"user_id": user_id}, {"_id": 0, "user_id": 0})
        found: list[dict[str, Any]] = await cursor.to_list(length=1000)
        return found


# --- reference data ---------------------------------------------------------------------

WARDS = "wards"
SCHOOLS = "schools"
SECTORS = "sectors"
REFERENCE_COLLECTIONS = (WARDS, SCHOOLS, SECTORS)

INDEXES.update(
    {
        WARDS: [IndexModel([("valid_from", ASCENDING), ("valid_to", ASCENDING)], name="validity")],
        SCHOOLS: [IndexModel([("ward", ASCENDING), ("level", ASCENDING)], name="ward_level")],
        SECTORS: [],
    }
)


class CodeTaken(Exception):
    pass


class ReferenceStore:
    """Wards, schools and sectors, keyed by their code, each with its own outbox."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def count(self, kind: str) -> int:
        return await self.db[kind].count_documents({})

    async def insert(self, kind: str, doc: Document, events: list[Envelope]) -> None:
        try:
            await self.db[kind].insert_one({**doc, OUTBOX_FIELD: outbox_entries(events)})
        except DuplicateKeyError:
            raise CodeTaken(doc["_id"]) from None

    async def replace(
        self, kind: str, code: str, version: int, fields: Document, events: list[Envelope]
    ) -> Document | None:
        update = with_outbox({"$set": fields, "$inc": {"version": 1}}, events)
        return await self.db[kind].find_one_and_update(
            {"_id": code, "version": version}, update, return_document=ReturnDocument.AFTER
        )

    async def get(self, kind: str, code: str) -> Document | None:
        return await self.db[kind].find_one({"_id": code}, {OUTBOX_FIELD: 0})

    async def find(
        self, kind: str, query: Document, *, sort: str, skip: int = 0, limit: int = 0
    ) -> tuple[list[Document], int]:
        cursor = self.db[kind].find(query, {OUTBOX_FIELD: 0}).sort(sort, ASCENDING).skip(skip)
        if limit:
            cursor = cursor.limit(limit)
        items: list[Document] = await cursor.to_list(length=limit or None)
        return items, await self.db[kind].count_documents(query)

    async def existing_codes(self, kind: str, codes: list[str]) -> set[str]:
        cursor = self.db[kind].find({"_id": {"$in": codes}}, {"_id": 1})
        return {doc["_id"] async for doc in cursor}


# --- locked district reports ------------------------------------------------------------

REPORT_VERSIONS = "report_versions"
INDEXES[REPORT_VERSIONS] = [
    IndexModel([("period", ASCENDING), ("version", DESCENDING)], name="period_version")
]


class ReportStore:
    def __init__(self, db: Database) -> None:
        self.versions = db[REPORT_VERSIONS]

    async def latest(self, period: str) -> Document | None:
        cursor = self.versions.find({"period": period}).sort("version", DESCENDING).limit(1)
        found: list[Document] = await cursor.to_list(length=1)
        return found[0] if found else None

    async def all_versions(self, period: str) -> list[Document]:
        cursor = self.versions.find({"period": period}, {"figures": 0}).sort("version", ASCENDING)
        return [doc async for doc in cursor]

    async def lock(self, doc: Document) -> bool:
        """False when another admin locked the same version number first."""
        try:
            await self.versions.insert_one({**doc, "_id": f"{doc['period']}:{doc['version']}"})
        except DuplicateKeyError:
            return False
        return True


IDEMPOTENCY_KEYS = "idempotency_keys"
INDEXES[IDEMPOTENCY_KEYS] = [
    IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="idempotency_ttl")
]


class IdempotencyStore:
    """Responses kept per (caller, Idempotency-Key) for 24 h, so a retried POST replays the
    first answer instead of acting twice (IETF draft "The Idempotency-Key HTTP Header
    Field"). A record is `in_progress` while its first request runs, then `done` with the
    response's status, content type and body."""

    def __init__(self, db: Database) -> None:
        self.keys = db[IDEMPOTENCY_KEYS]

    async def claim(
        self, key: str, fingerprint: str, now: datetime, expires_at: datetime
    ) -> Document | None:
        """Claim `key` for a request; None when claimed, else the record already there."""
        try:
            await self.keys.insert_one(
                {
                    "_id": key,
                    "fingerprint": fingerprint,
                    "state": "in_progress",
                    "claimed_at": now,
                    "expires_at": expires_at,
                }
            )
        except DuplicateKeyError:
            return await self.keys.find_one({"_id": key})
        return None

    async def take_over(self, key: str, claimed_at: datetime, now: datetime) -> bool:
        """Take a claim whose request died with its gateway (claimed at `claimed_at`)."""
        result = await self.keys.update_one(
            {"_id": key, "state": "in_progress", "claimed_at": claimed_at},
            {"$set": {"claimed_at": now}},
        )
        return result.modified_count == 1

    async def complete(
        self, key: str, status: int, content_type: str | None, body: bytes, location: str | None
    ) -> None:
        await self.keys.update_one(
            {"_id": key},
            {
                "$set": {
                    "state": "done",
                    "status": status,
                    "content_type": content_type,
                    "location": location,
                    "body": body,
                }
            },
        )

    async def release(self, key: str) -> None:
        """Forget a claim whose request failed on our side, so a retry acts again."""
        await self.keys.delete_one({"_id": key, "state": "in_progress"})
