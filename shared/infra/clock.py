"""The time a service reads, with a test-only offset: `INNOHUB_TEST_CLOCK_FILE` names a file
holding a number of seconds added to real time, so an end-to-end test can move a running
stack's clock forward (a reminder due tomorrow fires now) without waiting a day.

Unset (always, in production) the clock is plain `datetime.now(UTC)`. The file is re-read
only when its inode, size or modification time changes (one `stat` per call), so a test
writes a new file (write then rename) and every process sees the new offset at its next
reading."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shared.infra.logging import get_logger
from shared.infra.settings import Settings

log = get_logger(__name__)

Clock = Callable[[], datetime]


def real_now() -> datetime:
    """Aware UTC now."""
    return datetime.now(UTC)


class OffsetFileClock:
    """Real UTC time plus the offset in seconds written in `path` (a float, e.g. `7200` or
    `-3600.5`). A missing, empty or unreadable file is an offset of 0; the last good value
    is kept while the file is being replaced."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[int, int, int] | None = None
        self._offset = timedelta(0)

    def offset(self) -> timedelta:
        """The current offset, re-read when the file changed."""
        try:
            info = os.stat(self.path)
        except OSError:
            self._seen = None
            self._offset = timedelta(0)
            return self._offset
        seen = (info.st_ino, info.st_size, info.st_mtime_ns)
        if seen != self._seen:
            try:
                text = self.path.read_text(encoding="utf-8").strip()
                self._offset = timedelta(seconds=float(text or 0))
                self._seen = seen
                log.info("clock.offset", seconds=self._offset.total_seconds())
            except (OSError, ValueError):
                pass  # half-written: keep the last value, read again next time
        return self._offset

    def __call__(self) -> datetime:
        """Aware UTC now, shifted by the file's offset."""
        return real_now() + self.offset()


def service_clock(settings: Settings) -> Clock:
    """The clock a service's use cases read: real time, or real time plus the offset in
    `settings.test_clock_file` (test-only). Raises `ValueError` when a test clock is set in
    the production environment."""
    if settings.test_clock_file is None:
        return real_now
    if settings.environment == "production":
        raise ValueError("INNOHUB_TEST_CLOCK_FILE is for tests only, never in production")
    log.warning("clock.test_offset_file", path=str(settings.test_clock_file))
    return OffsetFileClock(settings.test_clock_file)


def write_offset(path: Path, seconds: float) -> None:
    """Set a test clock's offset: written beside `path` and renamed over it, so a reader
    never sees half a number (tests)."""
    spare = path.with_name(f".{path.name}.new")
    spare.write_text(f"{seconds}\n", encoding="utf-8")
    spare.replace(path)
