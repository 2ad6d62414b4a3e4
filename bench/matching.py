"""Mentor matching at the Consultation Point's scale (a benchmark, not a test):
suggestions for one request among 5,000 mentors, and batch matching of 1,000 requests
to 5,000 mentors within their capacity."""

from __future__ import annotations

import random
import time

from services.mentoring.matching import MentorFacts, MentorTable, RequestFacts, assign

TOPICS = ["mentoring", "legal", "ip", "funding", "market", "technology", "workspace", "training"]
TAGS = [f"tag-{n}" for n in range(200)]
SECTORS = ["agriculture", "food", "education", "health", "fintech", "software", "energy", "retail"]
STAGES = ["idea", "prototype", "mvp", "revenue", "growth"]


def mentors(count: int) -> list[MentorFacts]:
    return [
        MentorFacts(
            mentor_id=f"m{n}",
            topics=frozenset(random.sample(TOPICS, 3) + random.sample(TAGS, 2)),
            sectors=frozenset(random.sample(SECTORS, 2)),
            stages=frozenset(random.sample(STAGES, 2)),
            languages=frozenset(random.choice([["vi"], ["vi", "en"]])),
            capacity=random.randint(1, 6),
            used_this_month=random.randint(0, 2),
            free_hours_14d=random.choice([0.0, 2.0, 6.0, 12.0]),
            rating_mean=random.choice([None, 3.5, 4.2, 4.9]),
            eligible=random.random() > 0.05,
        )
        for n in range(count)
    ]


def requests(count: int) -> list[RequestFacts]:
    return [
        RequestFacts(
            request_id=f"r{n}",
            topics=frozenset(random.sample(TOPICS, 2)),
            sector=random.choice(SECTORS),
            stage=random.choice(STAGES),
            language="vi",
            declined=frozenset(),
        )
        for n in range(count)
    ]


def main() -> None:
    random.seed(11)
    pool = mentors(5_000)
    started = time.perf_counter()
    table = MentorTable(pool)
    built = time.perf_counter() - started
    one = requests(1)[0]
    timings = []
    for _ in range(20):
        started = time.perf_counter()
        table.suggest(one, 10)
        timings.append(time.perf_counter() - started)
    timings.sort()
    cold = []
    for _ in range(5):
        started = time.perf_counter()
        MentorTable(pool).suggest(one, 10)
        cold.append(time.perf_counter() - started)
    cold.sort()
    print(f"mentor table of 5,000 built in {built * 1000:.0f} ms (once per request or batch)")
    print(f"suggestions, 1 request × 5,000 mentors: median {timings[10] * 1000:.1f} ms")
    print(f"suggestions including the table build: median {cold[2] * 1000:.1f} ms")
    batch = requests(1_000)
    started = time.perf_counter()
    assigned = assign(MentorTable(pool), batch)
    elapsed = time.perf_counter() - started
    print(
        f"batch matching (linear_sum_assignment), 1,000 requests × 5,000 mentors "
        f"({int(sum(table.remaining))} seats): {elapsed:.2f} s, {len(assigned)} assigned, "
        f"total score {sum(a.score for a in assigned):.1f}"
    )


if __name__ == "__main__":
    main()
