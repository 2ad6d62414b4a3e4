"""build_app(settings): wires broker, store, handlers; clients are made at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faststream import FastStream

from services.notifications.handlers import register_handlers
from services.notifications.repository import INDEXES, NotificationStore
from services.notifications.rpc import NotificationsRef, register_rpc
from services.notifications.service import Notifications
from shared.infra.broker import make_broker
from shared.infra.runtime import ServiceContext, build_service_app
from shared.infra.settings import Settings


def build_app(settings: Settings) -> FastStream:
    broker = make_broker(settings)
    notifications = NotificationsRef()
    register_handlers(broker, settings)
    register_rpc(broker, notifications)

    async def setup(context: ServiceContext) -> Mapping[str, Any]:
        notifications.current = Notifications(NotificationStore(context.db))
        return {"notifications": notifications.current, "processed": context.processed}

    return build_service_app(
        settings,
        broker,
        setup=setup,
        indexes=INDEXES,
        personal_data=lambda: notifications().export_personal_data,
    )
