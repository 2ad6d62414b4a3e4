"""Places people read (issue 17): equal final and raw scores share a rank and a prize, the
organizer's tie-break rule, the prize line inside a tie, and the cut between rounds."""

from __future__ import annotations

import pytest

from services.competitions import ranking
from shared.contracts.base import Invalid
from shared.contracts.rpc.competitions.contests import TieBreak


def ranked(*scores: float) -> list[ranking.Ranked]:
    """Entries A, B, C… best first with these final (= raw) scores."""
    return [
        ranking.Ranked(
            rank=i, entry_id=chr(64 + i), final_score=s, raw_mean=s, criteria_means={}, judges=2
        )
        for i, s in enumerate(scores, start=1)
    ]


def test_equal_scores_share_a_rank_and_the_prize_under_the_share_rule() -> None:
    placing = ranking.place(ranked(9, 8, 8, 7, 6), winners=3, tie_break=TieBreak.SHARE)

    assert [(p.rank, p.tied) for p in placing.places] == [
        (1, False),
        (2, True),
        (2, True),
        (4, False),
        (5, False),
    ]
    assert [p.prize for p in placing.places] == ["Giải Nhất", "Giải Nhì", "Giải Nhì", None, None]
    assert [p.winner for p in placing.places] == [True, True, True, False, False]
    assert placing.tie_at_prize_line is False


def test_a_tie_across_the_prize_line_is_reported_and_all_tied_win_when_shared() -> None:
    placing = ranking.place(ranked(9, 8, 7, 7, 6), winners=3, tie_break=TieBreak.SHARE)

    assert placing.tie_at_prize_line is True
    assert [p.winner for p in placing.places] == [True, True, True, True, False]
    assert [p.prize for p in placing.places][2:4] == ["Giải Ba", "Giải Ba"]


def test_earlier_submission_rule_splits_the_tie_but_still_flags_it() -> None:
    placing = ranking.place(ranked(9, 8, 7, 7), winners=3, tie_break=TieBreak.EARLIER_SUBMISSION)

    assert [p.rank for p in placing.places] == [1, 2, 3, 4]
    assert [p.tied for p in placing.places] == [False, False, True, True]
    assert [p.winner for p in placing.places] == [True, True, True, False]
    assert placing.tie_at_prize_line is True


def test_custom_labels_and_the_last_label_repeats() -> None:
    placing = ranking.place(
        ranked(9, 8, 7, 6), winners=4, tie_break=TieBreak.SHARE, labels=["Vàng", "KK"]
    )
    assert [p.prize for p in placing.places] == ["Vàng", "KK", "KK", "KK"]
    default = ranking.place(ranked(9, 8, 7, 6, 5), winners=5, tie_break=TieBreak.SHARE)
    assert [p.prize for p in default.places][3:] == ["Khuyến khích", "Khuyến khích"]


def test_the_cut_takes_ties_at_the_line_together() -> None:
    advanced, eliminated, tie = ranking.cut(ranked(9, 8, 8, 7), top=2, threshold=None)
    assert (advanced, eliminated, tie) == (["A", "B", "C"], ["D"], True)
    advanced, eliminated, tie = ranking.cut(ranked(9, 8, 7.5, 7), top=None, threshold=7.5)
    assert (advanced, eliminated, tie) == (["A", "B", "C"], ["D"], False)
    assert ranking.cut(ranked(9), top=5, threshold=None) == (["A"], [], False)


def test_the_cut_needs_exactly_one_rule() -> None:
    with pytest.raises(Invalid):
        ranking.cut(ranked(9, 8), top=None, threshold=None)
    with pytest.raises(Invalid):
        ranking.cut(ranked(9, 8), top=1, threshold=5)
