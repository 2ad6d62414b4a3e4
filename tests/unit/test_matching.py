from __future__ import annotations

import itertools
import random

from services.mentoring.matching import (
    WEIGHTS,
    Assignment,
    MentorFacts,
    MentorTable,
    RequestFacts,
    assign,
    assign_greedy,
    reasons,
)


def mentor(mid: str, topics: set[str], **extra: object) -> MentorFacts:
    values: dict[str, object] = {
        "sectors": frozenset({"agriculture"}),
        "stages": frozenset({"mvp"}),
        "languages": frozenset({"vi"}),
        "capacity": 4,
        "used_this_month": 0,
        "free_hours_14d": 8.0,
        "rating_mean": None,
        "eligible": True,
        **extra,
    }
    return MentorFacts(mentor_id=mid, topics=frozenset(topics), **values)  # type: ignore[arg-type]


def request(rid: str, topics: set[str], **extra: object) -> RequestFacts:
    values: dict[str, object] = {
        "sector": "agriculture",
        "stage": "mvp",
        "language": "vi",
        "declined": frozenset(),
        **extra,
    }
    return RequestFacts(request_id=rid, topics=frozenset(topics), **values)  # type: ignore[arg-type]


def test_ranking_follows_topic_overlap_then_the_rest() -> None:
    table = MentorTable(
        [
            mentor("both", {"ip", "legal"}),
            mentor("one", {"ip"}),
            mentor("none", {"funding"}),
            mentor("both-english", {"ip", "legal"}, languages=frozenset({"en"})),
        ]
    )
    ranked = table.suggest(request("r", {"ip", "legal"}), limit=10)
    assert [m.mentor_id for m, _ in ranked] == ["both", "both-english", "one", "none"]
    scores = [score for _, score in ranked]
    assert all(0 <= s <= 1 for s in scores)
    assert scores == sorted(scores, reverse=True)


def test_ratings_and_capacity_break_otherwise_equal_mentors() -> None:
    table = MentorTable(
        [
            mentor("busy", {"ip"}, used_this_month=3),
            mentor("rated", {"ip"}, rating_mean=5.0),
            mentor("plain", {"ip"}),
        ]
    )
    ranked = [m.mentor_id for m, _ in table.suggest(request("r", {"ip"}), limit=3)]
    assert ranked == ["rated", "plain", "busy"]


def test_full_inactive_paused_and_declined_mentors_are_not_suggested() -> None:
    table = MentorTable(
        [
            mentor("full", {"ip"}, used_this_month=4),
            mentor("paused", {"ip"}, eligible=False),
            mentor("declined", {"ip"}),
            mentor("ok", {"funding"}),
        ]
    )
    ranked = table.suggest(request("r", {"ip"}, declined=frozenset({"declined"})), limit=10)
    assert [m.mentor_id for m, _ in ranked] == ["ok"]


def test_reasons_are_readable_vietnamese() -> None:
    facts = mentor("m", {"ip", "legal", "marketing"}, rating_mean=4.5)
    words = reasons(facts, request("r", {"ip", "legal"}))
    assert words[0] == "chuyên môn: sở hữu trí tuệ, pháp lý"
    assert "lĩnh vực: agriculture" in words
    assert "ngôn ngữ: tiếng Việt" in words
    assert "đánh giá trung bình 4,5/5" in words


def test_batch_beats_greedy_where_greedy_is_wrong() -> None:
    # The better-rated generalist is the first request's best choice, so greedy gives it
    # away and the second request (legal) gets a mentor who knows nothing of law. The
    # optimum gives the first request to the specialist and the generalist to the second.
    table = MentorTable(
        [
            mentor("generalist", {"ip", "legal"}, capacity=1, rating_mean=5.0),
            mentor("specialist", {"ip"}, capacity=1),
        ]
    )
    requests = [request("first", {"ip"}), request("second", {"legal"})]
    greedy = assign_greedy(table, requests)
    best = assign(table, requests)
    assert {(a.request_id, a.mentor_id) for a in greedy} == {
        ("first", "generalist"),
        ("second", "specialist"),
    }
    assert {(a.request_id, a.mentor_id) for a in best} == {
        ("first", "specialist"),
        ("second", "generalist"),
    }
    assert sum(a.score for a in best) > sum(a.score for a in greedy)


