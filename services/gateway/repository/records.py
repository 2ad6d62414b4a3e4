"""The gateway's other records: reference data, district report versions, responses kept
for Idempotency-Key replays, the store's health and the shared rate-limit counters."""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import ConnectionFailure, DuplicateKeyError

from shared.contracts.base import Envelope
from shared.infra.mongo import Database, Document
from shared.infra.outbox import OUTBOX_FIELD, outbox_entries, with_outbox

# What a store call raises when the database server cannot be reached (it is down or
# restarting): the gateway answers 503 `unavailable`, never 500.
STORE_UNAVAILABLE: tuple[type[Exception], ...] = (ConnectionFailure,)

INDEXES: dict[str, list[IndexModel]] = {}

# --- reference data ---------------------------------------------------------------------

WARDS = "wards"
SCHOOLS = "schools"
SECTORS = "sectors"
ORGANIZATIONS = "organizations"
REFERENCE_COLLECTIONS = (WARDS, SCHOOLS, SECTORS, ORGANIZATIONS)

INDEXES.update(
    {
        WARDS: [IndexModel([("valid_from", ASCENDING), ("valid_to", ASCENDING)], name="validity")],
        SCHOOLS: [IndexModel([("ward", ASCENDING), ("level", ASCENDING)], name="ward_level")],
        SECTORS: [],
        ORGANIZATIONS: [IndexModel([("kind", ASCENDING)], name="kind")],
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


class StoreHealth:
    """Whether the gateway's database answers, for readiness."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def ping(self) -> str:
        """`ok`, or `unreachable` when the server does not answer within its timeout."""
        try:
            await self.db.command("ping")
        except STORE_UNAVAILABLE:
            return "unreachable"
        return "ok"


RATE_LIMITS = "rate_limits"
INDEXES[RATE_LIMITS] = [
    IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="rate_limit_ttl")
]


class LimitCounters:
    """Fixed-window hit counters shared by every gateway copy: one atomic upsert per hit
    (`find_one_and_update` with `$inc`), the window's document expiring after it."""

    def __init__(self, db: Database) -> None:
        self.counters = db[RATE_LIMITS]

    async def hit(self, key: str, window_start: datetime, expires_at: datetime) -> int:
        """Count one hit on `key` in the window starting at `window_start`; the count."""
        doc = await self.counters.find_one_and_update(
            {"_id": f"{key}@{window_start.isoformat()}"},
            {"$inc": {"count": 1}, "$setOnInsert": {"expires_at": expires_at}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        return int(doc["count"]) if doc else 1

    async def count(self, key: str, window_start: datetime) -> int:
        """Hits on `key` in the window starting at `window_start`, without adding one."""
        doc = await self.counters.find_one({"_id": f"{key}@{window_start.isoformat()}"})
        return int(doc["count"]) if doc else 0
