"""Log lines a person reads: an idle fetch is not an error, a real failure still is."""

from __future__ import annotations

import io
import logging

import pytest

from shared.infra.logging import IdleFetchTimeout


def supervisor_record(error: BaseException) -> logging.LogRecord:
    """The record FastStream's task supervisor writes when a pull loop raised."""
    try:
        raise error
    except BaseException as raised:
        return logging.LogRecord(
            "faststream",
            logging.ERROR,
            __file__,
            1,
            "Task-7 raised an exception, retrying...",
            None,
            (type(raised), raised, raised.__traceback__),
        )


def emitted(level: int, record: logging.LogRecord) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(IdleFetchTimeout(level))
    handler.handle(record)
    return stream.getvalue()


def test_an_idle_fetch_timeout_is_silent_at_info() -> None:
    assert emitted(logging.INFO, supervisor_record(TimeoutError())) == ""


def test_an_idle_fetch_timeout_is_a_debug_line_at_debug() -> None:
    line = emitted(logging.DEBUG, supervisor_record(TimeoutError()))
    assert line.startswith("DEBUG Task-7 raised an exception")
    assert "Traceback" not in line


@pytest.mark.parametrize("error", [ConnectionResetError("peer gone"), ValueError("bad")])
def test_a_real_failure_stays_an_error_with_its_traceback(error: Exception) -> None:
    line = emitted(logging.INFO, supervisor_record(error))
    assert line.startswith("ERROR Task-7 raised an exception")
    assert "Traceback" in line


def test_the_supervisors_callback_announcement_is_quiet_at_info() -> None:
    record = logging.LogRecord(
        "faststream",
        logging.INFO,
        __file__,
        1,
        "callback for Task-80 is being executed...",
        None,
        None,
    )
    assert emitted(logging.INFO, record) == ""
    assert emitted(logging.DEBUG, record).startswith("DEBUG callback for Task-80")
