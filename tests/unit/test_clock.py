"""The test-only clock offset (issue 13): a running stack's notifications clock moves when
the test rewrites the offset file, and production refuses it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared.infra.clock import OffsetFileClock, real_now, service_clock, write_offset
from shared.infra.settings import Settings


def near(moment: datetime, expected: datetime) -> bool:
    return abs(moment - expected) < timedelta(seconds=5)


def test_without_a_file_the_clock_is_real_time(tmp_path: Path) -> None:
    clock = service_clock(Settings(environment="local"))
    assert clock is real_now
    assert clock().tzinfo is UTC


def test_the_offset_moves_when_the_file_is_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "offset"
    clock = service_clock(Settings(test_clock_file=path))
    assert near(clock(), datetime.now(UTC))  # no file yet: no offset
    write_offset(path, 2 * 3600)
    assert near(clock(), datetime.now(UTC) + timedelta(hours=2))
    write_offset(path, -86400.5)
    assert near(clock(), datetime.now(UTC) - timedelta(days=1))
    path.unlink()
    assert near(clock(), datetime.now(UTC))


def test_a_half_written_file_keeps_the_last_offset(tmp_path: Path) -> None:
    path = tmp_path / "offset"
    clock = OffsetFileClock(path)
    write_offset(path, 3600)
    assert clock.offset() == timedelta(hours=1)
    path.write_text("36", encoding="utf-8")
    path.write_text("3600x", encoding="utf-8")  # not a number: the last good value stays
    assert clock.offset() == timedelta(hours=1)


def test_production_refuses_a_test_clock(tmp_path: Path) -> None:
    settings = Settings(environment="production", test_clock_file=tmp_path / "offset")
    with pytest.raises(ValueError, match="INNOHUB_TEST_CLOCK_FILE"):
        service_clock(settings)
