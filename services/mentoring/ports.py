"""What mentoring's use cases need of storage (the port); `repository.MentoringStore` is
the MongoDB adapter, the unit tests' fake keeps dicts. Documents are plain dicts keyed by
string `_id`; `kind` names a collection (`repository.MENTORS`, …)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from shared.contracts.base import Actor, Envelope
from shared.infra.mongo import Document


class MentoringRepository(Protocol):
    """Aggregate writes raise `shared.infra.mongo.AlreadyExists` on a taken id; `update`
    returns None when the stored version moved on (DESIGN §5)."""

    async def insert(self, kind: str, doc: Document, events: list[Envelope]) -> None:
        """Store a new aggregate with its events; raise `AlreadyExists` on the same `_id`."""
        ...

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
        """Apply the changes if the stored version is `version`; the document after, or None."""
        ...

    async def get(self, kind: str, doc_id: str) -> Document | None:
        """The document of `kind` with that id, or None."""
        ...

    async def delete(self, kind: str, doc_id: str) -> None:
        """Delete the document of `kind` with that id (no error if absent)."""
        ...

    async def page_mentors(
        self, topic_key: str | None, *, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        """Active mentors (with that topic, when given) by id, and how many."""
        ...

    async def active_mentors(self) -> list[Document]:
        """Every active mentor."""
        ...

    async def page_requests(
        self, equal_to: Mapping[str, object], *, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        """Requests whose fields equal `equal_to`, oldest first, and how many."""
        ...

    async def open_requests(self, request_ids: Sequence[str] | None = None) -> list[Document]:
        """Open requests; only those among `request_ids` when given."""
        ...

    async def requests_of(self, founder_id: str) -> list[Document]:
        """Every request the founder made."""
        ...

    async def proposed_matches(self) -> list[Document]:
        """Every match still proposed (not yet answered by the mentor)."""
        ...

    async def matches_accepted_since(self, since: datetime) -> list[Document]:
        """Matches accepted at or after `since` (aware UTC datetime)."""
        ...

    async def sessions_booked(self, start: datetime, before: datetime) -> list[Document]:
        """Scheduled or completed sessions starting in [start, before)."""
        ...

    async def sessions_of_matches(self, match_ids: Sequence[str]) -> list[Document]:
        """The sessions of those matches."""
        ...

    async def sessions_of(self, user_id: str) -> list[Document]:
        """Sessions where the person is the founder or the mentor."""
        ...

    async def sessions_between(
        self, field: str, value: str, start: datetime, end: datetime
    ) -> list[Document]:
        """Sessions not cancelled whose `field` is `value` and that overlap [start, end)."""
        ...

    async def insert_once(self, kind: str, doc: Document) -> bool:
        """Insert `doc` unless its `_id` exists; True when written now."""
        ...

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
        """Apply one event's effect once (keyed by `event_id` on the document); True if now."""
        ...

    async def page_sessions(
        self, query: Mapping[str, object], *, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        """Sessions matching `query`, earliest first, and how many."""
        ...

    async def page_matches(
        self, query: Mapping[str, object], *, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        """Matches matching `query`, newest first, and how many."""
        ...

    async def open_requests_of_startup(self, startup_id: str) -> list[Document]:
        """The startup's requests still `open` or `proposed`."""
        ...

    async def has_match_between(self, mentor_id: str, founder_id: str) -> bool:
        """Whether the mentor was ever matched with the founder."""
        ...

    async def count_once(
        self, event_id: str, day: str, counts: Mapping[str, int], values: Mapping[str, list[Any]]
    ) -> bool:
        """Add one event to its day's counters and lists once; False if counted before."""
        ...

    async def figure_days(self, first: str, before: str) -> list[Document]:
        """Day documents with `first` <= day < `before` (ISO dates)."""
        ...

    async def save_read_model(self, kind: str, doc_id: str, version: int, fields: Document) -> None:
        """Keep the snapshot unless a newer version is already kept."""
        ...

    async def sector_labels(self) -> dict[str, str]:
        """Sector code → Vietnamese name."""
        ...

    async def save_user(self, user_id: str, fields: Document, version: int | None) -> bool:
        """Keep the account's fields unless newer are kept or the person was erased."""
        ...

    async def erase_person(self, user_id: str) -> None:
        """Remove the person's personal data; records stay for reports."""
        ...


#: Asks the registry for a startup by request–reply as the actor: its read-model fields
#: (`owner_id`, `name`, `sector`, `stage`, `ward`, `status`, `needs`, `version`), or None
#: when the registry does not know it (DESIGN §4, read your own writes).
StartupLookup = Callable[[Actor, str], Awaitable[Document | None]]
