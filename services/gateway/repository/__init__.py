"""The only gateway modules that talk to MongoDB (a package since it passed 400 lines,
DESIGN §10): accounts in `users`, everything else the gateway keeps in `records`."""

from __future__ import annotations

from pymongo import IndexModel

from services.gateway.repository import records, users
from services.gateway.repository.records import (
    IDEMPOTENCY_KEYS,
    ORGANIZATIONS,
    RATE_LIMITS,
    REFERENCE_COLLECTIONS,
    SCHOOLS,
    SECTORS,
    STORE_UNAVAILABLE,
    WARDS,
    CodeTaken,
    IdempotencyStore,
    LimitCounters,
    ReferenceStore,
    ReportStore,
    StoreHealth,
)
from services.gateway.repository.users import USERS, EmailTaken, UserStore

#: Every collection's indexes, created at start-up.
INDEXES: dict[str, list[IndexModel]] = {**users.INDEXES, **records.INDEXES}

__all__ = [
    "IDEMPOTENCY_KEYS",
    "INDEXES",
    "ORGANIZATIONS",
    "RATE_LIMITS",
    "REFERENCE_COLLECTIONS",
    "SCHOOLS",
    "SECTORS",
    "STORE_UNAVAILABLE",
    "USERS",
    "WARDS",
    "CodeTaken",
    "EmailTaken",
    "IdempotencyStore",
    "LimitCounters",
    "ReferenceStore",
    "ReportStore",
    "StoreHealth",
    "UserStore",
]
