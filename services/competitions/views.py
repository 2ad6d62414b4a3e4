"""What competitions answer to callers (the views each caller may see), and the small
helpers those views and the use cases share."""

from __future__ import annotations

from collections.abc import Mapping

from services.competitions import domain
from shared.contracts.base import (
    Actor,
)
from shared.contracts.events.competitions import (
    CompetitionStatus,
)
from shared.contracts.rpc.competitions.entries import EntryView
from shared.contracts.rpc.competitions.judging import (
    Assignment,
    ConflictView,
    JudgingView,
    ResultRow,
    Results,
    ScoreView,
)
from shared.infra.logging import get_logger
from shared.infra.mongo import Document

log = get_logger(__name__)
S = CompetitionStatus


def orgs(actor: Actor) -> set[str]:
    """The organizations the actor belongs to (for conflicts of interest)."""
    return {actor.organization} if actor.organization else set()


def score_id(entry_id: str, judge_id: str, round_number: int = 1) -> str:
    """The id of one judge's score set for one entry in one round (round 1 keeps the id it
    had before rounds existed)."""
    if round_number == 1:
        return f"{entry_id}:{judge_id}"
    return f"{entry_id}:{judge_id}:r{round_number}"


def assigned_to(doc: Document, entry_id: str) -> list[str]:
    """The judges an entry is assigned to in the competition's current plan."""
    for item in doc.get("assignments") or []:
        if item["entry_id"] == entry_id:
            return list(item["judge_ids"])
    return []


def plan_fields(plan: domain.Plan) -> Document:
    """The competition fields that store a judging plan."""
    return {
        "assignments": [
            {"entry_id": entry_id, "judge_ids": ids} for entry_id, ids in plan.assignments.items()
        ],
        "short_entries": plan.short_entries,
    }


def judging_view(
    doc: Document,
    judge_names: Mapping[str, str] | None = None,
    scored: Mapping[str, int] | None = None,
) -> JudgingView:
    """The panel, conflicts and assignments as the contract's view, with the judges'
    names and how many entries each scored this round when the caller looked them up."""
    assignments = {a["entry_id"]: a["judge_ids"] for a in doc.get("assignments") or []}
    load = {j["id"]: 0 for j in doc["judges"]}
    for ids in assignments.values():
        for judge_id in ids:
            load[judge_id] = load.get(judge_id, 0) + 1
    conflicts = [
        ConflictView(
            entry_id=c["entry_id"],
            judge_id=c["judge_id"],
            reason=c.get("reason") or "",
            reassigned=c["judge_id"] not in assignments.get(c["entry_id"], []),
        )
        for c in doc.get("conflicts") or []
    ]
    return JudgingView(
        competition_id=doc["_id"],
        status=doc["status"],
        judges_per_entry=doc["judges_per_entry"],
        judges=[j["id"] for j in doc["judges"]],
        assignments=assignments,
        short_entries=doc.get("short_entries") or [],
        load=load,
        judge_names=dict(judge_names or {}),
        scored={j["id"]: (scored or {}).get(j["id"], 0) for j in doc["judges"]},
        conflicts=conflicts,
    )


def entry_view(doc: Document, *, owner: bool) -> EntryView:
    """An entry as the contract's view; students' names only for its `owner`."""
    team = doc.get("team") or {}
    return EntryView(
        id=doc["_id"],
        competition_id=doc["competition_id"],
        title=doc["title"],
        description=doc["description"],
        startup_id=doc.get("startup_id"),
        startup_name=doc.get("startup_name"),
        team_name=team.get("name"),
        school=doc.get("school"),
        ward=doc.get("ward"),
        participants=doc.get("participants", 1),
        students=team.get("students") if owner and team else None,
        submitted_at=doc["submitted_at"],
        withdrawn_at=doc.get("withdrawn_at"),
    )


def assignment_view(competition: Document, entry: Document, score: Document | None) -> Assignment:
    """One entry to score, as a judge sees it (blind when the competition is)."""
    named = not competition.get("blind", True)
    return Assignment(
        entry_id=entry["_id"],
        competition_id=competition["_id"],
        competition_title=competition["title"],
        title=entry["title"],
        description=entry["description"],
        rubric=competition["rubric"],
        judging_deadline=competition["judging_deadline"],
        scored=score is not None,
        scores=scores_by_label(score["scores"]) if score else None,
        startup_id=entry.get("startup_id") if named else None,
        team_name=(entry.get("team") or {}).get("name") if named else None,
        school=entry.get("school") if named else None,
    )


def keyed_rubric(rubric: Document) -> Document:
    """A rubric as stored: each criterion gets a `key` (`c1`, `c2`, …) beside its `name`
    (the label people read), so user text is never a field name in the database (issue 14:
    a criterion called "a.b", "$x" or anything else works)."""
    return {
        **rubric,
        "criteria": [
            {**c, "key": c.get("key") or f"c{index}"}
            for index, c in enumerate(rubric["criteria"], start=1)
        ],
    }


def stored_scores(rubric: Document, scores: Mapping[str, float]) -> list[Document]:
    """Scores by criterion name as stored: a list of `{key, label, value}`."""
    keys = {c["name"]: c.get("key") or f"c{i}" for i, c in enumerate(rubric["criteria"], 1)}
    return [{"key": keys[name], "label": name, "value": value} for name, value in scores.items()]


def scores_by_label(stored: object) -> dict[str, float]:
    """Stored scores back to criterion name → value (sets stored before keys: as they are)."""
    if isinstance(stored, Mapping):
        return {str(k): float(v) for k, v in stored.items()}
    assert isinstance(stored, list)
    return {str(item["label"]): float(item["value"]) for item in stored}


def stored_means(means: Mapping[str, float]) -> list[Document]:
    """Per-criterion means as stored in result rows: a list of `{label, mean}`."""
    return [{"label": label, "mean": mean} for label, mean in means.items()]


def means_by_label(stored: object) -> dict[str, float]:
    """Stored per-criterion means back to name → mean (old results: as they are)."""
    if isinstance(stored, Mapping):
        return {str(k): float(v) for k, v in stored.items()}
    assert isinstance(stored, list)
    return {str(item["label"]): float(item["mean"]) for item in stored}


def score_view(doc: Document) -> ScoreView:
    """A score set as the contract's view."""
    return ScoreView.model_validate({**doc, "scores": scores_by_label(doc["scores"])})


def results_view(doc: Document) -> Results:
    """The published ranking as the contract's view (results published before ties and
    prizes were kept read with the defaults)."""
    return Results(
        competition_id=doc["_id"],
        title=doc["title"],
        published_at=doc["results_published_at"],
        winners=doc["winners"],
        rows=[
            ResultRow.model_validate(
                {**row, "criteria_means": means_by_label(row.get("criteria_means") or {})}
            )
            for row in doc.get("results") or []
        ],
        rounds=int(doc.get("current_round") or 1),
        tie_break=doc.get("tie_break", "share"),
        tie_break_label=doc.get("results_tie_break_label"),
        tie_at_prize_line=bool(doc.get("tie_at_prize_line")),
        notice=doc.get("results_notice"),
        unscored=doc.get("results_unscored") or [],
    )
