"""Matching mentors to consultation requests: the score, its reasons, and batch assignment.

Pure functions over numpy arrays, so ranking 5,000 mentors for one request is one pass of
vector arithmetic, and batch matching is an exact assignment problem (scipy's
`linear_sum_assignment` over capacity-expanded columns).

The score is in [0, 1]: a weighted sum of components, each in [0, 1]. The weights are
the Consultation Point's judgement of what matters and live here, in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

# scipy ships no type hints (scipy-stubs is not among the dev dependencies).
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

from shared.contracts.events.registry import NEED_LABELS_VI, Need
from shared.text import fold

#: Share of requested topics the mentor covers — the main reason to meet.
W_TOPIC = 0.35
#: The mentor knows the startup's sector.
W_SECTOR = 0.15
#: The mentor likes working with startups at this stage.
W_STAGE = 0.10
#: The mentor speaks the language the founder asked for.
W_LANGUAGE = 0.10
#: Share of this month's capacity still free (spreads the load).
W_CAPACITY = 0.10
#: Free hours in the next 14 days, saturating at FREE_HOURS_ENOUGH.
W_AVAILABILITY = 0.10
#: Past ratings (mean / 5); a mentor without ratings counts as NEUTRAL_RATING.
W_RATING = 0.10
WEIGHTS = (W_TOPIC, W_SECTOR, W_STAGE, W_LANGUAGE, W_CAPACITY, W_AVAILABILITY, W_RATING)
assert abs(sum(WEIGHTS) - 1.0) < 1e-9

FREE_HOURS_ENOUGH = 4.0
NEUTRAL_RATING = 0.6
#: Gain of a pair that must not be made; any real score (>= 0) beats it.
EXCLUDED_PENALTY = -1000.0
STAGES_VI = {
    "idea": "ý tưởng",
    "prototype": "nguyên mẫu",
    "mvp": "sản phẩm khả dụng tối thiểu",
    "revenue": "đã có doanh thu",
    "growth": "tăng trưởng",
}
_NEED_BY_VALUE = {need.value: need for need in Need}


@dataclass(frozen=True)
class MentorFacts:
    """What scoring needs of one mentor; `capacity` is the mentor's monthly capacity and
    `used_this_month` how much of it this month's matches already take."""

    mentor_id: str
    topics: frozenset[str]
    sectors: frozenset[str]
    stages: frozenset[str]
    languages: frozenset[str]
    capacity: int
    used_this_month: int
    free_hours_14d: float
    rating_mean: float | None
    eligible: bool  # active, not paused
    #: topic key → the words the mentor wrote ("hop dong" → "hợp đồng"), for reasons
    topic_labels: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def remaining(self) -> int:
        """Capacity still free this month (never negative)."""
        return max(self.capacity - self.used_this_month, 0)


@dataclass(frozen=True)
class RequestFacts:
    """What scoring needs of one consultation request; `declined` holds the mentor ids
    that already declined it."""

    request_id: str
    topics: frozenset[str]
    sector: str | None
    stage: str | None
    language: str
    declined: frozenset[str]


class MentorTable:
    """Mentors as columns of numbers, built once and scored against many requests."""

    def __init__(self, mentors: Sequence[MentorFacts]) -> None:
        self.mentors = list(mentors)
        self.index = {m.mentor_id: i for i, m in enumerate(self.mentors)}
        self.topic_index = _vocabulary(m.topics for m in self.mentors)
        self.sector_index = _vocabulary(m.sectors for m in self.mentors)
        self.topics = _incidence(self.mentors, self.topic_index, lambda m: m.topics)
        self.sectors = _incidence(self.mentors, self.sector_index, lambda m: m.sectors)
        self.stage_index = _vocabulary(m.stages for m in self.mentors)
        self.language_index = _vocabulary(m.languages for m in self.mentors)
        self.stages = _incidence(self.mentors, self.stage_index, lambda m: m.stages)
        self.languages = _incidence(self.mentors, self.language_index, lambda m: m.languages)
        self.capacity = np.array([max(m.capacity, 1) for m in self.mentors], dtype=float)
        self.remaining = np.array([m.remaining for m in self.mentors], dtype=float)
        self.free = np.array([m.free_hours_14d for m in self.mentors], dtype=float)
        self.rating = np.array(
            [NEUTRAL_RATING if m.rating_mean is None else m.rating_mean / 5 for m in self.mentors]
        )
        self.eligible = np.array([m.eligible and m.remaining > 0 for m in self.mentors], dtype=bool)

    def scores(self, request: RequestFacts) -> NDArray[np.float64]:
        """Every mentor's score for the request; ineligible ones get -1."""
        count = len(self.mentors)
        if count == 0:
            return np.zeros(0)
        asked = [self.topic_index[t] for t in request.topics if t in self.topic_index]
        topic = (
            self.topics[:, asked].sum(axis=1) / len(request.topics) if asked else np.zeros(count)
        )
        sector = _column(self.sectors, self.sector_index, request.sector, count)
        stage = _column(self.stages, self.stage_index, request.stage, count)
        language = _column(self.languages, self.language_index, request.language, count)
        capacity = self.remaining / self.capacity
        availability = np.minimum(self.free / FREE_HOURS_ENOUGH, 1.0)
        total = (
            W_TOPIC * topic
            + W_SECTOR * sector
            + W_STAGE * stage
            + W_LANGUAGE * language
            + W_CAPACITY * capacity
            + W_AVAILABILITY * availability
            + W_RATING * self.rating
        )
        allowed = self.eligible.copy()
        for mentor_id in request.declined:
            if mentor_id in self.index:
                allowed[self.index[mentor_id]] = False
        return np.where(allowed, np.round(total, 4), -1.0)

    def suggest(self, request: RequestFacts, limit: int) -> list[tuple[MentorFacts, float]]:
        """The `limit` best eligible mentors for the request with their scores in [0, 1],
        best first (stable on ties)."""
        scores = self.scores(request)
        if scores.size == 0:
            return []
        top = np.argsort(-scores, kind="stable")[:limit]
        return [(self.mentors[i], float(scores[i])) for i in top if scores[i] >= 0]


