"""build_app(settings): wires broker, store, handlers; clients are made at start-up."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from faststream import FastStream

from services.notifications import directory
from services.notifications.deliveries import Deliveries
from services.notifications.delivery import senders
from services.notifications.handlers import register_handlers
from services.notifications.inbox import Inbox
from services.notifications.reminders import Reminders
from services.notifications.repository import (
    CONTACTS,
    ERASED,
    INDEXES,
    LABELS,
    NotificationStore,
)
from services.notifications.rpc import register_rpc
from services.notifications.service import Notices
from shared.infra.broker import make_broker
from shared.infra.clock import service_clock
from shared.infra.idempotency import ProcessedEvents
from shared.infra.runtime import MadeAtStartup, ServiceContext, build_service_app, instance_name
from shared.infra.settings import Settings


def build_app(settings: Settings) -> FastStream:
    """The notifications process: its consumers, its RPCs, the delivery and reminder loop, and
    its use cases made at start-up.
    """
    broker = make_broker(settings)
    notices: MadeAtStartup[Notices] = MadeAtStartup("notices")
    inbox: MadeAtStartup[Inbox] = MadeAtStartup("inbox")
    processed: MadeAtStartup[ProcessedEvents] = MadeAtStartup("processed events")
    register_handlers(broker, settings, notices, processed)
    register_rpc(broker, inbox)

    async def setup(context: ServiceContext) -> Mapping[str, Any]:
        """Compose the use cases over the started context (one store, one set of senders,
        one clock) and start the delivery and job loop (one tick every
        `notification_tick_seconds`)."""
        store = NotificationStore(context.db)
        channels = senders(settings)
        clock = service_clock(settings)
        notices.set(Notices(store, channels, clock=clock))
        deliveries = Deliveries(
            store, channels, instance=settings.instance or instance_name(), clock=clock
        )
        inbox.set(Inbox(store))
        processed.set(context.processed)
        stop = asyncio.Event()
        reminders = Reminders(notices(), deliveries)
        context.tasks.append(
            asyncio.create_task(reminders.run(settings.notification_tick_seconds, stop))
        )
        return {}

    async def personal_data(user_id: str) -> dict[str, Any]:
        """What notifications hold about the person, for the PDPL 91/2025/QH15 export."""
        return await directory.export_personal_data(notices(), user_id)

    return build_service_app(
        settings,
        broker,
        setup=setup,
        indexes=INDEXES,
        read_models=[CONTACTS, LABELS, ERASED],
        personal_data=lambda: personal_data,
    )
