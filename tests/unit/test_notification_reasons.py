"""A reason a person typed ends the notice's sentence once (QA finding 19): "rõ ràng." is
never followed by a second full stop, and a reason without one gets it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.notifications.domain import Kind
from services.notifications.messages import render
from shared.contracts.base import Locale

AT = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)

CASES = [
    (Kind.STARTUP_REJECTED, {"name": "An", "startup": "Trà Sen"}, "reason"),
    (
        Kind.SESSION_CANCELLED,
        {"name": "An", "startup": "Trà Sen", "starts_at": AT, "by": "Bình"},
        "reason",
    ),
    (Kind.EVENT_CANCELLED, {"name": "An", "title": "Ngày hội", "starts_at": AT}, "reason"),
    (
        Kind.INITIATIVE_DECIDED,
        {
            "name": "An",
            "initiative": "Sổ tay",
            "recognised": False,
            "scope": "ward",
            "votes_for": 1,
            "council_size": 3,
        },
        "reasons",
    ),
]


@pytest.mark.parametrize("locale", [Locale.VI, Locale.EN])
@pytest.mark.parametrize(("kind", "data", "key"), CASES)
@pytest.mark.parametrize("reason", ["Hồ sơ chưa rõ ràng.", "Hồ sơ chưa rõ ràng"])
def test_a_reason_ends_with_one_full_stop(
    kind: Kind, data: dict[str, object], key: str, locale: Locale, reason: str
) -> None:
    """Whether or not the reason ends with a full stop, the notice shows exactly one."""
    _, body = render(kind, locale, **{**data, key: reason})
    assert "rõ ràng." in body
    assert ".." not in body
