"""What every mentoring use case is given (composed, not inherited): loading an aggregate,
saving it with its events in one document write (the outbox, DESIGN §5), optimistic
versions, the clock."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from services.mentoring import domain
from services.mentoring.ports import MentoringRepository
from shared.contracts.base import Actor, Conflict, Envelope, Event, Forbidden, NotFound
from shared.infra.logging import current_correlation_id
from shared.infra.mongo import Document
from shared.infra.outbox import Outbox


def staff_only(actor: Actor) -> None:
    """Raises `Forbidden` unless the actor is Consultation Point staff (DESIGN §9)."""
    if not domain.is_staff(actor):
        raise Forbidden("chỉ cán bộ Điểm tư vấn khởi nghiệp được làm việc này")


class Records:
    """Loads and saves mentoring aggregates for the use cases. `store` is the repository
    port, `outbox` publishes what a write queued, `clock` gives aware UTC moments."""

    def __init__(
        self,
        store: MentoringRepository,
        outbox: Outbox,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.clock = clock

    def envelope(self, event: Event, aggregate_id: str) -> Envelope:
        """The event in its CloudEvents envelope for aggregate `aggregate_id`, with the current
        correlation id.
        """
        return Envelope.wrap(
            event, aggregate_id=aggregate_id, correlation_id=current_correlation_id()
        )

    async def create(self, kind: str, doc: Document, event: Event) -> Document:
        """Insert a new aggregate of `kind` with `event` in its outbox, publish it, and return
        the stored document. Raises `AlreadyExists` when the id is taken.
        """
        await self.store.insert(kind, doc, [self.envelope(event, doc["_id"])])
        await self.outbox.flush(kind, doc["_id"])
        return await self.get(kind, doc["_id"])

    async def change(
        self,
        kind: str,
        doc: Document,
        changes: Document,
        event: Event | None = None,
        *,
        inc: Mapping[str, int] | None = None,
        add_to_set: Document | None = None,
    ) -> Document:
        """`changes` are set, `inc` added to counters, `add_to_set` added to sets; the
        version must still be the one read, else `Conflict` (DESIGN §5)."""
        events = [self.envelope(event, doc["_id"])] if event else []
        updated = await self.store.update(
            kind, doc["_id"], doc["version"], changes, events, inc=inc, add_to_set=add_to_set
        )
        if updated is None:
            raise Conflict("dữ liệu vừa được người khác sửa; hãy thử lại")
        if events:
            await self.outbox.flush(kind, doc["_id"])
        return updated

    async def change_emitting(
        self, kind: str, doc: Document, changes: Document, event: Event, aggregate_id: str
    ) -> tuple[Document, Envelope]:
        """Like `change`, with the event's envelope (subject `aggregate_id`) returned too, so
        the caller can apply the event's follow-up at once (the consumer applies it anyway,
        once per event id: one aggregate per write, issue 13)."""
        envelope = self.envelope(event, aggregate_id)
        updated = await self.store.update(kind, doc["_id"], doc["version"], changes, [envelope])
        if updated is None:
            raise Conflict("dữ liệu vừa được người khác sửa; hãy thử lại")
        await self.outbox.flush(kind, doc["_id"])
        return updated, envelope

    async def get(self, kind: str, doc_id: str) -> Document:
        """The aggregate of `kind` with this id. Raises `NotFound`."""
        doc = await self.store.get(kind, doc_id)
        if doc is None:
            raise NotFound("không tìm thấy", kind=kind, id=doc_id)
        return doc
