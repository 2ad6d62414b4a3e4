"""The only mentoring module that talks to MongoDB: mentors, consultation requests, matches
and sessions (aggregates with an `_outbox`), daily figures, and the read models kept from
other services' events (startups, users, sectors)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from pymongo import ASCENDING, DESCENDING, IndexModel

from shared.contracts.base import Envelope
from shared.infra.mongo import OUTBOX_FIELD, AggregateCollection, Database, Document

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


class MentoringStore:
    """Each query the use cases need, by name; documents are dicts keyed by string ids.
    `kind` is one of `AGGREGATES` (or a read model's collection for `get`)."""

    def __init__(self, db: Database) -> None:
        self.collections = {
            kind: AggregateCollection(db[kind], HIDDEN if kind in AGGREGATES else {})
            for kind in (*AGGREGATES, STARTUPS, USERS, SECTORS, DAILY_FIGURES)
        }

    def _of(self, kind: str) -> AggregateCollection:
        return self.collections[kind]

    # --- aggregates -------------------------------------------------------------------------

    async def insert(self, kind: str, doc: Document, events: list[Envelope]) -> None:
        """Store a new aggregate with its events. Raises `AlreadyExists` (same `_id`)."""
        await self._of(kind).insert(doc, events)

    async def update(
        self,
        kind: str,
        doc_id: str,
        version: int,
        changes: Document,
        events: list[Envelope],
        *,
        inc: Mapping[str, int] | None = None,
        add_to_set: Document | None = None,
    ) -> Document | None:
        """Set `changes`, add `inc` to counters and `add_to_set` to sets, if the stored
        version is still `version`; the document after, or None when someone else won."""
        return await self._of(kind).update(
            doc_id, version, events, set_=changes, inc=inc, add_to_set=add_to_set
        )

    async def get(self, kind: str, doc_id: str) -> Document | None:
        """The document of `kind` with that id, or None."""
        return await self._of(kind).get(doc_id)

    async def delete(self, kind: str, doc_id: str) -> None:
        """Delete the document of `kind` with that id (no error if absent)."""
        await self._of(kind).collection.delete_one({"_id": doc_id})

    # --- mentors ----------------------------------------------------------------------------

    async def page_mentors(
        self, topic_key: str | None, *, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        """Active mentors (with that topic, when given) by id, and how many."""
        query: Document = {"active": True}
        if topic_key:
            query["expertise_keys"] = topic_key
        return await self._of(MENTORS).page(
            query, sort=[("_id", ASCENDING)], skip=skip, limit=limit
        )

    async def active_mentors(self) -> list[Document]:
        """Every active mentor."""
        return await self._of(MENTORS).find({"active": True})

    # --- requests and matches -----------------------------------------------------------------

    async def page_requests(
        self, equal_to: Mapping[str, object], *, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        """Requests whose fields equal `equal_to`, oldest first, and how many."""
        return await self._of(REQUESTS).page(
            dict(equal_to), sort=[("opened_at", ASCENDING)], skip=skip, limit=limit
        )

    async def open_requests(self, request_ids: Sequence[str] | None = None) -> list[Document]:
        """Open requests; only those among `request_ids` when given."""
        query: Document = {"status": "open"}
        if request_ids:
            query["_id"] = {"$in": list(request_ids)}
        return await self._of(REQUESTS).find(query)

    async def requests_of(self, founder_id: str) -> list[Document]:
        """Every request the founder made."""
        return await self._of(REQUESTS).find({"founder_id": founder_id})

    async def proposed_matches(self) -> list[Document]:
        """Every match still proposed (not yet answered by the mentor)."""
        return await self._of(MATCHES).find({"status": "proposed"})

    async def matches_accepted_since(self, since: datetime) -> list[Document]:
        """Matches accepted at or after `since` (by `answered_at`)."""
        return await self._of(MATCHES).find({"status": "accepted", "answered_at": {"$gte": since}})

    # --- sessions ---------------------------------------------------------------------------

    async def sessions_booked(self, start: datetime, before: datetime) -> list[Document]:
        """Scheduled or completed sessions starting in [start, before)."""
        return await self._of(SESSIONS).find(
            {
                "status": {"$in": ["scheduled", "completed"]},
                "starts_at": {"$gte": start, "$lt": before},
            }
        )

    async def sessions_of_matches(self, match_ids: Sequence[str]) -> list[Document]:
        """The sessions of those matches."""
        return await self._of(SESSIONS).find({"match_id": {"$in": list(match_ids)}})

    async def sessions_of(self, user_id: str) -> list[Document]:
        """Sessions where the person is the founder or the mentor."""
        return await self._of(SESSIONS).find(
            {"$or": [{"founder_id": user_id}, {"mentor_id": user_id}]}
        )

    async def sessions_between(
        self, field: str, value: str, start: datetime, end: datetime
    ) -> list[Document]:
        """Sessions not cancelled whose `field` is `value` and that overlap [start, end)."""
        query = {
            field: value,
            "status": {"$ne": "cancelled"},
            "starts_at": {"$lt": end},
            "ends_at": {"$gt": start},
        }
        return await self._of(SESSIONS).find(query)

    # --- daily figures ------------------------------------------------------------------------

    async def add_to_day(self, day: str, increments: Document, names: Document) -> None:
        """Add `increments` to the counters of `day` (ISO local date); set `names`."""
        update: Document = {"$inc": increments}
        if names:
            update["$set"] = names
        await self._of(DAILY_FIGURES).collection.update_one({"_id": day}, update, upsert=True)

    async def days(self, first: str, before: str) -> list[Document]:
        """Daily buckets with first <= day < before (ISO dates sort as text)."""
        return await self._of(DAILY_FIGURES).find({"_id": {"$gte": first, "$lt": before}})

    # --- read models ----------------------------------------------------------------------------

    async def save_read_model(self, kind: str, doc_id: str, version: int, fields: Document) -> None:
        """Keep the snapshot unless a newer version is already kept (events may arrive out
        of order)."""
        await self._of(kind).upsert_if_newer(doc_id, fields, version)

    async def sector_labels(self) -> dict[str, str]:
        """Sector code → Vietnamese name."""
        return {doc["_id"]: doc["name_vi"] for doc in await self._of(SECTORS).find({})}

    async def save_user(self, user_id: str, fields: Document) -> None:
        """Identity events carry no version: the latest delivered wins. A mentor's profile
        follows the account's name and organization."""
        await self._of(USERS).upsert(user_id, fields)
        await self._of(MENTORS).collection.update_one(
            {"_id": user_id, "erased": {"$ne": True}},
            {"$set": {"full_name": fields.get("full_name")}},
        )

    async def erase_person(self, user_id: str) -> None:
        """Personal data out, records kept (counts, hours and ratings stay for reports)."""
        mentors = self._of(MENTORS).collection
        requests = self._of(REQUESTS).collection
        sessions = self._of(SESSIONS).collection
        await mentors.update_many(
            {"_id": user_id},
            {
                "$set": {"bio": "", "full_name": None, "active": False, "erased": True},
                "$inc": {"version": 1},
            },
        )
        await requests.update_many(
            {"founder_id": user_id}, {"$set": {"message": ""}, "$inc": {"version": 1}}
        )
        await sessions.update_many(
            {"founder_id": user_id}, {"$set": {"comment": ""}, "$inc": {"version": 1}}
        )
        await sessions.update_many(
            {"mentor_id": user_id}, {"$set": {"notes": ""}, "$inc": {"version": 1}}
        )
        await self._of(USERS).collection.delete_one({"_id": user_id})