def reasons(
    mentor: MentorFacts, request: RequestFacts, sector_labels: Mapping[str, str] | None = None
) -> list[str]:
    """Why this mentor, in words staff can check; sectors by their Vietnamese name
    (reference data) when known."""
    found = []
    shared_topics = sorted(request.topics & mentor.topics)
    if shared_topics:
        labels = [_topic_label(t, mentor.topic_labels) for t in shared_topics]
        found.append("chuyên môn: " + ", ".join(labels))
    if request.sector and request.sector in mentor.sectors:
        found.append(f"lĩnh vực: {(sector_labels or {}).get(request.sector, request.sector)}")
    if request.stage and request.stage in mentor.stages:
        found.append(f"giai đoạn: {STAGES_VI.get(request.stage, request.stage)}")
    if request.language in mentor.languages:
        found.append("ngôn ngữ: " + ("tiếng Việt" if request.language == "vi" else "tiếng Anh"))
    found.append(f"còn {mentor.remaining}/{mentor.capacity} buổi trong tháng")
    if mentor.free_hours_14d > 0:
        found.append(f"còn {mentor.free_hours_14d:g} giờ trống trong 14 ngày tới")
    if mentor.rating_mean is not None:
        found.append(f"đánh giá trung bình {mentor.rating_mean:.1f}/5".replace(".", ","))
    return found


def topic_key(topic: str) -> str:
    """Topics compare case- and accent-insensitively: "Hợp đồng" and "hop dong" are one."""
    return " ".join(fold(topic).split())


def _topic_label(key: str, labels: Mapping[str, str]) -> str:
    need = _NEED_BY_VALUE.get(key)
    return NEED_LABELS_VI[need] if need else labels.get(key, key)


@dataclass(frozen=True)
class Assignment:
    """One request given to one mentor by `assign`, with its score in [0, 1]."""

    request_id: str
    mentor_id: str
    score: float


def assign(table: MentorTable, requests: Sequence[RequestFacts]) -> list[Assignment]:
    """Assign requests to mentors so the total score is maximal and no mentor gets more
    than their remaining capacity this month: an assignment problem solved exactly by
    `scipy.optimize.linear_sum_assignment` over capacity-expanded columns (a mentor with
    3 sessions left is 3 identical columns, never more than there are requests).

    A pair the mentor is excluded from (paused, declined this request) costs
    EXCLUDED_PENALTY, so the solver only uses one when nothing else is left, and such
    a pair is dropped from the answer: that request stays open."""
    if not requests or not table.mentors:
        return []
    seats = np.minimum(table.remaining, len(requests)).astype(int)
    seats[~table.eligible] = 0
    columns = np.repeat(np.arange(len(table.mentors)), seats)
    if columns.size == 0:
        return []
    scores = np.vstack([table.scores(request)[columns] for request in requests])
    gain = np.where(scores >= 0, scores, EXCLUDED_PENALTY)
    rows, cols = linear_sum_assignment(gain, maximize=True)
    return [
        Assignment(
            requests[r].request_id,
            table.mentors[int(columns[c])].mentor_id,
            float(scores[r, c]),
        )
        for r, c in zip(rows, cols, strict=True)
        if scores[r, c] >= 0
    ]


def assign_greedy(table: MentorTable, requests: Sequence[RequestFacts]) -> list[Assignment]:
    """Each request in turn takes its best mentor with capacity left (the baseline)."""
    left = table.remaining.copy()
    result = []
    for request in requests:
        scores = np.where(left > 0, table.scores(request), -1.0)
        best = int(np.argmax(scores)) if scores.size else -1
        if best >= 0 and scores[best] >= 0:
            left[best] -= 1
            result.append(
                Assignment(request.request_id, table.mentors[best].mentor_id, float(scores[best]))
            )
    return result


def _vocabulary(groups: object) -> dict[str, int]:
    index: dict[str, int] = {}
    for group in groups:  # type: ignore[attr-defined]
        for item in group:
            index.setdefault(item, len(index))
    return index


def _incidence(
    mentors: list[MentorFacts], index: dict[str, int], pick: object
) -> NDArray[np.float64]:
    matrix = np.zeros((len(mentors), max(len(index), 1)))
    for row, mentor in enumerate(mentors):
        for item in pick(mentor):  # type: ignore[operator]
            matrix[row, index[item]] = 1.0
    return matrix


def _column(
    matrix: NDArray[np.float64], index: dict[str, int], key: str | None, count: int
) -> NDArray[np.float64]:
    return matrix[:, index[key]] if key in index else np.zeros(count)