def brute_force_best(table: MentorTable, requests: list[RequestFacts]) -> float:
    """The best total by trying every way to give each request a mentor or none."""
    options = [None, *range(len(table.mentors))]
    best = 0.0
    rows = [table.scores(r) for r in requests]
    for choice in itertools.product(options, repeat=len(requests)):
        used: dict[int, int] = {}
        total = 0.0
        for row, mentor in enumerate(choice):
            if mentor is None:
                continue
            if rows[row][mentor] < 0:
                break
            used[mentor] = used.get(mentor, 0) + 1
            total += rows[row][mentor]
        else:
            if all(count <= table.remaining[m] for m, count in used.items()):
                best = max(best, total)
    return best


def seats_used(assigned: list[Assignment]) -> dict[str, int]:
    per_mentor: dict[str, int] = {}
    for a in assigned:
        per_mentor[a.mentor_id] = per_mentor.get(a.mentor_id, 0) + 1
    return per_mentor


def test_batch_respects_capacity_and_is_optimal_on_random_small_cases() -> None:
    rng = random.Random(7)
    topics = ["ip", "legal", "funding", "market"]
    for _ in range(25):
        mentors = [
            mentor(
                f"m{i}",
                set(rng.sample(topics, rng.randint(1, 3))),
                capacity=rng.randint(1, 2),
                used_this_month=rng.randint(0, 1),
                rating_mean=rng.choice([None, 3.0, 4.8]),
                eligible=rng.random() > 0.15,
            )
            for i in range(3)
        ]
        table = MentorTable(mentors)
        requests = [
            request(
                f"r{j}",
                set(rng.sample(topics, rng.randint(1, 2))),
                declined=frozenset({"m0"}) if rng.random() < 0.3 else frozenset(),
            )
            for j in range(4)
        ]
        assigned = assign(table, requests)
        remaining = {m.mentor_id: m.remaining for m in mentors}
        assert all(n <= remaining[mid] for mid, n in seats_used(assigned).items())
        assert len({a.request_id for a in assigned}) == len(assigned)
        by_id = {r.request_id: r for r in requests}
        for a in assigned:  # never a paused, full or declined mentor
            assert a.mentor_id not in by_id[a.request_id].declined
            assert mentors[table.index[a.mentor_id]].eligible
        total = sum(a.score for a in assigned)
        assert round(total, 6) == round(brute_force_best(table, requests), 6)
        assert total >= sum(a.score for a in assign_greedy(table, requests)) - 1e-9


def test_more_requests_than_seats_fills_every_seat() -> None:
    mentors = [
        mentor(f"m{i}", {f"t{i % 3}", f"t{(i + 1) % 3}"}, capacity=1 + i % 2) for i in range(6)
    ]
    table = MentorTable(mentors)
    requests = [request(f"r{j}", {f"t{j % 3}"}) for j in range(12)]
    assigned = assign(table, requests)
    capacity = {m.mentor_id: m.capacity for m in mentors}
    assert seats_used(assigned) == capacity
    assert len(assigned) == sum(capacity.values())


def test_weights_are_in_one_place_and_sum_to_one() -> None:
    assert abs(sum(WEIGHTS) - 1.0) < 1e-9
    assert all(w > 0 for w in WEIGHTS)


def test_free_hours_are_counted_in_ho_chi_minh_time_from_now() -> None:
    from datetime import UTC, datetime

    from services.mentoring.domain import free_hours, within_slots

    monday_mornings = [{"weekday": 0, "start": "08:00", "end": "12:00"}]
    # Monday 2026-11-30 09:00 in Hồ Chí Minh City is 02:00 UTC: 3 hours left today,
    # then next Monday in full; the Monday 14 days ahead ends the window at 09:00.
    now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    assert free_hours(monday_mornings, [], now) == 3 + 4 + 1
    booked = [(datetime(2026, 12, 7, 1, 0, tzinfo=UTC), datetime(2026, 12, 7, 2, 30, tzinfo=UTC))]
    assert free_hours(monday_mornings, booked, now) == 8 - 1.5
    start = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # 08:00 local
    assert within_slots(monday_mornings, start, start.replace(hour=5))  # until 12:00
    assert not within_slots(monday_mornings, start, start.replace(hour=6))  # past 12:00


def test_of_two_bookings_held_at_once_the_older_wins() -> None:
    from datetime import UTC, datetime, timedelta

    from services.mentoring.domain import HOLD, blocking

    now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    older = {"_id": "0001", "status": "held", "held_at": now}
    newer = {"_id": "0002", "status": "held", "held_at": now}
    assert blocking("0002", [older, newer], now) is older
    assert blocking("0001", [older, newer], now) is None
    confirmed = {"_id": "0003", "status": "scheduled"}
    assert blocking("0001", [older, confirmed], now) is confirmed
    leftover = {"_id": "0000", "status": "held", "held_at": now - HOLD - timedelta(seconds=1)}
    assert blocking("0001", [leftover, older], now) is None
