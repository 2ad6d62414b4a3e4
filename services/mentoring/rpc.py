"""Request–reply handlers for the gateway (thin: parse, call the use case, reply)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from faststream.nats import NatsBroker

from services.mentoring.follow_ups import FollowUps
from services.mentoring.matches import Matches
from services.mentoring.service import Mentoring
from services.mentoring.sessions import Sessions
from shared.contracts.base import Actor, Forbidden
from shared.contracts.rpc.mentoring.consultations import (
    GetConsultation,
    ListConsultations,
    OpenConsultation,
)
from shared.contracts.rpc.mentoring.figures import MentoringFiguresRequest
from shared.contracts.rpc.mentoring.matches import (
    AnswerMatch,
    BatchMatch,
    GetMatch,
    ListMatches,
    ProposeMatch,
    SuggestMentors,
)
from shared.contracts.rpc.mentoring.mentors import (
    GetMentor,
    GetMentorBusy,
    ListMentors,
    SaveMentor,
    SetAvailability,
    UpdateMentor,
)
from shared.contracts.rpc.mentoring.sessions import (
    CancelSession,
    CompleteSession,
    GetSession,
    ListSessions,
    MarkNoShow,
    RecordFeedback,
    RescheduleSession,
    ScheduleSession,
)
from shared.infra.broker import ReplyT, RequestClass, RequestT, answer_rpc


def _actor(actor: Actor | None) -> Actor:
    """The signed-in actor; raises `Forbidden` for an anonymous request."""
    if actor is None:
        raise Forbidden("cần đăng nhập")
    return actor


@dataclass(frozen=True)
class UseCases:
    """The mentoring use cases, each given once the service has started."""

    mentoring: Callable[[], Mentoring]
    matches: Callable[[], Matches]
    sessions: Callable[[], Sessions]
    follow_ups: Callable[[], FollowUps]


def register_rpc(broker: NatsBroker, use: UseCases) -> None:
    """Answer every mentoring request contract in the `mentoring` queue group."""
    m, x, s = use.mentoring, use.matches, use.sessions

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
    answer(GetMentor, lambda r: m().get_mentor(_actor(r.actor), r.mentor_id))
    answer(OpenConsultation, lambda r: m().open_request(_actor(r.actor), r.draft))
    answer(GetConsultation, lambda r: m().get_request(_actor(r.actor), r.request_id))
    answer(
        ListConsultations,
        lambda r: m().list_requests(_actor(r.actor), r.status, r.page, r.page_size),
    )
    answer(SuggestMentors, lambda r: x().suggest(_actor(r.actor), r.request_id, r.limit))
    answer(ProposeMatch, lambda r: x().propose(_actor(r.actor), r.request_id, r.mentor_id))
    answer(BatchMatch, lambda r: x().batch(_actor(r.actor), r.request_ids))
    answer(AnswerMatch, lambda r: x().answer(_actor(r.actor), r.match_id, r.accept))
    answer(GetMatch, lambda r: x().get_match(_actor(r.actor), r.match_id))
    answer(ListMatches, lambda r: x().list_matches(_actor(r.actor), r.status, r))
    answer(ScheduleSession, lambda r: s().schedule(_actor(r.actor), r.draft))
    answer(ListSessions, lambda r: s().list(_actor(r.actor), r))
    answer(GetMentorBusy, lambda r: s().busy(_actor(r.actor), r))
    answer(GetSession, lambda r: s().get(_actor(r.actor), r.session_id))
    answer(CancelSession, lambda r: s().cancel(_actor(r.actor), r.session_id, r.cancellation))
    answer(
        RescheduleSession,
        lambda r: s().reschedule(_actor(r.actor), r.session_id, r.rescheduling),
    )
    answer(MarkNoShow, lambda r: s().no_show(_actor(r.actor), r.session_id, r.no_show))
    answer(CompleteSession, lambda r: s().complete(_actor(r.actor), r.session_id, r.completion))
    answer(RecordFeedback, lambda r: s().feedback(_actor(r.actor), r.session_id, r.feedback))
    answer(MentoringFiguresRequest, lambda r: use.follow_ups().figures(r.start, r.end))
