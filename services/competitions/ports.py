"""What the competition use cases need of storage (the port); `repository.CompetitionStore`
is the MongoDB adapter, the unit tests' fake keeps dicts. Documents are plain dicts keyed by
string `_id`; `collection` names one (`repository.COMPETITIONS`, …); `equal_to` filters
match fields by equality only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from services.competitions.repository import Drafts
from shared.contracts.base import Actor, Envelope
from shared.infra.mongo import Document


class CompetitionRepository(Protocol):
    """`insert` raises `shared.infra.mongo.AlreadyExists` on a taken id or unique key;
    `update` returns None when the stored version moved on (DESIGN §5)."""

    async def insert(self, collection: str, doc: Document, events: list[Envelope]) -> None:
        """Store a new aggregate with its events; raise `AlreadyExists` on a duplicate."""
        ...

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
        """Apply the changes if the stored version is `version`; the document after, or None."""
        ...

    async def get(self, collection: str, doc_id: str) -> Document | None:
        """The document with that id in `collection`, or None."""
        ...

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
        ...

    async def count(self, collection: str, equal_to: Document) -> int:
        """How many documents in `collection` have fields equal to `equal_to`."""
        ...

    async def page_competitions(
        self,
        equal_to: Mapping[str, object],
        *,
        drafts: Drafts,
        viewer_id: str | None,
        skip: int,
        limit: int,
    ) -> tuple[list[Document], int]:
        """A page of competitions the viewer may see, newest first, and how many."""
        ...

    async def competitions_past_draft(self) -> list[Document]:
        """Every competition that has been published (whatever came after)."""
        ...

    async def competitions_awaiting_certificates(self) -> list[Document]:
        """Competitions whose results are out and whose certificates are not marked issued."""
        ...

    async def judging_competitions_of(self, judge_id: str) -> list[Document]:
        """Competitions in judging where the judge is on the panel, soonest deadline first."""
        ...

    async def due_competitions(self, now: datetime) -> list[str]:
        """Ids of published competitions whose entry deadline has passed at `now`."""
        ...

    async def page_clubs(
        self,
        equal_to: Mapping[str, object],
        *,
        active: bool | None,
        active_since: str,
        skip: int,
        limit: int,
    ) -> tuple[list[Document], int]:
        """A page of clubs (optionally only active, or inactive, since an ISO date) and how many."""
        ...

    async def page_initiatives(
        self, status: str | None, *, involving: str | None, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        """A page of initiatives, newest first, and how many."""
        ...

    async def page_recognised(
        self, scope: str | None, *, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        """Recognised initiatives, newest decision first, and how many."""
        ...

    async def save_score(
        self, doc: Document, previous_revision: int | None, events: list[Envelope]
    ) -> bool:
        """Insert or replace a judge's score set by revision; False when another write won."""
        ...

    async def withdraw_entry(
        self, entry_id: str, entrant_key: str, changes: Document
    ) -> Document | None:
        """Set `changes` on the entry if it still has `entrant_key`; after, or None."""
        ...

    async def replace_person(self, user_id: str, pseudonym: str) -> None:
        """Erasure: replace the person's id by `pseudonym` wherever it is kept."""
        ...

    async def replace_authors(self, initiative_id: str, authors: Sequence[Document]) -> None:
        """Erasure: overwrite an initiative's author list (no new version, no event)."""
        ...

    async def save_read_model(
        self, collection: str, key: str, version: int | None, fields: Document
    ) -> None:
        """Keep the snapshot unless a newer version is kept; unversioned: latest wins."""
        ...

    async def read_model(self, collection: str, key: str) -> Document | None:
        """The read model document under `key`, or None."""
        ...

    async def all(self, collection: str) -> list[Document]:
        """Every document in `collection`."""
        ...


class StartupSource(Protocol):
    """The registry, asked by request–reply when the read model lags (read-your-writes)."""

    async def startup(self, actor: Actor, startup_id: str) -> tuple[int, Document] | None:
        """(version, read-model fields) of the startup as `actor` may see it, or None."""
        ...
