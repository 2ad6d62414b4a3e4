"""Request–reply handlers for the gateway (thin: parse, call the use case, reply)."""

from __future__ import annotations

from faststream.nats import NatsBroker

from services.notifications.service import Notifications
from shared.contracts.rpc.notifications import ListInbox, MarkRead
from shared.infra.broker import rpc_responder, rpc_subscriber_options


def register_rpc(broker: NatsBroker, notifications: NotificationsRef) -> None:
    options = rpc_subscriber_options("notifications")
    broker.subscriber(ListInbox.subject, **options)(
        rpc_responder(ListInbox, lambda request: notifications().list_inbox(request))
    )
    broker.subscriber(MarkRead.subject, **options)(
        rpc_responder(MarkRead, lambda request: notifications().mark_read(request))
    )


class NotificationsRef:
    """The use cases, available once the process has connected (set in `setup`)."""

    def __init__(self) -> None:
        self.current: Notifications | None = None

    def __call__(self) -> Notifications:
        assert self.current is not None, "notifications service used before start-up"
        return self.current
