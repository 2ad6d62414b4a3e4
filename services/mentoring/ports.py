"""What mentoring's use cases need of storage (the port); `repository.MentoringStore` is
the MongoDB adapter, the unit tests' fake keeps dicts. Documents are plain dicts keyed by
string `_id`; `kind` names a collection (`repository.MENTORS`, …)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from shared.contracts.base import Envelope
from shared.infra.mongo import Document


class MentoringRepository(Protocol):
    """Aggregate writes raise `shared.infra.mongo.AlreadyExists` on a taken id; `update`
    returns None when the stored version moved on (DESIGN §5)."""

    async def insert(self, kind: str, doc: Document, events: list[Envelope]) -> None: ...

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
    ) -> Document | None: ...

    async def get(self, kind: str, doc_id: str) -> Document | None: ...

    async def delete(self, kind: str, doc_id: str) -> None: ...

    async def page_mentors(
        self, topic_key: str | None, *, skip: int, limit: int
    ) -> tuple[list[Document], int]: ...

    async def active_mentors(self) -> list[Document]: ...

    async def page_requests(
        self, equal_to: Mapping[str, object], *, skip: int, limit: int
    ) -> tuple[list[Document], int]: ...

    async def open_requests(self, request_ids: Sequence[str] | None = None) -> list[Document]: ...

    async def requests_of(self, founder_id: str) -> list[Document]: ...

    async def proposed_matches(self) -> list[Document]: ...

    async def matches_accepted_since(self, since: datetime) -> list[Document]: ...

    async def sessions_booked(self, start: datetime, before: datetime) -> list[Document]: ...

    async def sessions_of_matches(self, match_ids: Sequence[str]) -> list[Document]: ...

    async def sessions_of(self, user_id: str) -> list[Document]: ...

    async def sessions_between(
        self, field: str, value: str, start: datetime, end: datetime
    ) -> list[Document]: ...

    async def add_to_day(self, day: str, increments: Document, names: Document) -> None: ...

    async def days(self, first: str, before: str) -> list[Document]: ...

    async def save_read_model(
        self, kind: str, doc_id: str, version: int, fields: Document
    ) -> None: ...

    async def sector_labels(self) -> dict[str, str]: ...

    async def save_user(self, user_id: str, fields: Document) -> None: ...

    async def erase_person(self, user_id: str) -> None: ...
