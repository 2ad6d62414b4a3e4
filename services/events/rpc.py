"""Request–reply handlers for the gateway (thin: parse, call the use case, reply)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from faststream.nats import NatsBroker

from services.events.records import Records
from services.events.service import EventsService
from shared.contracts.base import Actor, Forbidden
from shared.contracts.rpc import events as c
from shared.contracts.rpc.certificates import (
    GetCertificate,
    ListMyCertificates,
    RevokeCertificate,
    certificates_subject,
)
from shared.infra.broker import ReplyT, RequestClass, RequestT, answer_rpc


def _actor(actor: Actor | None) -> Actor:
    """The signed-in actor; raises `Forbidden` for an anonymous request."""
    if actor is None:
        raise Forbidden("cần đăng nhập")
    return actor


def register_rpc(
    broker: NatsBroker,
    events: Callable[[], EventsService],
    records: Callable[[], Records],
) -> None:
    """Answer every events request contract in the `events` queue group, and the shared
    certificates requests on `rpc.events.certificates.*`."""
    e, r = events, records

    def answer(
        request_model: RequestClass[RequestT, ReplyT],
        use_case: Callable[[RequestT], Awaitable[ReplyT]],
        subject: str | None = None,
    ) -> None:
        """Answer `request_model`'s subject (or `subject`) with `use_case`."""
        answer_rpc(broker, "events", request_model, use_case, subject=subject)

    answer(c.CreateEvent, lambda q: e().create(_actor(q.actor), q.event))
    answer(c.UpdateEvent, lambda q: e().update(_actor(q.actor), q.event_id, q.changes))
    answer(c.PublishEvent, lambda q: e().publish(_actor(q.actor), q.event_id))
    answer(c.CancelEvent, lambda q: e().cancel(_actor(q.actor), q.event_id, q.reason))
    answer(c.CloseEvent, lambda q: r().close(_actor(q.actor), q.event_id))
    answer(c.ArchiveEvent, lambda q: e().archive(_actor(q.actor), q.event_id))
    answer(c.GetEvent, lambda q: e().get(q.actor, q.event_id))
    answer(
        c.ListEvents,
        lambda q: e().list_events(
            q.actor,
            kind=q.kind.value if q.kind else None,
            ward=q.ward,
            status=q.status.value if q.status else None,
            upcoming=q.upcoming,
            mine=q.mine,
            page=q.page,
            page_size=q.page_size,
        ),
    )
    answer(c.Register, lambda q: e().register(_actor(q.actor), q.event_id, q.registration))
    answer(
        c.RegisterMembers,
        lambda q: e().register_members(_actor(q.actor), q.event_id, q.members),
    )
    answer(c.CancelRegistration, lambda q: e().cancel_registration(_actor(q.actor), q.event_id))
    answer(
        c.ListMyRegistrations,
        lambda q: e().my_registrations(_actor(q.actor), q.page, q.page_size),
    )
    answer(
        c.ListRegistrations,
        lambda q: e().registrations(
            _actor(q.actor),
            q.event_id,
            q.status.value if q.status else None,
            q.page,
            q.page_size,
        ),
    )
    answer(c.CheckIn, lambda q: e().check_in(_actor(q.actor), q.event_id, q.check_in))
    answer(c.EventsFiguresRequest, lambda q: r().figures(q.start, q.end))
    answer(
        GetCertificate,
        lambda q: r().certificate(q.code),
        certificates_subject("events", "get"),
    )
    answer(
        ListMyCertificates,
        lambda q: r().my_certificates(q.actor, q.user_id, q.page, q.page_size),
        certificates_subject("events", "mine"),
    )
    answer(
        RevokeCertificate,
        lambda q: r().revoke(_actor(q.actor), q.code, q.reason),
        certificates_subject("events", "revoke"),
    )
