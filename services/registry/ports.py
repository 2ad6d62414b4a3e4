"""The registry's storage port, shared by its use cases (`service.py`, `search.py`,
`figures.py`, `read_models.py`, `personal_data.py`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from services.registry.repository import Audience, Window
from shared.contracts.base import Envelope
from shared.infra.mongo import Document


class StartupRepository(Protocol):
    """What the registry's use cases need of storage; `repository.StartupStore` is the
    MongoDB one, the unit tests' fake keeps dicts. Documents are plain dicts keyed `_id`."""

    async def insert(self, doc: Document, events: list[Envelope]) -> None:
        """Store a new startup with its events; raise `AlreadyExists` on a duplicate."""
        ...

    async def update(
        self,
        startup_id: str,
        version: int,
        changes: Document,
        unset: list[str],
        history: Document,
        events: list[Envelope],
    ) -> Document | None:
        """Apply `changes` if the stored version is `version`, else None (`AlreadyExists`)."""
        ...

    async def made_by_request(self, request_key: str) -> Document | None:
        """The startup registered under this scoped Idempotency-Key, or None."""
        ...

    async def get(self, startup_id: str) -> Document | None:
        """The startup (internal search fields hidden), or None."""
        ...

    async def find_duplicate(
        self, owner_id: str, name_key: str, tax_code: str | None, exclude_id: str | None = None
    ) -> Document | None:
        """A startup of the same owner and name, or tax code, other than `exclude_id`; or None."""
        ...

    async def search(
        self, filters: Mapping[str, object], audience: Audience, *, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        """One page of the visible startups matching `filters`, newest first, and the total."""
        ...

    async def window(
        self, filters: Mapping[str, object], gram: str, want: int, budget: int
    ) -> Window:
        """The startups matching `filters` holding the indexed `gram`, newest slots first,
        until `want` are found or about `budget` read, as `_id`, `registered_at`, the search
        fields, `visibility`, `status` and `owner_id`."""
        ...

    async def owned_candidates(self, owner_id: str, filters: Mapping[str, object]) -> Window:
        """Every startup of `owner_id` matching `filters`, with the same fields."""
        ...

    async def by_ids(self, ids: Sequence[str]) -> list[Document]:
        """The startups with these ids, in the order given (unknown ids left out)."""
        ...

    async def without_keys(self, limit: int) -> list[Document]:
        """Up to `limit` startups with no `search_keys` yet, oldest first (`_id`, `name`,
        `summary`, `search_seq`)."""
        ...

    async def next_seqs(self, count: int) -> int:
        """Reserve `count` startup numbers; the first of them."""
        ...

    async def set_search_fields(self, startup_id: str, fields: Document) -> None:
        """Store a startup's derived search fields (no version, no event)."""
        ...

    async def history(self, startup_id: str) -> Document | None:
        """The startup's `history` entries and `owner_id`, or None."""
        ...

    async def owned_by(self, owner_id: str) -> list[Document]:
        """Every startup `owner_id` owns."""
        ...

    async def erase_founder(self, owner_id: str, email: str | None) -> int:
        """Remove the person's own data from their startups; return how many changed."""
        ...

    async def add_to_day(self, day: str, increments: dict[str, int], event_id: str) -> bool:
        """Add `increments` to the counters of `day` (ISO date, Asia/Ho_Chi_Minh) unless the
        event `event_id` was already counted; True when it was added now."""
        ...

    async def days(self, first: str | None, before: str) -> list[Document]:
        """The daily buckets with `first` <= day < `before` (ISO dates; no lower bound if None)."""
        ...

    async def save_reference(self, kind: str, code: str, version: int, fields: Document) -> None:
        """Keep a ward's or sector's snapshot unless a newer version is already kept."""
        ...

    async def ward(self, code: str) -> Document | None:
        """The ward's snapshot (`valid_from`, `valid_to`, names), or None."""
        ...

    async def sector(self, code: str) -> Document | None:
        """The sector's snapshot, or None."""
        ...

    async def save_contact(self, user_id: str, fields: Document, version: int | None) -> bool:
        """Keep the contact unless a newer version or a tombstone is kept; True if written."""
        ...

    async def contact(self, user_id: str) -> Document | None:
        """The account's name, email and role, or None."""
        ...

    async def erase_contact(self, user_id: str) -> Document | None:
        """Delete the contact; return what it held, or None."""
        ...
