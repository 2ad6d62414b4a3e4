"""The only competitions module that talks to MongoDB: competitions, entries, scores, clubs,
initiatives (each with its `_outbox`), and the read models kept from events (people,
schools, startups). Use cases pass equality filters built from validated values; every
other condition is a named method here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument

from shared.contracts.base import Envelope
from shared.infra.mongo import AggregateCollection, AlreadyExists, Database, Document
from shared.infra.outbox import OUTBOX_FIELD, with_outbox

COMPETITIONS = "competitions"
ENTRIES = "entries"
SCORES = "scores"
CLUBS = "clubs"
INITIATIVES = "initiatives"
PEOPLE = "people"
SCHOOLS = "schools"
STARTUPS = "startups"
CERTIFICATES = "certificates"
OUTBOXED = (COMPETITIONS, ENTRIES, SCORES, CLUBS, INITIATIVES)

INDEXES = {
    COMPETITIONS: [
        IndexModel([("status", ASCENDING), ("entry_deadline", ASCENDING)], name="due"),
        IndexModel([("judges.id", ASCENDING)], name="judges"),
        IndexModel([("created_at", DESCENDING)], name="newest"),
    ],
    ENTRIES: [
        IndexModel(
            [("competition_id", ASCENDING), ("entrant_key", ASCENDING)],
            unique=True,
            name="one_entry_per_entrant",
        ),
        IndexModel([("entrant_id", ASCENDING)], name="entrant"),
        IndexModel([("submitted_at", ASCENDING)], name="submitted_at"),
    ],
    SCORES: [
        IndexModel([("competition_id", ASCENDING)], name="competition"),
        IndexModel([("judge_id", ASCENDING)], name="judge"),
    ],
    CLUBS: [
        IndexModel(
            [("school", ASCENDING), ("name_key", ASCENDING)], unique=True, name="school_club_name"
        ),
        IndexModel([("registered_at", ASCENDING)], name="registered_at"),
    ],
    INITIATIVES: [
        IndexModel([("filed_by", ASCENDING)], name="filed_by"),
        IndexModel([("council", ASCENDING)], name="council"),
        IndexModel([("filed_at", DESCENDING)], name="newest"),
    ],
    CERTIFICATES: [
        IndexModel([("key", ASCENDING)], unique=True, name="one_per_holder_and_kind"),
        IndexModel([("owner_id", ASCENDING), ("issued_at", DESCENDING)], name="owner"),
    ],
    PEOPLE: [],
    SCHOOLS: [],
    STARTUPS: [IndexModel([("owner_id", ASCENDING)], name="owner")],
}
HIDDEN = {OUTBOX_FIELD: 0}


class Drafts(StrEnum):
    """Which draft competitions a listing shows (DESIGN §9: drafts are the organizer's)."""

    ALL = "all"
    NONE = "none"
    OWN = "own"


class CompetitionStore:
    """Competitions, entries, scores, clubs and initiatives (aggregates with an outbox)
    and the read models; documents are dicts keyed by string ids, `collection` one of the
    names above."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.collections = {
            name: AggregateCollection(db[name], HIDDEN)
            for name in (*OUTBOXED, CERTIFICATES, PEOPLE, SCHOOLS, STARTUPS)
        }

    def _of(self, collection: str) -> AggregateCollection:
        return self.collections[collection]

    # --- aggregates with an outbox ----------------------------------------------------------

    async def insert(self, collection: str, doc: Document, events: list[Envelope]) -> None:
        """Store a new aggregate with its events. Raises `AlreadyExists` (same id, or one
        entry per entrant, or one club name per school)."""
        await self._of(collection).insert(doc, events)

    async def update(
        self,
        collection: str,
        doc_id: str,
        version: int,
        changes: Document,
        events: list[Envelope],
        *,
        push: Document | None = None,
    ) -> Document | None:
        """State and its events in one write, if the stored version is still `version`;
        None when someone else won the race."""
        return await self._of(collection).update(doc_id, version, events, set_=changes, push=push)

    async def get(self, collection: str, doc_id: str) -> Document | None:
        """The document with that id in `collection`, or None."""
        return await self._of(collection).get(doc_id)

    async def find(
        self,
        collection: str,
        equal_to: Document,
        *,
        sort: list[tuple[str, int]] | None = None,
        skip: int = 0,
        limit: int = 0,
    ) -> list[Document]:
        """Documents whose fields equal `equal_to`, in `sort` order (`limit` 0 = all)."""
        return await self._of(collection).find(equal_to, sort=sort or (), skip=skip, limit=limit)

    async def count(self, collection: str, equal_to: Document) -> int:
        """How many documents in `collection` have fields equal to `equal_to`."""
        return await self._of(collection).count(equal_to)

    # --- named queries --------------------------------------------------------------------------

    async def page_competitions(
        self,
        equal_to: Mapping[str, object],
        *,
        drafts: Drafts,
        viewer_id: str | None,
        skip: int,
        limit: int,
    ) -> tuple[list[Document], int]:
        """Competitions equal to `equal_to`, newest first, with the drafts `drafts` allows
        (`OWN`: those `viewer_id` organizes), and how many."""
        clauses: list[Document] = [{key: value} for key, value in equal_to.items()]
        if drafts == Drafts.NONE:
            clauses.append({"status": {"$ne": "draft"}})
        elif drafts == Drafts.OWN:
            clauses.append({"$or": [{"status": {"$ne": "draft"}}, {"organizer_id": viewer_id}]})
        query: Document = {"$and": clauses} if clauses else {}
        return await self._of(COMPETITIONS).page(
            query, sort=[("created_at", DESCENDING)], skip=skip, limit=limit
        )

    async def competitions_past_draft(self) -> list[Document]:
        """Every competition that has been published (whatever came after)."""
        return await self._of(COMPETITIONS).find({"status": {"$ne": "draft"}})

    async def competitions_awaiting_certificates(self) -> list[Document]:
        """Competitions whose results are out and whose certificates are not marked issued."""
        return await self._of(COMPETITIONS).find(
            {
                "status": {"$in": ["results_published", "archived"]},
                "certificates_issued_at": None,
            }
        )

    async def judging_competitions_of(self, judge_id: str) -> list[Document]:
        """Competitions in judging where `judge_id` is on the panel, soonest deadline first."""
        return await self._of(COMPETITIONS).find(
            {"judges.id": judge_id, "status": {"$in": ["judging"]}},
            sort=[("judging_deadline", ASCENDING)],
        )

    async def due_competitions(self, now: datetime) -> list[str]:
        """Ids of published competitions whose entry deadline has passed at `now`."""
        found = await self._of(COMPETITIONS).find(
            {"status": "published", "entry_deadline": {"$lte": now}}, projection={"_id": 1}
        )
        return [doc["_id"] for doc in found]

    async def page_clubs(
        self,
        equal_to: Mapping[str, object],
        *,
        active: bool | None,
        active_since: str,
        skip: int,
        limit: int,
    ) -> tuple[list[Document], int]:
        """Clubs equal to `equal_to`, newest first, and how many. `active` True keeps clubs
        with an activity on or after `active_since` (ISO date), False those without."""
        query: Document = dict(equal_to)
        if active is True:
            query["last_activity"] = {"$gte": active_since}
        elif active is False:
            query["$or"] = [{"last_activity": None}, {"last_activity": {"$lt": active_since}}]
        return await self._of(CLUBS).page(
            query, sort=[("registered_at", DESCENDING)], skip=skip, limit=limit
        )

    async def page_initiatives(
        self, status: str | None, *, involving: str | None, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        """Initiatives (in `status`, when given), newest first, and how many; with
        `involving`, only those the person filed or sits on the council of."""
        clauses: list[Document] = []
        if status is not None:
            clauses.append({"status": status})
        if involving is not None:
            clauses.append({"$or": [{"filed_by": involving}, {"council": involving}]})
        query: Document = {"$and": clauses} if clauses else {}
        return await self._of(INITIATIVES).page(
            query, sort=[("filed_at", DESCENDING)], skip=skip, limit=limit
        )

    async def page_recognised(
        self, scope: str | None, *, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        """Recognised initiatives (of `scope`, when given), newest decision first, and how
        many."""
        query: Document = {"status": "recognised"}
        if scope is not None:
            query["scope"] = scope
        return await self._of(INITIATIVES).page(
            query, sort=[("decided_at", DESCENDING), ("_id", ASCENDING)], skip=skip, limit=limit
        )

    async def save_score(
        self, doc: Document, previous_revision: int | None, events: list[Envelope]
    ) -> bool:
        """Insert the first score set, or replace a revision nobody else replaced; False
        when another write got there first. Scores are versioned by `revision`."""
        scores = self._of(SCORES)
        if previous_revision is None:
            try:
                await scores.insert(doc, events)
            except AlreadyExists:
                return False
            return True
        # Score sets count `revision`, not `version`: the one place that matches on it.
        fields = {k: v for k, v in doc.items() if k != "_id"}
        result = await scores.collection.update_one(
            {"_id": doc["_id"], "revision": previous_revision},
            with_outbox({"$set": fields}, events),
        )
        return result.modified_count == 1

    async def withdraw_entry(
        self, entry_id: str, entrant_key: str, changes: Document
    ) -> Document | None:
        """Set `changes` on the entry if it still has `entrant_key` (not withdrawn meanwhile);
        the entry after, or None. Entries stored before they had a version match on the
        key, so this is the one update of an entry."""
        return await self.db[ENTRIES].find_one_and_update(
            {"_id": entry_id, "entrant_key": entrant_key},
            {"$set": changes},
            projection=HIDDEN,
            return_document=ReturnDocument.AFTER,
        )

    # --- personal data -------------------------------------------------------------------------

    async def replace_person(self, user_id: str, pseudonym: str) -> None:
        """Erasure: the person's id is replaced wherever it is kept, so figures and frozen
        results stay true while nothing points back to them."""
        await self.db[PEOPLE].delete_one({"_id": user_id})
        await self.db[ENTRIES].update_many(
            {"entrant_id": user_id}, {"$set": {"entrant_id": pseudonym}}
        )
        await self.db[SCORES].update_many({"judge_id": user_id}, {"$set": {"judge_id": pseudonym}})
        await self.db[CLUBS].update_many(
            {"advisor_id": user_id}, {"$set": {"advisor_id": pseudonym}}
        )
        await self.db[INITIATIVES].update_many(
            {"filed_by": user_id}, {"$set": {"filed_by": pseudonym}}
        )

    async def replace_authors(self, initiative_id: str, authors: Sequence[Document]) -> None:
        """Erasure: overwrite an initiative's author list (no new version, no event: the
        record itself did not change, a person's name left it)."""
        await self.db[INITIATIVES].update_one(
            {"_id": initiative_id}, {"$set": {"authors": list(authors)}}
        )

    # --- read models ---------------------------------------------------------------------------

    async def save_read_model(
        self, collection: str, key: str, version: int | None, fields: Document
    ) -> None:
        """Keep the snapshot unless a newer version is already kept (the same version is
        written again); without a version the latest delivered wins."""
        if version is None:
            await self._of(collection).upsert(key, fields)
        else:
            await self._of(collection).upsert_if_newer(key, fields, version, or_equal=True)

    async def read_model(self, collection: str, key: str) -> Document | None:
        """The read model document under `key`, or None."""
        return await self.db[collection].find_one({"_id": key})

    async def all(self, collection: str) -> list[Document]:
        """Every document in `collection`."""
        return await self._of(collection).find({})
