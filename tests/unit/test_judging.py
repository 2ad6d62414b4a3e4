"""Judging rules without infrastructure: rubric validation, score sets, assignment with
exclusions and balanced load, per-judge normalisation, ranking and its tie-breaks; and the
initiative council's rules (scoring sheet, two-thirds vote, the 3-month limit)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from services.competitions import domain, initiatives, ranking
from services.competitions.domain import EntryRef, JudgeRef
from services.competitions.ranking import JudgeScore
from shared.contracts.base import Actor, Conflict, Forbidden, Invalid, Role
from shared.contracts.events.competitions import CompetitionStatus
from shared.i18n import gettext

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)

# --- rubric ----------------------------------------------------------------------------------


def test_rubric_weights_must_sum_to_one_within_a_millionth() -> None:
    domain.validate_rubric([("Ý tưởng", 0.4), ("Khả thi", 0.35), ("Tác động", 0.25)], 0, 10)
    domain.validate_rubric([("a", 0.3333333), ("b", 0.3333333), ("c", 0.3333334)], 0, 10)
    domain.validate_rubric([("a", 0.5), ("b", 0.5000005)], 0, 10)  # within 1e-6
    with pytest.raises(Invalid, match="rubric_weights_percent"):
        domain.validate_rubric([("a", 0.5), ("b", 0.49)], 0, 10)
    with pytest.raises(Invalid, match="rubric_weights_percent"):
        domain.validate_rubric([("a", 0.5), ("b", 0.500002)], 0, 10)


def test_weight_message_is_in_percent_as_the_form_takes_weights() -> None:
    """QA 14: the organizer types weights in percent; the refusal says 100 %, not 1."""
    with pytest.raises(Invalid) as refused:
        domain.validate_rubric([("a", 0.4), ("b", 0.35), ("c", 0.3)], 0, 10)
    assert refused.value.code == "invalid"
    assert refused.value.details["field"] == "rubric.criteria"
    params = {"weight_percent": refused.value.details["weight_percent"]}
    assert params["weight_percent"] == "105"
    vietnamese = gettext(refused.value.message, "vi", **params)
    assert "bằng 100 %" in vietnamese and "105 %" in vietnamese
    assert "100 %" in gettext(refused.value.message, "en", **params)


def test_rubric_refuses_non_positive_weights_duplicate_names_and_an_empty_range() -> None:
    with pytest.raises(Invalid, match="lớn hơn 0"):
        domain.validate_rubric([("a", 1.2), ("b", -0.2)], 0, 10)
    with pytest.raises(Invalid, match="trùng"):
        domain.validate_rubric([("Tác động", 0.5), ("tác động", 0.5)], 0, 10)
    with pytest.raises(Invalid, match="tối thiểu"):
        domain.validate_rubric([("a", 1.0)], 10, 10)


def test_a_score_set_has_every_criterion_in_range_and_nothing_else() -> None:
    rubric = domain.Rubric({"Ý tưởng": 0.6, "Khả thi": 0.4}, 0, 10)
    assert domain.weighted_total(rubric, {"Ý tưởng": 10, "Khả thi": 5}) == pytest.approx(8.0)
    with pytest.raises(Invalid) as missing:
        domain.weighted_total(rubric, {"Ý tưởng": 10})
    assert missing.value.details["missing"] == ["Khả thi"]
    with pytest.raises(Invalid) as unknown:
        domain.weighted_total(rubric, {"Ý tưởng": 1, "Khả thi": 1, "Thừa": 1})
    assert unknown.value.details["unknown"] == ["Thừa"]
    with pytest.raises(Invalid, match="0–10"):
        domain.weighted_total(rubric, {"Ý tưởng": 11, "Khả thi": 5})


def test_deadlines_come_in_order_and_ahead() -> None:
    domain.check_deadlines(T0 + timedelta(days=1), T0 + timedelta(days=2), T0)
    with pytest.raises(Invalid):
        domain.check_deadlines(T0 - timedelta(days=1), T0 + timedelta(days=2), T0)
    with pytest.raises(Invalid):
        domain.check_deadlines(T0 + timedelta(days=2), T0 + timedelta(days=1), T0)


# --- eligibility and consent ----------------------------------------------------------------------


def test_startup_eligibility() -> None:
    founder = Actor(id="f1", role=Role.FOUNDER)
    startup = {"owner_id": "f1", "status": "submitted", "youth_led": True, "women_led": False,
               "ward": "go-vap"}  # fmt: skip
    domain.check_startup_eligible({"entrants": "startup", "youth_led_only": True}, startup, founder)
    with pytest.raises(Invalid, match="phụ nữ"):
        domain.check_startup_eligible({"women_led_only": True}, startup, founder)
    with pytest.raises(Invalid, match="phường"):
        domain.check_startup_eligible({"wards": ["an-nhon"]}, startup, founder)
    with pytest.raises(Invalid, match="xác minh"):
        domain.check_startup_eligible({"verified_only": True}, startup, founder)
    with pytest.raises(Forbidden):
        domain.check_startup_eligible({}, startup, Actor(id="f2", role=Role.FOUNDER))
    with pytest.raises(Invalid, match="đội học sinh"):
        domain.check_startup_eligible({"entrants": "school_team"}, startup, founder)


def test_every_student_needs_their_own_and_a_guardians_recorded_consent() -> None:
    given = {
        "student_agreed": True,
        "guardian_agreed": True,
        "guardian_name": "Trần Văn Bình",
        "recorded_at": "2026-04-01T08:00:00+07:00",
    }
    domain.check_consent([{"consent": given}, {"consent": given}])
    without_guardian = {**given, "guardian_agreed": False}
    unrecorded = {**given, "recorded_at": None}
    with pytest.raises(Invalid) as refused:
        domain.check_consent(
            [{"consent": given}, {"consent": without_guardian}, {"consent": unrecorded}]
        )
    assert refused.value.details["students_without_consent"] == [2, 3]


# --- assignment ------------------------------------------------------------------------------------


def test_assignment_excludes_own_organization_school_owner_and_declared_conflicts() -> None:
    entries = [
        EntryRef("e1", "advisor-a", frozenset({"thcs-go-vap"})),
        EntryRef("e2", "founder-b", frozenset()),
        EntryRef("e3", "advisor-c", frozenset({"thpt-go-vap"})),
    ]
    judges = [
        JudgeRef("j-school", "thcs-go-vap"),  # same school as e1
        JudgeRef("j-free", "youth_union"),
        JudgeRef("founder-b", None),  # judging their own entry is never allowed
        JudgeRef("j-conflicted", "womens_union"),
    ]
    plan = domain.assign(entries, judges, 2, conflicts=[("j-conflicted", "e3")])
    assert "j-school" not in plan.assignments["e1"]
    assert "founder-b" not in plan.assignments["e2"]
    assert "j-conflicted" not in plan.assignments["e3"]
    assert all(len(ids) == 2 for ids in plan.assignments.values())
    assert plan.short_entries == []


def test_entries_left_with_fewer_than_k_eligible_judges_are_reported_short() -> None:
    entries = [EntryRef("e1", "x", frozenset({"org-a"})), EntryRef("e2", "y", frozenset())]
    judges = [JudgeRef("j1", "org-a"), JudgeRef("j2", "org-b")]
    plan = domain.assign(entries, judges, 2)
    assert plan.short_entries == ["e1"]
    assert plan.assignments["e1"] == ["j2"]
    assert sorted(plan.assignments["e2"]) == ["j1", "j2"]


def test_load_is_balanced_and_scored_work_is_kept() -> None:
    entries = [EntryRef(f"e{i}", f"o{i}", frozenset()) for i in range(9)]
    judges = [JudgeRef(f"j{i}", None) for i in range(3)]
    plan = domain.assign(entries, judges, 2)
    loads = Counter(j for ids in plan.assignments.values() for j in ids)
    assert sorted(loads.values()) == [6, 6, 6]

    # j0 scored e0; a conflict of j0 on e1 and a new judge rebalance only the rest
    scored = {"e0": ["j0"]}
    again = domain.assign(
        entries,
        [*judges, JudgeRef("j3", None)],
        2,
        conflicts=[("j0", "e1")],
        scored=scored,
        previous=plan.assignments,
    )
    assert "j0" in again.assignments["e0"]
    assert "j0" not in again.assignments["e1"]
    loads = Counter(j for ids in again.assignments.values() for j in ids)
    assert max(loads.values()) - min(loads.values()) <= 1


# --- normalisation and ranking -----------------------------------------------------------------------


def test_normalisation_corrects_a_harsh_and_a_lenient_judge_that_flip_the_raw_ranking() -> None:
    # The harsh judge scores A and C; the lenient judge scores B and D.
    # Raw: B (9.0) above A (6.0). Within each judge's own scale A is their best, B their worst.
    scores = [
        JudgeScore("harsh", "A", 6.0),
        JudgeScore("harsh", "C", 2.0),
        JudgeScore("lenient", "B", 9.0),
        JudgeScore("lenient", "D", 10.0),
    ]
    raw_order = sorted(["A", "B", "C", "D"], key=lambda e: -{"A": 6, "B": 9, "C": 2, "D": 10}[e])
    assert raw_order.index("B") < raw_order.index("A")
    z = ranking.z_scores(scores)
    assert z[("harsh", "A")] == pytest.approx(1.0)
    assert z[("harsh", "C")] == pytest.approx(-1.0)
    assert z[("lenient", "B")] == pytest.approx(-1.0)
    ranked = ranking.rank(scores, {e: T0 for e in "ABCD"})
    order = [r.entry_id for r in ranked]
    assert order.index("A") < order.index("B")
    assert order == ["D", "A", "B", "C"]  # D and A tie at +1: D's raw 10 beats A's 6
    assert ranked[1].final_score == pytest.approx(1.0)
    assert ranked[1].raw_mean == pytest.approx(6.0)


def test_a_judge_who_gives_everyone_the_same_total_contributes_zero() -> None:
    scores = [
        JudgeScore("flat", "A", 7.0),
        JudgeScore("flat", "B", 7.0),
        JudgeScore("sharp", "A", 9.0),
        JudgeScore("sharp", "B", 3.0),
    ]
    z = ranking.z_scores(scores)
    assert z[("flat", "A")] == 0.0 and z[("flat", "B")] == 0.0
    ranked = ranking.rank(scores, {"A": T0, "B": T0})
    assert [r.entry_id for r in ranked] == ["A", "B"]
    assert ranked[0].final_score == pytest.approx(0.5)  # mean of 0 and +1


def test_ties_break_by_raw_mean_then_earlier_submission() -> None:
    scores = [
        JudgeScore("j1", "A", 8.0, {"x": 8.0}),
        JudgeScore("j1", "B", 6.0, {"x": 6.0}),
        JudgeScore("j2", "C", 5.0, {"x": 5.0}),
        JudgeScore("j2", "D", 3.0, {"x": 3.0}),
        JudgeScore("j3", "E", 5.0, {"x": 5.0}),
        JudgeScore("j3", "F", 3.0, {"x": 3.0}),
    ]
    submitted = {"A": T0, "B": T0, "C": T0 + timedelta(hours=1), "D": T0, "E": T0, "F": T0}
    ranked = ranking.rank(scores, submitted)
    order = [r.entry_id for r in ranked]
    # A, C, E all have z = +1: A by raw mean; E before C by earlier submission
    assert order[:3] == ["A", "E", "C"]
    assert [r.rank for r in ranked] == [1, 2, 3, 4, 5, 6]
    assert ranked[0].criteria_means == {"x": 8.0}


def test_the_final_score_is_the_mean_of_the_entrys_z_scores() -> None:
    scores = [
        JudgeScore("j1", "A", 9.0),
        JudgeScore("j1", "B", 5.0),
        JudgeScore("j2", "A", 4.0),
        JudgeScore("j2", "B", 6.0),
        JudgeScore("j2", "C", 8.0),
    ]
    z = ranking.z_scores(scores)
    ranked = {r.entry_id: r for r in ranking.rank(scores, {})}
    expected = (z[("j1", "A")] + z[("j2", "A")]) / 2
    assert ranked["A"].final_score == pytest.approx(expected, abs=1e-6)
    assert ranked["A"].raw_mean == pytest.approx(6.5)
    assert ranked["C"].judges == 1


# --- who manages a competition --------------------------------------------------------------------


def test_only_its_organizer_or_their_organization_manages_a_competition() -> None:
    doc = {"organizer_id": "o1", "organization": "youth_union", "status": "draft"}
    assert domain.is_manager(Actor(id="o1", role=Role.ORGANIZER), doc)
    assert domain.is_manager(Actor(id="o2", role=Role.ORGANIZER, organization="youth_union"), doc)
    assert not domain.is_manager(
        Actor(id="o3", role=Role.ORGANIZER, organization="womens_union"), doc
    )
    assert not domain.is_manager(Actor(id="o1", role=Role.JUDGE), doc)
    assert not domain.is_manager(None, doc)
    with pytest.raises(Conflict, match="bản nháp"):
        domain.check_status(doc, CompetitionStatus.PUBLISHED)


# --- the initiative council ------------------------------------------------------------------------


def test_recognition_needs_two_thirds_of_the_whole_council() -> None:
    assert initiatives.two_thirds(2, 3)
    assert not initiatives.two_thirds(1, 3)
    assert initiatives.two_thirds(4, 6)
    assert not initiatives.two_thirds(3, 5)
    assert initiatives.two_thirds(4, 5)
    assert not initiatives.two_thirds(0, 0)
    with pytest.raises(Conflict, match="hai phần ba"):
        initiatives.check_decision(True, "unit", None, 1, 3)
    initiatives.check_decision(True, "city", None, 2, 3)
    with pytest.raises(Invalid, match="phạm vi"):
        initiatives.check_decision(True, "galaxy", None, 3, 3)
    with pytest.raises(Invalid, match="lý do"):
        initiatives.check_decision(False, None, None, 0, 3)


def test_the_decision_is_due_three_months_after_acceptance_with_a_warning_before() -> None:
    assert initiatives.decision_due(date(2026, 1, 15)) == date(2026, 4, 15)
    assert initiatives.decision_due(date(2026, 11, 30)) == date(2027, 2, 28)
    accepted = date(2026, 3, 1)
    assert not initiatives.deadline_warning(accepted, date(2026, 5, 1), decided=False)
    assert initiatives.deadline_warning(accepted, date(2026, 5, 20), decided=False)
    assert initiatives.deadline_warning(accepted, date(2026, 7, 1), decided=False)
    assert not initiatives.deadline_warning(accepted, date(2026, 7, 1), decided=True)


def test_the_dossier_and_the_scoring_sheet() -> None:
    today = date(2026, 6, 1)
    initiatives.check_dossier([60, 40], date(2026, 1, 1), False, today)
    with pytest.raises(Invalid, match="100%"):
        initiatives.check_dossier([60, 30], date(2026, 1, 1), False, today)
    with pytest.raises(Invalid, match="áp dụng"):
        initiatives.check_dossier([100], date(2026, 7, 1), False, today)
    with pytest.raises(Invalid, match="sở hữu trí tuệ"):
        initiatives.check_dossier([100], date(2026, 1, 1), True, today)
    sheet = initiatives.DEFAULT_SHEET
    points = {"Tính mới": 25, "Khả năng áp dụng": 20, "Hiệu quả kinh tế – xã hội": 30}
    assert initiatives.sheet_total(sheet, points) == 75
    with pytest.raises(Invalid):
        initiatives.sheet_total(sheet, {**points, "Tính mới": 31})
    with pytest.raises(Invalid, match="vượt"):
        initiatives.check_sheet([("a", 10)], 20)
