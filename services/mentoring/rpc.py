"""Request–reply handlers for the gateway (thin: parse, call the use case, reply)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from faststream.nats import NatsBroker

from services.mentoring.service import Mentoring
from shared.contracts.base import Actor, Forbidden
from shared.contracts.rpc.mentoring import (
    AnswerMatch,
    BatchMatch,
    CompleteSession,
    GetConsultation,
    ListConsultations,
    ListMentors,
    MentoringFiguresRequest,
    OpenConsultation,
    ProposeMatch,
    RecordFeedback,
    SaveMentor,
    ScheduleSession,
    SetAvailability,
    SuggestMentors,
    UpdateMentor,
)
from shared.infra.broker import ReplyT, RequestClass, RequestT, answer_rpc


def _actor(actor: Actor | None) -> Actor:
    """The signed-in actor; raises `Forbidden` for an anonymous request."""
    if actor is None:
        raise Forbidden("cần đăng nhập")
    return actor


def register_rpc(broker: NatsBroker, mentoring: Callable[[], Mentoring]) -> None:
    """Answer every mentoring request contract in the `mentoring` queue group; `mentoring`
    gives the use cases once the service has started."""
    m = mentoring

    def answer(
        request_model: RequestClass[RequestT, ReplyT],
        use_case: Callable[[RequestT], Awaitable[ReplyT]],
    ) -> None:
        """Answer `request_model`'s subject (`rpc.mentoring.…`) with `use_case`."""
        answer_rpc(broker, "mentoring", request_model, use_case)

    answer(SaveMentor, lambda r: m().save_mentor(_actor(r.actor), r.profile))
    answer(UpdateMentor, lambda r: m().update_mentor(_actor(r.actor), r.mentor_id, r.changes))
    answer(
        SetAvailability,
        lambda r: m().set_availability(_actor(r.actor), r.mentor_id, r.availability),
    )
    answer(ListMentors, lambda r: m().list_mentors(_actor(r.actor), r.topic, r.page, r.page_size))
    answer(OpenConsultation, lambda r: m().open_request(_actor(r.actor), r.draft))
    answer(GetConsultation, lambda r: m().get_request(_actor(r.actor), r.request_id))
    answer(
        ListConsultations,
        lambda r: m().list_requests(_actor(r.actor), r.status, r.page, r.page_size),
    )
    answer(SuggestMentors, lambda r: m().suggest(_actor(r.actor), r.request_id, r.limit))
    answer(ProposeMatch, lambda r: m().propose(_actor(r.actor), r.request_id, r.mentor_id))
    answer(BatchMatch, lambda r: m().batch(_actor(r.actor), r.request_ids))
    answer(AnswerMatch, lambda r: m().answer(_actor(r.actor), r.match_id, r.accept))
    answer(ScheduleSession, lambda r: m().schedule(_actor(r.actor), r.draft))
    answer(CompleteSession, lambda r: m().complete(_actor(r.actor), r.session_id, r.completion))
    answer(RecordFeedback, lambda r: m().feedback(_actor(r.actor), r.session_id, r.feedback))
    answer(MentoringFiguresRequest, lambda r: m().figures(r.start, r.end))
