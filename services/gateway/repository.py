"""The only gateway module that talks to MongoDB: users and refresh tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.contracts.base import Envelope
from shared.infra.mongo import OUTBOX_FIELD, Database, Document, outbox_entries, with_outbox

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
