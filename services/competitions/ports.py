"""What the competition use cases need of storage (the port); `repository.CompetitionStore`
is the MongoDB adapter, the unit tests' fake keeps dicts. Documents are plain dicts keyed by
string `_id`; `collection` names one (`repository.COMPETITIONS`, …); `equal_to` filters
match fields by equality only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from services.competitions.repository import Drafts
from shared.contracts.base import Envelope
from shared.infra.mongo import Document


class CompetitionRepository(Protocol):
    """`insert` raises `shared.infra.mongo.AlreadyExists` on a taken id or unique key;
    `update` returns None when the stored version moved on (DESIGN §5)."""

    async def insert(self, collection: str, doc: Document, events: list[Envelope]) -> None: ...

    async def update(
        self,
        collection: str,
        doc_id: str,
        version: int,
        changes: Document,
        events: list[Envelope],
        *,
        push: Document | None = None,
    ) -> Document | None: ...

    async def get(self, collection: str, doc_id: str) -> Document | None: ...

    async def find(
        self,
        collection: str,
        equal_to: Document,
        *,
        sort: list[tuple[str, int]] | None = None,
        skip: int = 0,
        limit: int = 0,
    ) -> list[Document]: ...

    async def count(self, collection: str, equal_to: Document) -> int: ...

    async def page_competitions(
        self,
        equal_to: Mapping[str, object],
        *,
        drafts: Drafts,
        viewer_id: str | None,
        skip: int,
        limit: int,
    ) -> tuple[list[Document], int]: ...

    async def competitions_past_draft(self) -> list[Document]: ...

    async def judging_competitions_of(self, judge_id: str) -> list[Document]: ...

    async def due_competitions(self, now: datetime) -> list[str]: ...

    async def page_clubs(
        self,
        equal_to: Mapping[str, object],
        *,
        active: bool | None,
        active_since: str,
        skip: int,
        limit: int,
    ) -> tuple[list[Document], int]: ...

    async def page_initiatives(
        self, status: str | None, *, involving: str | None, skip: int, limit: int
    ) -> tuple[list[Document], int]: ...

    async def save_score(
        self, doc: Document, previous_revision: int | None, events: list[Envelope]
    ) -> bool: ...

    async def replace_person(self, user_id: str, pseudonym: str) -> None: ...

    async def replace_authors(self, initiative_id: str, authors: Sequence[Document]) -> None: ...

    async def save_read_model(
        self, collection: str, key: str, version: int | None, fields: Document
    ) -> None: ...

    async def read_model(self, collection: str, key: str) -> Document | None: ...

    async def all(self, collection: str) -> list[Document]: ...
