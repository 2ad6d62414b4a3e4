"""Places, ties, prizes and the cut between rounds, pure (issue 17).

`domain.rank` orders a round's entries (final score, then raw mean, then the earlier
submission); here that order becomes places people read:

- entries with equal final and raw scores are *tied*; under the `share` rule they share the
  better rank (1, 1, 3: standard competition ranking) and the prize of that rank; under
  `earlier_submission` the earlier entry goes first and both still say `tied`;
- the first `winners` places win; a prize line that falls inside a tie is reported
  (`Placing.tie_at_prize_line`) so the organizer is told at publish;
- a round's cut keeps the top N (ties at the cut go on together) or those at or above a
  threshold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.competitions import domain
from shared.contracts.base import Invalid
from shared.contracts.rpc.competitions.contests import Normalisation, TieBreak
from shared.i18n import gettext

#: Default prize labels by place (catalogue ids; the last repeats): "Giải Nhất", "Giải Nhì",
#: "Giải Ba", "Khuyến khích".
DEFAULT_PRIZES: tuple[str, ...] = ("prize.first", "prize.second", "prize.third", "prize.merit")


def default_prizes() -> list[str]:
    """The default prize labels, in Vietnamese from the catalogue."""
    return [gettext(message_id, "vi") for message_id in DEFAULT_PRIZES]


@dataclass(frozen=True)
class Place:
    """One entry's place: `rank` as shown, `tied` with another entry, `prize` (None when not
    a winner) and `winner`."""

    ranked: domain.Ranked
    rank: int
    tied: bool
    prize: str | None
    winner: bool


@dataclass(frozen=True)
class Placing:
    """Every entry's place, best first, and whether the prize line falls inside a tie."""

    places: list[Place]
    tie_at_prize_line: bool


def round_ranking(
    scores: Sequence[domain.JudgeScore],
    submitted_at: Mapping[str, datetime],
    normalisation: Normalisation,
) -> list[domain.Ranked]:
    """A round's order: by mean per-judge z-score (`z_score`) or by the mean weighted total
    (`raw_mean`, whose final score is then the raw mean), ties by the earlier submission."""
    ranked = domain.rank(scores, submitted_at)
    if normalisation == Normalisation.RAW_MEAN:
        rows = sorted(ranked, key=lambda r: (-r.raw_mean, r.rank))
        ranked = [
            domain.Ranked(
                rank=index,
                entry_id=r.entry_id,
                final_score=r.raw_mean,
                raw_mean=r.raw_mean,
                criteria_means=r.criteria_means,
                judges=r.judges,
            )
            for index, r in enumerate(rows, start=1)
        ]
    return ranked


def _key(r: domain.Ranked) -> tuple[float, float]:
    return (r.final_score, r.raw_mean)


def place(
    ranked: Sequence[domain.Ranked],
    winners: int,
    tie_break: TieBreak,
    labels: Sequence[str] | None = None,
) -> Placing:
    """Ranks, tie flags, prizes and winner flags for `ranked` (best first, as `domain.rank`
    orders it). `labels` are the prize labels by place (default `default_prizes()`); the
    last one repeats for places beyond them."""
    prizes = list(labels) if labels else default_prizes()
    counts: dict[tuple[float, float], int] = {}
    for r in ranked:
        counts[_key(r)] = counts.get(_key(r), 0) + 1
    places: list[Place] = []
    first_of: dict[tuple[float, float], int] = {}
    for index, r in enumerate(ranked, start=1):
        first_of.setdefault(_key(r), index)
        shown = first_of[_key(r)] if tie_break == TieBreak.SHARE else index
        winner = shown <= winners
        prize = prizes[min(shown, len(prizes)) - 1] if winner else None
        places.append(Place(r, shown, counts[_key(r)] > 1, prize, winner))
    straddles = any(
        index <= winners < index + counts[_key(r)] - 1
        for index, r in enumerate(ranked, start=1)
        if first_of[_key(r)] == index
    )
    return Placing(places=places, tie_at_prize_line=straddles)


def cut(
    ranked: Sequence[domain.Ranked], *, top: int | None, threshold: float | None
) -> tuple[list[str], list[str], bool]:
    """Who goes on from a round: (advanced, eliminated, tie at the cut took more than `top`).

    Exactly one of `top` and `threshold`: the top N, with every entry tied (equal final and
    raw score) with the Nth; or every entry whose final score is at least `threshold`.
    Raises `Invalid` for neither or both."""
    if (top is None) == (threshold is None):
        raise Invalid("chọn một cách đi tiếp: số bài đứng đầu hoặc ngưỡng điểm", field="top")
    if top is not None:
        if top >= len(ranked):
            return [r.entry_id for r in ranked], [], False
        line = _key(ranked[top - 1])
        advanced = [r for i, r in enumerate(ranked) if i < top or _key(r) == line]
        tie = len(advanced) > top
    else:
        assert threshold is not None
        advanced = [r for r in ranked if r.final_score >= threshold]
        tie = False
    chosen = {r.entry_id for r in advanced}
    return (
        [r.entry_id for r in advanced],
        [r.entry_id for r in ranked if r.entry_id not in chosen],
        tie,
    )
