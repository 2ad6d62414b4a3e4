"""Request–reply handlers for the gateway (thin: parse, call the use case, reply)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from faststream.nats import NatsBroker

from services.events.use_cases import UseCases
from shared.contracts.base import Actor, Forbidden
from shared.contracts.rpc.certificates import (
    GetCertificate,
    ListMyCertificates,
    RevokeCertificate,
    certificates_subject,
)
from shared.contracts.rpc.events.announcements import (
    ArchiveEvent,
    CancelEvent,
    CloseEvent,
    CreateEvent,
    GetEvent,
    ListEvents,
    PublishEvent,
    UpdateEvent,
)
from shared.contracts.rpc.events.attendance import CheckIn
from shared.contracts.rpc.events.figures import EventsFiguresRequest
from shared.contracts.rpc.events.registrations import (
    CancelRegistration,
    ListMyRegistrations,
    ListRegistrations,
    Register,
    RegisterMembers,
)
from shared.infra.broker import ReplyT, RequestClass, RequestT, answer_rpc


def _actor(actor: Actor | None) -> Actor:
    """The signed-in actor; raises `Forbidden` for an anonymous request."""
    if actor is None:
        raise Forbidden("cần đăng nhập")
    return actor


def register_rpc(broker: NatsBroker, use: Callable[[], UseCases]) -> None:
    """Answer every events request contract in the `events` queue group, and the shared
    certificates requests on `rpc.events.certificates.*`; `use` gives the use cases once
    the service has started."""

    def answer(
        request_model: RequestClass[RequestT, ReplyT],
        use_case: Callable[[RequestT], Awaitable[ReplyT]],
        subject: str | None = None,
    ) -> None:
        """Answer `request_model`'s subject (or `subject`) with `use_case`."""
        answer_rpc(broker, "events", request_model, use_case, subject=subject)

    answer(CreateEvent, lambda q: use().events.create(_actor(q.actor), q.event))
    answer(UpdateEvent, lambda q: use().events.update(_actor(q.actor), q.event_id, q.changes))
    answer(PublishEvent, lambda q: use().events.publish(_actor(q.actor), q.event_id))
    answer(CancelEvent, lambda q: use().events.cancel(_actor(q.actor), q.event_id, q.reason))
    answer(CloseEvent, lambda q: use().events.close(_actor(q.actor), q.event_id))
    answer(ArchiveEvent, lambda q: use().events.archive(_actor(q.actor), q.event_id))
    answer(GetEvent, lambda q: use().events.get(q.actor, q.event_id))
    answer(
        ListEvents,
        lambda q: use().events.list_events(
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
    answer(
        Register,
        lambda q: use().registrations.register(_actor(q.actor), q.event_id, q.registration),
    )
    answer(
        RegisterMembers,
        lambda q: use().registrations.register_members(_actor(q.actor), q.event_id, q.members),
    )
    answer(
        CancelRegistration,
        lambda q: use().registrations.cancel_registration(_actor(q.actor), q.event_id),
    )
    answer(
        ListMyRegistrations,
        lambda q: use().registrations.my_registrations(_actor(q.actor), q.page, q.page_size),
    )
    answer(
        ListRegistrations,
        lambda q: use().registrations.registrations(
            _actor(q.actor),
            q.event_id,
            q.status.value if q.status else None,
            q.page,
            q.page_size,
        ),
    )
    answer(CheckIn, lambda q: use().attendance.check_in(_actor(q.actor), q.event_id, q.check_in))
    answer(EventsFiguresRequest, lambda q: use().figures.period(q.start, q.end))
    answer(
        GetCertificate,
        lambda q: use().certificates.certificate(q.code),
        certificates_subject("events", "get"),
    )
    answer(
        ListMyCertificates,
        lambda q: use().certificates.my_certificates(q.actor, q.user_id, q.page, q.page_size),
        certificates_subject("events", "mine"),
    )
    answer(
        RevokeCertificate,
        lambda q: use().certificates.revoke(_actor(q.actor), q.code, q.reason),
        certificates_subject("events", "revoke"),
    )
