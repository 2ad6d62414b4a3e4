"""What every mentoring use case shares: loading an aggregate, saving it with its events in
one document write (the outbox), optimistic versions, and the views answered to callers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from services.mentoring import domain
from services.mentoring.repository import MentoringStore
from shared.contracts.base import Actor, Conflict, Envelope, Event, Forbidden, NotFound
from shared.contracts.rpc.mentoring import ConsultationView, MatchView, MentorView, SessionView
from shared.infra.logging import current_correlation_id
from shared.infra.mongo import Document, OutboxRelay


def staff_only(actor: Actor) -> None:
    if not domain.is_staff(actor):
        raise Forbidden("chỉ cán bộ Điểm tư vấn khởi nghiệp được làm việc này")


class Aggregates:
    def __init__(
        self,
        store: MentoringStore,
        outbox: OutboxRelay,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.clock = clock

    def _envelope(self, event: Event, aggregate_id: str) -> Envelope:
        return Envelope.wrap(
            event, aggregate_id=aggregate_id, correlation_id=current_correlation_id()
        )

    async def _create(self, kind: str, doc: Document, event: Event) -> Document:
        await self.store.insert(kind, doc, [self._envelope(event, doc["_id"])])
        await self.outbox.flush(kind, doc["_id"])
        return await self._get(kind, doc["_id"])

    async def _change(
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
        events = [self._envelope(event, doc["_id"])] if event else []
        updated = await self.store.update(
            kind, doc["_id"], doc["version"], changes, events, inc=inc, add_to_set=add_to_set
        )
        if updated is None:
            raise Conflict("dữ liệu vừa được người khác sửa; hãy thử lại")
        if events:
            await self.outbox.flush(kind, doc["_id"])
        return updated

    async def _get(self, kind: str, doc_id: str) -> Document:
        doc = await self.store.get(kind, doc_id)
        if doc is None:
            raise NotFound("không tìm thấy", kind=kind, id=doc_id)
        return doc


def mentor_view(doc: Document) -> MentorView:
    count = doc.get("rating_count", 0)
    average = round(doc["rating_sum"] / count, 2) if count else None
    return MentorView.model_validate(
        {**doc, "id": doc["_id"], "rating_average": average, "rating_count": count}
    )


def request_view(doc: Document) -> ConsultationView:
    return ConsultationView.model_validate({**doc, "id": doc["_id"]})


def match_view(doc: Document) -> MatchView:
    return MatchView.model_validate({**doc, "id": doc["_id"]})


def session_view(doc: Document) -> SessionView:
    return SessionView.model_validate({**doc, "id": doc["_id"]})
