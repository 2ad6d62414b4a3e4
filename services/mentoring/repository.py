"""The only mentoring module that talks to MongoDB: mentors, consultation requests, matches
and sessions (aggregates with an `_outbox`), daily figures, and the read models kept from
other services' events (startups, users, sectors)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from shared.contracts.base import Envelope
from shared.infra.mongo import AggregateCollection, AlreadyExists, Database, Document
from shared.infra.outbox import OUTBOX_FIELD

MENTORS = "mentors"
REQUESTS = "requests"
MATCHES = "matches"
SESSIONS = "sessions"
STARTUPS = "startups"
USERS = "users"
#: One document per local day: fixed-name counters, lists of counted values, and the ids of
#: the events counted (so a redelivered or replayed event counts nothing twice).
FIGURE_DAYS = "figure_days"
#: Who was erased (PDPL 91/2025): a late identity event cannot recreate them.
TOMBSTONES = "tombstones"
SECTORS = "sectors"
AGGREGATES = (MENTORS, REQUESTS, MATCHES, SESSIONS)
HIDDEN = {OUTBOX_FIELD: 0}

INDEXES = {
    MENTORS: [IndexModel([("active", ASCENDING), ("paused", ASCENDING)], name="eligible")],
    REQUESTS: [
        IndexModel([("status", ASCENDING), ("opened_at", DESCENDING)], name="open_newest"),
        IndexModel([("founder_id", ASCENDING)], name="founder"),
        # One waiting request per startup and topic, even when two are asked at the same
        # moment on two copies: the check in `open_request` reads, this index decides.
        # `waiting_topics` holds the topic keys while the request is open or proposed.
        IndexModel(
            [("startup_id", ASCENDING), ("waiting_topics", ASCENDING)],
            unique=True,
            partialFilterExpression={"waiting": True},
            name="one_waiting_request_per_topic",
        ),
    ],
    MATCHES: [IndexModel([("mentor_id", ASCENDING), ("status", ASCENDING)], name="mentor_status")],
    SESSIONS: [
        IndexModel([("mentor_id", ASCENDING), ("starts_at", ASCENDING)], name="mentor_time"),
        IndexModel([("founder_id", ASCENDING), ("starts_at", ASCENDING)], name="founder_time"),
        IndexModel([("startup_id", ASCENDING), ("starts_at", ASCENDING)], name="startup_time"),
    ],
    STARTUPS: [],
    USERS: [],
    SECTORS: [],
    FIGURE_DAYS: [],
    TOMBSTONES: [],
}


class MentoringStore:
    """Each query the use cases need, by name; documents are dicts keyed by string ids.
    `kind` is one of `AGGREGATES` (or a read model's collection for `get`)."""

    def __init__(self, db: Database) -> None:
        self.collections = {
            kind: AggregateCollection(db[kind], HIDDEN if kind in AGGREGATES else {})
            for kind in (
                *AGGREGATES,
                STARTUPS,
                USERS,
                SECTORS,
                FIGURE_DAYS,
                TOMBSTONES,
            )
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

    async def insert_once(self, kind: str, doc: Document) -> bool:
        """Insert `doc` unless its `_id` exists (an event's effect applied again); True when
        it was written."""
        try:
            await self._of(kind).insert(doc, [])
        except AlreadyExists:
            return False
        return True

    async def apply_once(
        self,
        kind: str,
        doc_id: str,
        event_id: str,
        *,
        where: Mapping[str, object] | None = None,
        changes: Document | None = None,
        inc: Mapping[str, int] | None = None,
        add_to_set: Document | None = None,
    ) -> bool:
        """Apply one event's effect to an aggregate in one write, keyed by the event id
        (kept in `applied_events`): a redelivery matches nothing. `where` adds fixed-field
        conditions. True when it was applied now."""
        update: Document = {
            "$inc": {"version": 1, **(inc or {})},
            "$addToSet": {"applied_events": event_id, **(add_to_set or {})},
        }
        if changes:
            update["$set"] = dict(changes)
        query: Document = {"_id": doc_id, "applied_events": {"$ne": event_id}, **(where or {})}
        result = await self._of(kind).collection.update_one(query, update)
        return result.modified_count == 1

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

    async def page_sessions(
        self, query: Mapping[str, object], *, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        """Sessions matching `query` (built by the use case from typed filters), earliest
        first, and how many."""
        return await self._of(SESSIONS).page(
            dict(query), sort=[("starts_at", ASCENDING), ("_id", ASCENDING)], skip=skip, limit=limit
        )

    async def page_matches(
        self, query: Mapping[str, object], *, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        """Matches matching `query`, newest proposal first, and how many."""
        return await self._of(MATCHES).page(
            dict(query),
            sort=[("proposed_at", DESCENDING), ("_id", ASCENDING)],
            skip=skip,
            limit=limit,
        )

    async def open_requests_of_startup(self, startup_id: str) -> list[Document]:
        """The startup's requests still waiting (`open` or `proposed`)."""
        return await self._of(REQUESTS).find(
            {"startup_id": startup_id, "status": {"$in": ["open", "proposed"]}}
        )

    async def has_match_between(self, mentor_id: str, founder_id: str) -> bool:
        """Whether the mentor was ever matched with the founder."""
        found = await self._of(MATCHES).find(
            {"mentor_id": mentor_id, "founder_id": founder_id}, limit=1
        )
        return bool(found)

    # --- figures ------------------------------------------------------------------------------

    async def count_once(
        self, event_id: str, day: str, counts: Mapping[str, int], values: Mapping[str, list[Any]]
    ) -> bool:
        """Add one event to its day in one write: `counts` to the fixed-name counters,
        `values` to the day's lists, the event id to those counted. False when the event was
        counted before (a redelivery or a dead-letter replay counts nothing twice): the day
        then does not match and the upsert's insert collides on `_id`."""
        update: Document = {
            "$inc": dict(counts),
            "$push": {"counted": event_id, **{k: {"$each": v} for k, v in values.items()}},
        }
        days = self._of(FIGURE_DAYS).collection
        query = {"_id": day, "counted": {"$ne": event_id}}
        try:
            await days.update_one(query, update, upsert=True)
        except DuplicateKeyError:
            # Either the day already holds this event, or another event of the same day
            # made its document a moment ago (two first events of a day at once): without
            # the upsert the two are told apart, and the second event is not lost.
            result = await days.update_one(query, update)
            return result.modified_count == 1
        return True

    async def figure_days(self, first: str, before: str) -> list[Document]:
        """Day documents with first <= day < before (ISO local dates sort as text), without
        the ids of the events counted."""
        return await self._of(FIGURE_DAYS).find(
            {"_id": {"$gte": first, "$lt": before}}, projection={"counted": 0}
        )

    # --- read models ----------------------------------------------------------------------------

    async def save_read_model(self, kind: str, doc_id: str, version: int, fields: Document) -> None:
        """Keep the snapshot unless a newer version is already kept (events may arrive out
        of order)."""
        await self._of(kind).upsert_if_newer(doc_id, fields, version)

    async def sector_labels(self) -> dict[str, str]:
        """Sector code → Vietnamese name."""
        return {doc["_id"]: doc["name_vi"] for doc in await self._of(SECTORS).find({})}

    async def save_user(self, user_id: str, fields: Document, version: int | None) -> bool:
        """Keep the account's fields unless a newer version is kept (an event without a
        version counts as 0) or the person was erased (a tombstone): a late or redelivered
        identity event can neither roll back nor recreate a person. A mentor's profile
        follows the account's name. True when written."""
        if await self._of(TOMBSTONES).get(user_id) is not None:
            return False
        users = self._of(USERS)
        if not await users.upsert_if_newer(user_id, fields, version or 0, or_equal=True):
            return False
        if await self._of(TOMBSTONES).get(user_id) is not None:  # erased meanwhile
            await users.collection.delete_one({"_id": user_id})
            return False
        await self._of(MENTORS).collection.update_one(
            {"_id": user_id, "erased": {"$ne": True}},
            {"$set": {"full_name": fields.get("full_name")}},
        )
        return True

    async def erase_person(self, user_id: str) -> None:
        """Personal data out, records kept (counts, hours and ratings stay for reports); a
        tombstone first, so no later identity event brings the person back."""
        await self._of(TOMBSTONES).upsert(user_id, {"erased": True})
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
        await sessions.update_many(
            {"cancelled_by": user_id}, {"$set": {"cancel_reason": ""}, "$inc": {"version": 1}}
        )
        await self._of(USERS).collection.delete_one({"_id": user_id})
