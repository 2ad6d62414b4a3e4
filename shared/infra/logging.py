"""structlog through the standard library, so FastStream, uvicorn and pymongo lines match.

JSON when stderr is not a TTY, readable on a TTY. Every line carries `service`; inside a
request or message the `correlation_id` bound in contextvars is added too.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog
from structlog.types import EventDict, Processor, WrappedLogger

# Libraries whose own handlers would print a second copy of each line.
_FOREIGN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "faststream", "pymongo", "nats")


class IdleFetchTimeout(logging.Filter):
    """Quiets FastStream's report of an idle pull fetch that timed out.

    nats-py can raise a plain `asyncio.TimeoutError` at a fetch's deadline edge, which
    FastStream's pull loop does not suppress: its task supervisor logs an ERROR with a
    traceback and restarts the loop. Nothing failed (no message was waiting), so the line
    becomes DEBUG, shown only when the log level is DEBUG; real errors stay errors."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        """Drop (or demote to DEBUG when DEBUG is on) the `TimeoutError` a pull
        consumer logs when a fetch finds no message, and the supervisor's INFO line about
        the callback that restarts it; keep every other record."""
        message = str(record.msg)
        exc = record.exc_info[1] if record.exc_info else None
        idle_callback = message.startswith("callback for ") and message.endswith("executed...")
        timed_out = isinstance(exc, TimeoutError) and "raised an exception" in message
        if not (idle_callback or timed_out):
            return True
        if self.level > logging.DEBUG:
            return False
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        record.exc_info, record.exc_text = None, None
        return True


def _add_service(service: str) -> Processor:
    def processor(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
        """Add `service` to every log event that does not already name one."""
        event_dict.setdefault("service", service)
        return event_dict

    return processor


def configure_logging(service: str, *, level: str = "INFO", json: bool | None = None) -> None:
    """Route stdlib and structlog output through one structlog pipeline for `service`.

    Timestamps are ISO 8601 in UTC. `json=None` means JSON unless stderr is a TTY."""
    as_json = (not sys.stderr.isatty()) if json is None else json
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_service(service),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info if as_json else _keep,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    renderer: Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if as_json
        else structlog.dev.ConsoleRenderer()
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        # FastStream passes the message's subject and ids as `extra`: keep them.
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder()],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    handler.addFilter(IdleFetchTimeout(logging.getLevelName(level.upper())))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for name in _FOREIGN_LOGGERS:
        foreign = logging.getLogger(name)
        foreign.handlers = []
        foreign.propagate = True
        # FastStream sets its logger to INFO on import; the root level decides instead.
        foreign.setLevel(logging.NOTSET)
    logging.getLogger("pymongo").setLevel(logging.WARNING)


def _keep(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    return event_dict


def get_logger(name: str | None = None) -> Any:
    """A structlog logger (stdlib-backed) named `name`."""
    return structlog.stdlib.get_logger(name)


def bind_correlation(correlation_id: str | None) -> None:
    """Put `correlation_id` in the log context of this task; no-op when it is empty."""
    if correlation_id:
        structlog.contextvars.bind_contextvars(correlation_id=correlation_id)


def clear_correlation() -> None:
    """Remove the correlation id from the log context of this task."""
    structlog.contextvars.unbind_contextvars("correlation_id")


def current_correlation_id() -> str | None:
    """The correlation id bound for the request or message being handled, if any."""
    value = structlog.contextvars.get_contextvars().get("correlation_id")
    return str(value) if value else None
