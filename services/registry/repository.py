"""The only registry module that talks to MongoDB: startups, and the read models it keeps
from identity events (wards, sectors, contacts)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from services.registry import domain
from shared.contracts.base import Envelope
from shared.infra.mongo import AggregateCollection, Database, Document
from shared.infra.outbox import OUTBOX_FIELD

#: The field of a day's figures that keeps the ids of the events already counted.
COUNTED = "counted_events"

STARTUPS = "startups"
# An erased person's contact keeps this version, above any the account can reach, so no
# later identity event passes `upsert_if_newer` (PDPL 91/2025: erasure is final).
TOMBSTONE_VERSION = 2**62
DAILY_FIGURES = "daily_figures"
WARDS = "wards"
SECTORS = "sectors"
CONTACTS = "contacts"
COUNTERS = "counters"
# The counter that numbers startups as they are stored (`search_seq`).
STARTUP_SEQ = "startup_seq"

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
        # Search as you type: folded leading parts of words and of adjacent word pairs,
        # each in the startup's registration slot (multikey; `domain.search_keys`).
        IndexModel([("search_keys", ASCENDING)], name="search_keys"),
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
    COUNTERS: [],
}

# Never sent back to callers; the search fields are internal too.
HIDDEN = {
    OUTBOX_FIELD: 0,
    "search_tones": 0,
    "search_name": 0,
    "search_words": 0,
    "search_prefixes": 0,
    "search_keys": 0,
    "name_key": 0,
}
# What ranking a search candidate and deciding who may see it needs, and nothing more.
CANDIDATE_FIELDS = {
    "_id": 1,
    "registered_at": 1,
    "search_words": 1,
    "search_tones": 1,
    "search_name": 1,
    "visibility": 1,
    "status": 1,
    "owner_id": 1,
    # the plain filters of a search, checked on the candidates
    "ward": 1,
    "sector": 1,
    "stage": 1,
    "women_led": 1,
    "youth_led": 1,
}
# A search window reads at most this many slots in one request, and at most this many
# requests: the widest lookup stays bounded even for a word no startup has.
MAX_SLOTS_PER_READ = 4096
MAX_READS = 6


@dataclass(frozen=True)
class Audience:
    """Who is looking at the listing: staff see every startup; anyone else sees the public
    startups in a listed status, and a signed-in founder also sees their own."""

    everything: bool
    listed_statuses: tuple[str, ...] = ()
    public_visibility: str = "public"
    viewer_id: str | None = None

    def query(self) -> Document:
        """The MongoDB filter that keeps only what this audience may see."""
        if self.everything:
            return {}
        listed: Document = {
            "visibility": self.public_visibility,
            "status": {"$in": list(self.listed_statuses)},
        }
        if self.viewer_id is None:
            return listed
        return {"$or": [listed, {"owner_id": self.viewer_id}]}

    def allows(self, doc: Document) -> bool:
        """Whether this audience may see `doc` (needs `visibility`, `status`, `owner_id`):
        the same rule as `query`, for candidates already read."""
        if self.everything or (self.viewer_id is not None and doc["owner_id"] == self.viewer_id):
            return True
        return doc["visibility"] == self.public_visibility and doc["status"] in self.listed_statuses


def candidate_query(filters: Mapping[str, object], gram: str, slots: Sequence[int]) -> Document:
    """The filter of a search's candidate lookup: the gram's keys in `slots` (consecutive)
    FIRST
    (SecantusDB serves a multi-field filter from the first field with an index), then the
    plain filters."""
    low, high = domain.slot_key(gram, min(slots)), domain.slot_key(gram, max(slots))
    # one range, not `$in`: SecantusDB rechecks each hit's whole key array against every
    # `$in` value (measured: a 64-slot `$in` cost several ms a document), a range twice
    keys: object = low if low == high else {"$gte": low, "$lte": high}
    return {"search_keys": keys, **filters}


@dataclass
class Window:
    """What a bounded search lookup read: the candidates (newest slots first) and whether
    every slot was read (`complete`: no older candidate was left out)."""

    docs: list[Document]
    complete: bool


class StartupStore:
    """Startups (aggregates with an outbox), their daily figures, and the read models of
    wards, sectors and contacts. Documents are dicts keyed by the startup's string id."""

    def __init__(self, db: Database) -> None:
        self.startups = AggregateCollection(db[STARTUPS], HIDDEN)
        self.wards = AggregateCollection(db[WARDS], {})
        self.sectors = AggregateCollection(db[SECTORS], {})
        self.contacts = AggregateCollection(db[CONTACTS], {})
        self.figures = AggregateCollection(db[DAILY_FIGURES], {})
        self.counters = db[COUNTERS]

    async def insert(self, doc: Document, events: list[Envelope]) -> None:
        """Store a new startup with its events, numbered (`search_seq`) and with its indexed
        search keys (`domain.search_keys`). Raises `AlreadyExists` (same owner and name, or
        same tax code)."""
        seq = await self.next_seqs(1)
        keys = domain.search_keys(doc.get("name", ""), doc.get("summary", ""), seq)
        await self.startups.insert({**doc, "search_seq": seq, "search_keys": keys}, events)

    async def next_seqs(self, count: int) -> int:
        """Reserve `count` (≥ 1) startup numbers; returns the first (numbers start at 1)."""
        counter = await self.counters.find_one_and_update(
            {"_id": STARTUP_SEQ}, {"$inc": {"value": count}}, upsert=True, return_document=True
        )
        assert counter is not None  # upsert with the document after the update
        return int(counter["value"]) - count + 1

    async def last_seq(self) -> int:
        """The highest startup number given so far (0 when none)."""
        counter = await self.counters.find_one({"_id": STARTUP_SEQ})
        return int(counter["value"]) if counter else 0

    async def update(
        self,
        startup_id: str,
        version: int,
        changes: Document,
        unset: list[str],
        history: Document,
        events: list[Envelope],
    ) -> Document | None:
        """Apply if the stored version is still `version`; None when someone else won.
        Raises `AlreadyExists` when the new name or tax code is taken."""
        return await self.startups.update(
            startup_id, version, events, set_=changes, unset=unset, push={"history": history}
        )

    async def made_by_request(self, request_key: str) -> Document | None:
        """The startup a command with this scoped Idempotency-Key registered, if any."""
        found = await self.startups.find({"request_key": request_key}, limit=1)
        return found[0] if found else None

    async def get(self, startup_id: str) -> Document | None:
        """The startup (internal search fields hidden), or None."""
        return await self.startups.get(startup_id)

    async def find_duplicate(
        self, owner_id: str, name_key: str, tax_code: str | None, exclude_id: str | None = None
    ) -> Document | None:
        """A startup (id, name, owner, tax code) of the same owner and name, or with the same
        tax code, other than `exclude_id`; None when there is none."""
        clauses: list[Document] = [{"owner_id": owner_id, "name_key": name_key}]
        if tax_code:
            clauses.append({"tax_code": tax_code})
        query: Document = {"$or": clauses}
        if exclude_id:
            query["_id"] = {"$ne": exclude_id}
        found = await self.startups.find(
            query, limit=1, projection={"_id": 1, "name": 1, "owner_id": 1, "tax_code": 1}
        )
        return found[0] if found else None

    async def search(
        self, filters: Mapping[str, object], audience: Audience, *, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        """One page of the startups equal to `filters` that `audience` may see, newest
        first, and how many there are."""
        visible = audience.query()
        query: Document = (
            {"$and": [dict(filters), visible]} if filters and visible else {**filters, **visible}
        )
        return await self.startups.page(
            query, sort=[("registered_at", DESCENDING)], skip=skip, limit=limit
        )

    async def window(
        self, filters: Mapping[str, object], gram: str, want: int, budget: int
    ) -> Window:
        """Startups equal to `filters` holding `gram` (`domain.search_keys`), newest slots
        first, read until at least `want` are found, about `budget` index hits are read, or
        every slot is read; with only `CANDIDATE_FIELDS`.

        Each read is one indexed range over whole slots, so it returns at most `SLOT_SIZE`
        × slots hits; the slots per read grow with how sparse the gram proved to be (1, then
        up to `MAX_SLOTS_PER_READ`), at most `MAX_READS` reads. `filters` are checked here,
        not by the database: SecantusDB fetches every index hit in full before it applies
        other fields or `limit`, so the budget counts hits, and filtered-out hits count too.
        SecantusDB also plans `$all`, `$and` and a top-level `$or` as a collection scan
        (explain, 0.7.0b3), so each read is one indexed key alone."""
        top = domain.slot_of(await self.last_seq())
        docs: list[Document] = []
        span, read, reads = 1, 0, 0
        while top >= 0 and len(docs) < want and read < budget and reads < MAX_READS:
            slots = list(range(top, max(top - span, -1), -1))
            found = await self.startups.find(
                candidate_query({}, gram, slots), projection=CANDIDATE_FIELDS
            )
            kept = [doc for doc in found if all(doc.get(k) == v for k, v in filters.items())]
            docs += kept
            read += len(found)
            reads += 1
            top -= len(slots)
            # the next read covers about as many slots as should yield what is still
            # wanted, and no more than the hits left in the budget
            kept_per_slot = max(len(kept), 1) / len(slots)
            hits_per_slot = max(len(found), 1) / len(slots)
            span = max(
                1,
                min(
                    MAX_SLOTS_PER_READ,
                    len(slots) * 8,
                    int((want - len(docs)) / kept_per_slot) + 1,
                    int((budget - read) / hits_per_slot) + 1,
                ),
            )
        return Window(docs=docs, complete=top < 0)

    async def owned_candidates(self, owner_id: str, filters: Mapping[str, object]) -> Window:
        """Every startup of one owner equal to `filters`, with only `CANDIDATE_FIELDS` (an
        owner has few; served by the `owner_name` index)."""
        docs = await self.startups.find(
            {"owner_id": owner_id, **filters}, projection=CANDIDATE_FIELDS
        )
        return Window(docs=docs, complete=True)

    async def by_ids(self, ids: Sequence[str]) -> list[Document]:
        """The startups with these ids (internal search fields hidden), in the order given."""
        found = {doc["_id"]: doc for doc in await self.startups.find({"_id": {"$in": list(ids)}})}
        return [found[i] for i in ids if i in found]

    async def without_keys(self, limit: int) -> list[Document]:
        """Up to `limit` startups stored before bounded search keys (no `search_keys`), oldest
        first, with their `_id`, `name`, `summary` and `search_seq` (if numbered)."""
        return await self.startups.find(
            {"search_keys": {"$exists": False}},
            limit=limit,
            sort=[("registered_at", ASCENDING)],
            projection={"_id": 1, "name": 1, "summary": 1, "search_seq": 1},
        )

    async def set_search_fields(self, startup_id: str, fields: Document) -> None:
        """Store the derived search fields of a startup and drop the unbounded prefixes of
        the first search as you type; not a change of the startup itself (no version, no
        event)."""
        await self.startups.collection.update_one(
            {"_id": startup_id}, {"$set": fields, "$unset": {"search_prefixes": ""}}
        )

    async def history(self, startup_id: str) -> Document | None:
        """The startup's `history` entries and `owner_id`, or None."""
        found = await self.startups.find(
            {"_id": startup_id}, limit=1, projection={"history": 1, "owner_id": 1}
        )
        return found[0] if found else None

    async def owned_by(self, owner_id: str) -> list[Document]:
        """Every startup `owner_id` owns."""
        return await self.startups.find({"owner_id": owner_id})

    async def erase_founder(self, owner_id: str, email: str | None) -> int:
        """Remove the person's own data from their startups; the business record stays.
        Returns how many of their startups changed."""
        result = await self.startups.collection.update_many(
            {"owner_id": owner_id},
            {"$unset": {"founder_birth_year": ""}, "$pull": {"team": {"is_founder": True}}},
        )
        if email:
            await self.startups.collection.update_many(
                {"team.email": email}, {"$pull": {"team": {"email": email}}}
            )
        return result.modified_count

    async def count(self) -> int:
        """How many startups there are."""
        return await self.startups.count()

    # --- daily figures (a read model of the registry's own events) ------------------------

    async def add_to_day(self, day: str, increments: dict[str, int], event_id: str) -> bool:
        """Add `increments` to the counters of `day` (ISO local date) once per event: the
        event id is kept in the same document write, so a redelivery, a second copy or a
        dead-letter replay counts nothing twice (issue 13). False when already counted."""
        query = {"_id": day, COUNTED: {"$ne": event_id}}
        update = {"$inc": increments, "$push": {COUNTED: event_id}}
        try:
            result = await self.figures.collection.update_one(query, update, upsert=True)
        except DuplicateKeyError:
            # The day exists now: either it already holds this event (the filter missed
            # and the upsert tried a second document for the day), or another event made
            # the day's document a moment ago. Without the upsert the two are told apart.
            result = await self.figures.collection.update_one(query, update)
            return result.modified_count == 1
        return result.modified_count == 1 or result.upserted_id is not None

    async def days(self, first: str | None, before: str) -> list[Document]:
        """Buckets with first <= day < before (ISO dates sort as text), without the ids of
        the events they counted."""
        bounds: Document = {"$lt": before}
        if first is not None:
            bounds["$gte"] = first
        return await self.figures.find({"_id": bounds}, projection={COUNTED: 0})

    # --- read models from identity events -------------------------------------------------

    async def save_reference(self, kind: str, code: str, version: int, fields: Document) -> None:
        """Keep a ward's or sector's snapshot unless a newer version is already kept."""
        collection = self.wards if kind == WARDS else self.sectors
        await collection.upsert_if_newer(code, fields, version)

    async def ward(self, code: str) -> Document | None:
        """The ward's snapshot (`valid_from`, `valid_to`, names), or None."""
        return await self.wards.get(code)

    async def sector(self, code: str) -> Document | None:
        """The sector's snapshot, or None."""
        return await self.sectors.get(code)

    async def save_contact(self, user_id: str, fields: Document, version: int | None) -> bool:
        """Keep the account's contact fields unless a newer version, or the person's
        erasure (a tombstone), is kept; True when written. An event without a version (from
        before identity versioned its events) is kept unless the person was erased."""
        if version is not None:
            return await self.contacts.upsert_if_newer(user_id, fields, version, or_equal=True)
        try:
            result = await self.contacts.collection.update_one(
                {"_id": user_id, "erased": {"$ne": True}}, {"$set": fields}, upsert=True
            )
        except DuplicateKeyError:  # the tombstone holds the id
            return False
        return result.upserted_id is not None or result.matched_count == 1

    async def contact(self, user_id: str) -> Document | None:
        """The account's name, email and role, or None (also once the person was erased)."""
        found = await self.contacts.get(user_id)
        return None if found is None or found.get("erased") else found

    async def erase_contact(self, user_id: str) -> Document | None:
        """Replace the contact with a tombstone (no personal data, the highest version) so a
        late `identity.user.updated.v1` cannot bring the person back; returns what it held,
        or None."""
        before = await self.contacts.collection.find_one_and_replace(
            {"_id": user_id}, {"erased": True, "version": TOMBSTONE_VERSION}, upsert=True
        )
        return None if before is None or before.get("erased") else before
