"""build_app(settings): wires broker, store, handlers; clients are made at start-up."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from faststream import FastStream

from services.notifications.delivery import senders
from services.notifications.handlers import register_handlers
from services.notifications.repository import (
    CONTACTS,
    ERASED,
    INDEXES,
    LABELS,
    NotificationStore,
)
from services.notifications.rpc import register_rpc
from services.notifications.service import Notifications
from shared.infra.broker import make_broker
from shared.infra.clock import service_clock
from shared.infra.mongo import ProcessedEvents
from shared.infra.runtime import MadeAtStartup, ServiceContext, build_service_app, instance_name
from shared.infra.settings import Settings


def build_app(settings: Settings) -> FastStream:
    """The notifications process: its consumers, its RPCs, the delivery and reminder loop, and
    its use cases made at start-up.
    """
    broker = make_broker(settings)
    notifications: MadeAtStartup[Notifications] = MadeAtStartup("notifications")
    processed: MadeAtStartup[ProcessedEvents] = MadeAtStartup("processed events")
    register_handlers(broker, settings, notifications, processed)
    register_rpc(broker, notifications)

    async def setup(context: ServiceContext) -> Mapping[str, Any]:
        """Build the use cases over the started context and start the delivery and job loop
        (one tick every `notification_tick_seconds`)."""
        use_cases = notifications.set(
            Notifications(
                NotificationStore(context.db),
                senders(settings),
                instance=settings.instance or instance_name(),
                clock=service_clock(settings),
            )
        )
        processed.set(context.processed)
        stop = asyncio.Event()
        context.tasks.append(
            asyncio.create_task(use_cases.run(settings.notification_tick_seconds, stop))
        )
        return {}

    return build_service_app(
        settings,
        broker,
        setup=setup,
        indexes=INDEXES,
        read_models=[CONTACTS, LABELS, ERASED],
        personal_data=lambda: notifications().export_personal_data,
    )
