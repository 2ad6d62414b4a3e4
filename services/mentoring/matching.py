"""Matching mentors to consultation requests: the score, its reasons, and batch assignment.

Pure functions over numpy arrays, so ranking 5,000 mentors for one request is one pass of
vector arithmetic, and batch matching is a sparse min-cost bipartite matching (scipy).

The score is in [0, 1]: a weighted sum of components, each in [0, 1]. The weights are
the Consultation Point's judgement of what matters and live here, in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from shared.contracts.events.registry import NEED_LABELS_VI, Need

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
CANDIDATES_PER_REQUEST = 30
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

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.used_this_month, 0)


@dataclass(frozen=True)
class RequestFacts:
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
        scores = self.scores(request)
        if scores.size == 0:
            return []
        top = np.argsort(-scores, kind="stable")[:limit]
        return [(self.mentors[i], float(scores[i])) for i in top if scores[i] >= 0]


def reasons(mentor: MentorFacts, request: RequestFacts) -> list[str]:
    """Why this mentor, in words staff can check."""
    found = []
    shared_topics = sorted(request.topics & mentor.topics)
    if shared_topics:
        found.append("chuyên môn: " + ", ".join(_topic_label(t) for t in shared_topics))
    if request.sector and request.sector in mentor.sectors:
        found.append(f"lĩnh vực: {request.sector}")
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


def _topic_label(topic: str) -> str:
    need = _NEED_BY_VALUE.get(topic)
    return NEED_LABELS_VI[need] if need else topic


@dataclass(frozen=True)
class Assignment:
    request_id: str
    mentor_id: str
    score: float


def assign(
    table: MentorTable, requests: Sequence[RequestFacts], candidates: int = CANDIDATES_PER_REQUEST
) -> list[Assignment]:
    """Assign requests to mentors so the total score is maximal and no mentor gets more
    than their remaining capacity. Each request keeps its best `candidates` mentors; each
    mentor is expanded into as many columns as the capacity that could be used; a dummy
    column per request lets a request stay unassigned. Solved as a sparse min-cost full
    bipartite matching."""
    if not requests or not table.mentors:
        return []
    edges: list[tuple[int, int, float]] = []
    columns: dict[tuple[int, int], int] = {}
    wanted: dict[int, int] = {}
    shortlists = []
    for request in requests:
        scores = table.scores(request)
        top = [int(i) for i in np.argsort(-scores, kind="stable")[:candidates] if scores[i] >= 0]
        shortlists.append((top, scores))
        for mentor in top:
            wanted[mentor] = wanted.get(mentor, 0) + 1
    for row, (top, scores) in enumerate(shortlists):
        for mentor in top:
            copies = min(int(table.remaining[mentor]), wanted[mentor])
            for copy in range(copies):
                column = columns.setdefault((mentor, copy), len(columns))
                edges.append((row, column, float(scores[mentor])))
    dummy_start = len(columns)
    # cost = OFFSET - score > 0 (sparse zero means "no edge"); a dummy costs OFFSET.
    offset = 2.0
    rows = [e[0] for e in edges] + list(range(len(requests)))
    cols = [e[1] for e in edges] + [dummy_start + r for r in range(len(requests))]
    costs = [offset - e[2] for e in edges] + [offset] * len(requests)
    graph = csr_matrix((costs, (rows, cols)), shape=(len(requests), dummy_start + len(requests)))
    matched_rows, matched_cols = min_weight_full_bipartite_matching(graph)
    owner = {column: mentor for (mentor, _), column in columns.items()}
    result = []
    for row, column in zip(matched_rows, matched_cols, strict=True):
        if column >= dummy_start:
            continue
        mentor = owner[int(column)]
        score = float(shortlists[row][1][mentor])
        result.append(Assignment(requests[row].request_id, table.mentors[mentor].mentor_id, score))
    return result


def assign_dense(table: MentorTable, requests: Sequence[RequestFacts]) -> list[Assignment]:
    """The same optimum by `linear_sum_assignment` over every capacity-expanded column;
    exact but quadratic in size, kept to check `assign` on small cases."""
    mentors = [i for i in range(len(table.mentors)) for _ in range(int(table.remaining[i]))]
    if not requests or not mentors:
        return []
    scores = np.array([table.scores(r)[mentors] for r in requests])
    gain = np.where(scores >= 0, scores, 0.0)
    rows, cols = linear_sum_assignment(gain, maximize=True)
    return [
        Assignment(requests[r].request_id, table.mentors[mentors[c]].mentor_id, float(scores[r, c]))
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
