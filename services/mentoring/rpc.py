"""Request–reply handlers for the gateway (thin: parse, call the use case, reply)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from faststream.nats import NatsBroker
from pydantic import BaseModel

from services.mentoring.service import Mentoring
from shared.contracts.base import Actor, Forbidden, RpcRequest
from shared.contracts.rpc.common import FiguresRequest, figures_subject
from shared.contracts.rpc.mentoring import (
    AnswerMatch,
    BatchMatch,
    CompleteSession,
    GetConsultation,
    ListConsultations,
    ListMentors,
    OpenConsultation,
    ProposeMatch,
    RecordFeedback,
    SaveMentor,
    ScheduleSession,
    SetAvailability,
    SuggestMentors,
    UpdateMentor,
)
from shared.infra.broker import rpc_responder, rpc_subscriber_options

UseCase = Callable[[Any], Awaitable[BaseModel]]


def _actor(actor: Actor | None) -> Actor:
    if actor is None:
        raise Forbidden("cần đăng nhập")
    return actor


def register_rpc(broker: NatsBroker, mentoring: Callable[[], Mentoring]) -> None:
    m = mentoring
    handlers: list[tuple[type[RpcRequest], UseCase]] = [
        (SaveMentor, lambda r: m().save_mentor(_actor(r.actor), r.profile)),
        (UpdateMentor, lambda r: m().update_mentor(_actor(r.actor), r.mentor_id, r.changes)),
        (
            SetAvailability,
            lambda r: m().set_availability(_actor(r.actor), r.mentor_id, r.availability),
        ),
        (ListMentors, lambda r: m().list_mentors(_actor(r.actor), r.topic, r.page, r.page_size)),
        (OpenConsultation, lambda r: m().open_request(_actor(r.actor), r.draft)),
        (GetConsultation, lambda r: m().get_request(_actor(r.actor), r.request_id)),
        (
            ListConsultations,
            lambda r: m().list_requests(_actor(r.actor), r.status, r.page, r.page_size),
        ),
        (SuggestMentors, lambda r: m().suggest(_actor(r.actor), r.request_id, r.limit)),
        (ProposeMatch, lambda r: m().propose(_actor(r.actor), r.request_id, r.mentor_id)),
        (BatchMatch, lambda r: m().batch(_actor(r.actor), r.request_ids)),
        (AnswerMatch, lambda r: m().answer(_actor(r.actor), r.match_id, r.accept)),
        (ScheduleSession, lambda r: m().schedule(_actor(r.actor), r.draft)),
        (CompleteSession, lambda r: m().complete(_actor(r.actor), r.session_id, r.completion)),
        (RecordFeedback, lambda r: m().feedback(_actor(r.actor), r.session_id, r.feedback)),
    ]
    options = rpc_subscriber_options("mentoring")
    for model, use_case in handlers:
        broker.subscriber(model.subject, **options)(rpc_responder(model, use_case))
    broker.subscriber(figures_subject("mentoring"), **options)(
        rpc_responder(FiguresRequest, lambda r: m().figures(r.start, r.end))
    )
