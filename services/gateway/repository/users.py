"""The gateway's store of accounts: users, refresh tokens, password-reset tokens, and
what an erased account leaves elsewhere in the gateway's database."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.gateway.repository.records import IDEMPOTENCY_KEYS, RATE_LIMITS
from shared.contracts.base import Envelope
from shared.infra.mongo import Database, Document
from shared.infra.outbox import OUTBOX_FIELD, outbox_entries, with_outbox

USERS = "users"
REFRESH_TOKENS = "refresh_tokens"

INDEXES = {
    USERS: [
        IndexModel([("email", ASCENDING)], unique=True, name="email_unique"),
        IndexModel([("token_version_at", ASCENDING)], sparse=True, name="token_version_at"),
        IndexModel([("role", ASCENDING), ("search", ASCENDING)], name="role_search"),
        # Erased accounts only: the streams' clean-up looks among them (erasure.py).
        IndexModel([("deleted_at", ASCENDING)], sparse=True, name="erased"),
    ],
    REFRESH_TOKENS: [
        IndexModel([("family_id", ASCENDING)], name="refresh_family"),
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="refresh_ttl"),
    ],
}


PASSWORD_RESETS = "password_resets"  # noqa: S105 (a collection name)
INDEXES[PASSWORD_RESETS] = [
    IndexModel([("purge_at", ASCENDING)], expireAfterSeconds=0, name="reset_ttl")
]


class EmailTaken(Exception):
    pass


#: How long a copy answers `GET /me` from its memory: its own writes drop the entry at
#: once; another copy's write shows within this (the same second as a revoked token).
PROFILE_SECONDS = 1.0
#: Accounts kept in that memory at most (the oldest read goes first).
PROFILES_KEPT = 10_000


class UserStore:
    def __init__(self, db: Database) -> None:
        self.users = db[USERS]
        self.tokens = db[REFRESH_TOKENS]
        self.resets = db[PASSWORD_RESETS]
        self._profiles: dict[str, tuple[float, Document]] = {}
        self._reading: dict[str, asyncio.Future[Document | None]] = {}
        self._writes = 0

    async def profile(self, user_id: str) -> Document | None:
        """The account as `GET /me` and the page's language read it, from this copy's
        memory when read less than `PROFILE_SECONDS` ago (every write of this store drops
        it), else from the database. Never for credentials or sessions: `by_id`."""
        now = time.monotonic()
        kept = self._profiles.get(user_id)
        if kept is not None and now - kept[0] < PROFILE_SECONDS:
            return kept[1]
        # One read per account at a time: requests arriving while it runs share it (when the
        # second ends, every open page of a busy account would otherwise read at once).
        reading = self._reading.get(user_id)
        if reading is None:
            reading = asyncio.ensure_future(self._read_profile(user_id, now))
            self._reading[user_id] = reading
            reading.add_done_callback(
                lambda done: (
                    self._reading.pop(user_id, None) if self._reading.get(user_id) is done else None
                )
            )
        return await asyncio.shield(reading)

    async def _read_profile(self, user_id: str, now: float) -> Document | None:
        writes = self._writes
        doc = await self.users.find_one({"_id": user_id}, {OUTBOX_FIELD: 0})
        # A write of this copy during the read may have come after it: keep nothing then.
        if doc is not None and writes == self._writes:
            if len(self._profiles) >= PROFILES_KEPT:
                del self._profiles[next(iter(self._profiles))]
            self._profiles.pop(user_id, None)
            self._profiles[user_id] = (now, doc)
        return doc

    def _changed(self, user_id: str) -> None:
        self._writes += 1
        self._profiles.pop(user_id, None)
        self._reading.pop(user_id, None)  # a read begun before the write is not shared

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

    async def key_of(self, user_id: str) -> Document | None:
        """The account's person key and erasure mark only, or None for no such account."""
        return await self.users.find_one({"_id": user_id}, {"person_key": 1, "deleted_at": 1})

    async def forget_traces(self, user_id: str, email: str, full_name: str) -> int:
        """What an erased account leaves beside its document (PDPL 91/2025, issue 13): its
        password-reset tokens, the responses kept 24 h for replay under an Idempotency-Key
        whose body names it (the record's key is a hash of caller and key, so the bodies are
        searched: the sign-up's own 201 holds the email and name), and the rate-limit
        counters keyed by its email. Refresh tokens keep only hashes and the id. Returns
        how many records went."""
        removed = (await self.resets.delete_many({"user_id": user_id})).deleted_count
        db = self.users.database
        needles = [n.encode() for n in (user_id, email, full_name) if n]
        replays = db[IDEMPOTENCY_KEYS]
        doomed = [
            record["_id"]
            async for record in replays.find({"body": {"$exists": True}}, {"body": 1})
            if any(needle in bytes(record["body"] or b"") for needle in needles)
        ]
        if doomed:
            removed += (await replays.delete_many({"_id": {"$in": doomed}})).deleted_count
        counters = {"_id": {"$regex": f"^[a-z-]+:email:{re.escape(email)}@"}}
        removed += (await db[RATE_LIMITS].delete_many(counters)).deleted_count
        return removed

    async def update(
        self,
        user_id: str,
        version: int,
        changes: Document,
        events: list[Envelope],
        *,
        end_sessions: bool = False,
    ) -> Document | None:
        """Apply changes if the stored version is still `version`; None on a lost race.
        `end_sessions` raises the user's token version in the same write, so every access
        token issued before is refused (`services.gateway.revocation`)."""
        inc = {"version": 1}
        if end_sessions:
            inc["token_version"] = 1
            changes = {**changes, "token_version_at": datetime.now(UTC)}
        update = with_outbox({"$set": changes, "$inc": inc}, events)
        try:
            return await self.users.find_one_and_update(
                {"_id": user_id, "version": version}, update, return_document=ReturnDocument.AFTER
            )
        finally:
            # After the write: a profile read that began before it keeps nothing.
            self._changed(user_id)

    async def end_sessions(self, user_id: str) -> int:
        """Raise the user's token version (the account's own version is unchanged); the
        new token version, 0 when there is no such user."""
        doc = await self.users.find_one_and_update(
            {"_id": user_id},
            {"$inc": {"token_version": 1}, "$set": {"token_version_at": datetime.now(UTC)}},
            projection={"token_version": 1},
            return_document=ReturnDocument.AFTER,
        )
        self._changed(user_id)
        return int(doc["token_version"]) if doc else 0

    async def token_versions(self, since: datetime | None) -> list[tuple[str, int]]:
        """(user id, token version) changed at or after `since`; all above 0 if None."""
        query: Document = (
            {"token_version": {"$gt": 0}}
            if since is None
            else {"token_version_at": {"$gte": since}}
        )
        cursor = self.users.find(query, {"token_version": 1})
        return [(doc["_id"], int(doc.get("token_version", 0))) async for doc in cursor]

    async def search(
        self, *, folded: str | None, role: str | None, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        """Accounts (not erased ones) whose folded name or email contains `folded`, by
        email; and how many match."""
        query: Document = {"deleted_at": {"$exists": False}}
        if role:
            query["role"] = role
        if folded:
            query["search"] = {"$regex": re.escape(folded)}
        cursor = self.users.find(query, {OUTBOX_FIELD: 0, "password_hash": 0, "person_key": 0})
        items: list[Document] = await cursor.sort("email", ASCENDING).skip(skip).to_list(limit)
        return items, await self.users.count_documents(query)

    async def without_search(self) -> list[Document]:
        """Accounts made before the search field existed (to fill it in at start)."""
        cursor = self.users.find({"search": {"$exists": False}}, {"email": 1, "full_name": 1})
        return [doc async for doc in cursor]

    async def set_search(self, user_id: str, folded: str) -> None:
        await self.users.update_one({"_id": user_id}, {"$set": {"search": folded}})
        self._changed(user_id)

    async def active_admins(self) -> int:
        """Admins not disabled and not erased."""
        return await self.users.count_documents(
            {"role": "admin", "disabled": {"$ne": True}, "deleted_at": {"$exists": False}}
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

    async def keep_successor(self, token_hash: str, sealed: str) -> None:
        """Keep, on a rotated refresh token, the tokens its rotation issued, sealed under a
        key only that token's holder can derive (`auth.seal_successor`)."""
        await self.tokens.update_one({"_id": token_hash}, {"$set": {"successor": sealed}})

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

    async def erased_with_log_to_clean(self, limit: int) -> list[str]:
        """Ids of at most `limit` erased accounts not yet marked `log_cleaned_at`, oldest
        erasure first (`services.gateway.erasure`); accounts made since contacts were sealed
        (`sealed_from_start`) never published one in clear and are not walked for."""
        cursor = self.users.find(
            {
                "deleted_at": {"$exists": True},
                "log_cleaned_at": {"$exists": False},
                "sealed_from_start": {"$ne": True},
            },
            {"_id": 1},
            sort=[("deleted_at", ASCENDING)],
            limit=limit,
        )
        return [doc["_id"] async for doc in cursor]

    async def mark_log_cleaned(self, user_ids: list[str], at: datetime) -> int:
        """Record that no stream holds these erased accounts' contacts in clear any more."""
        result = await self.users.update_many(
            {"_id": {"$in": user_ids}, "deleted_at": {"$exists": True}},
            {"$set": {"log_cleaned_at": at}},
        )
        return result.modified_count

    # --- password reset tokens (only their hash is kept) --------------------------------

    async def add_reset(self, token: Document) -> None:
        await self.resets.insert_one(token)

    async def reset_by_hash(self, token_hash: str) -> Document | None:
        return await self.resets.find_one({"_id": token_hash})

    async def use_reset(self, token_hash: str, at: datetime) -> bool:
        """Mark used; True only for the one caller that wins."""
        result = await self.resets.update_one(
            {"_id": token_hash, "used_at": None}, {"$set": {"used_at": at}}
        )
        return result.modified_count == 1

    async def tokens_of(self, user_id: str) -> list[Document]:
        cursor = self.tokens.find({"user_id": user_id}, {"_id": 0, "user_id": 0})
        found: list[dict[str, Any]] = await cursor.to_list(length=1000)
        return found
