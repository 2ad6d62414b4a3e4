"""build_app(settings): wires broker and store; the domain arrives with its issue."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faststream import FastStream

from shared.infra.broker import make_broker
from shared.infra.runtime import ServiceContext, build_service_app
from shared.infra.settings import Settings


def build_app(settings: Settings) -> FastStream:
    broker = make_broker(settings)

    async def setup(context: ServiceContext) -> Mapping[str, Any]:
        return {}

    return build_service_app(settings, broker, setup=setup)
