"""Normalisation and ranking, then places, ties, prizes and the cut between rounds, pure
(issue 17).

`rank` orders a round's entries by final score (the mean of each judge's totals as z-scores
over that judge's entries), then raw mean, then the earlier submission; that order becomes
places people read:

- entries with equal final and raw scores are *tied*; under the `share` rule they share the
  better rank (1, 1, 3: standard competition ranking) and the prize of that rank; under
  `earlier_submission` the earlier entry goes first and both still say `tied`;
- the first `winners` places win; a prize line that falls inside a tie is reported
  (`Placing.tie_at_prize_line`) so the organizer is told at publish;
- a round's cut keeps the top N (ties at the cut go on together) or those at or above a
  threshold.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from shared.contracts.base import Invalid
from shared.contracts.rpc.competitions.contests import Normalisation, TieBreak
from shared.i18n import gettext

# --- normalisation and ranking -----------------------------------------------------------------


@dataclass(frozen=True)
class JudgeScore:
    """One judge's score set for one entry: its weighted `total` and per-criterion scores."""

    judge_id: str
    entry_id: str
    total: float
    scores: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Ranked:
    """One entry's place in the results: `final_score` is its mean z-score, `raw_mean`
    the mean weighted total, `judges` how many scored it."""

    rank: int
    entry_id: str
    final_score: float
    raw_mean: float
    criteria_means: dict[str, float]
    judges: int


def z_scores(scores: Sequence[JudgeScore]) -> dict[tuple[str, str], float]:
    """Each judge's totals as z-scores over that judge's entries (population deviation);
    a judge who gave every entry the same total contributes 0 for each."""
    by_judge: dict[str, list[JudgeScore]] = {}
    for score in scores:
        by_judge.setdefault(score.judge_id, []).append(score)
    result: dict[tuple[str, str], float] = {}
    for judge_id, own in by_judge.items():
        totals = [s.total for s in own]
        mean = math.fsum(totals) / len(totals)
        spread = math.sqrt(math.fsum((t - mean) ** 2 for t in totals) / len(totals))
        for s in own:
            z = 0.0 if spread <= 1e-12 else (s.total - mean) / spread
            result[(judge_id, s.entry_id)] = z
    return result


def rank(scores: Sequence[JudgeScore], submitted_at: Mapping[str, datetime]) -> list[Ranked]:
    """Final score = mean of an entry's z-scores; ties break by the higher raw weighted mean,
    then the earlier submission. Entries nobody scored are not ranked."""
    z = z_scores(scores)
    by_entry: dict[str, list[JudgeScore]] = {}
    for score in scores:
        by_entry.setdefault(score.entry_id, []).append(score)
    rows = []
    for entry_id, own in by_entry.items():
        final = math.fsum(z[(s.judge_id, entry_id)] for s in own) / len(own)
        raw = math.fsum(s.total for s in own) / len(own)
        names = sorted({name for s in own for name in s.scores})
        means = {
            name: round(
                math.fsum(s.scores[name] for s in own if name in s.scores)
                / sum(1 for s in own if name in s.scores),
                6,
            )
            for name in names
        }
        rows.append((entry_id, round(final, 9), round(raw, 9), means, len(own)))
    far_future = datetime.max.replace(tzinfo=None)
    rows.sort(
        key=lambda r: (
            -r[1],
            -r[2],
            _naive(submitted_at.get(r[0])) or far_future,
            r[0],
        )
    )
    return [
        Ranked(
            rank=index,
            entry_id=entry_id,
            final_score=round(final, 6),
            raw_mean=round(raw, 6),
            criteria_means=means,
            judges=count,
        )
        for index, (entry_id, final, raw, means, count) in enumerate(rows, start=1)
    ]


def _naive(value: datetime | None) -> datetime | None:
    """Comparable instants: aware values in UTC without their zone."""
    if value is None:
        return None
    if value.tzinfo is not None:
        offset = value.utcoffset()
        assert offset is not None
        return (value - offset).replace(tzinfo=None)
    return value


# --- places, ties and prizes ------------------------------------------------------------------


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

    ranked: Ranked
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
    scores: Sequence[JudgeScore],
    submitted_at: Mapping[str, datetime],
    normalisation: Normalisation,
) -> list[Ranked]:
    """A round's order: by mean per-judge z-score (`z_score`) or by the mean weighted total
    (`raw_mean`, whose final score is then the raw mean), ties by the earlier submission."""
    ranked = rank(scores, submitted_at)
    if normalisation == Normalisation.RAW_MEAN:
        rows = sorted(ranked, key=lambda r: (-r.raw_mean, r.rank))
        ranked = [
            Ranked(
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


def _key(r: Ranked) -> tuple[float, float]:
    return (r.final_score, r.raw_mean)


def place(
    ranked: Sequence[Ranked],
    winners: int,
    tie_break: TieBreak,
    labels: Sequence[str] | None = None,
) -> Placing:
    """Ranks, tie flags, prizes and winner flags for `ranked` (best first, as `rank`
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
    ranked: Sequence[Ranked], *, top: int | None, threshold: float | None
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
