"""What public results say of each entry (issue 17): its public name, its team or school,
place, tie, prize and winner flag. Pure, given the entries and the schools' names.

Students' names appear only when every student of the team has the recorded consent of the
student and the guardian to show them (`Consent.name_public`); otherwise the team reads as
"Nhóm học sinh trường …" with the school's name from the catalogue of schools."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.competitions.ranking import Placing
from services.competitions.views import stored_means
from shared.contracts.rpc.competitions.contests import TieBreak
from shared.i18n import gettext
from shared.infra.mongo import Document

SCHOOL_GROUP = "results.school_group"
TIE_NOTICE = "results.tie_at_prize_line"


def school_group(school_name: str) -> str:
    """ "Nhóm học sinh trường <school>" (the catalogue's words, in Vietnamese)."""
    return gettext(SCHOOL_GROUP, "vi", school=school_name)


def tie_break_label(rule: TieBreak) -> str:
    """The organizer's tie-break rule in words (Vietnamese, from the catalogue)."""
    return gettext(f"enum.TieBreak.{rule.value}", "vi")


def tie_notice() -> str:
    """What the results and the organizer are told when the prize line falls in a tie."""
    return gettext(TIE_NOTICE, "vi")


def public_name(entry: Document, school_name: str | None) -> str:
    """The entrant as the public reads it: the startup's name; a team's students' names
    when all of them consented to it; else "Nhóm học sinh trường …"."""
    if entry.get("startup_id"):
        return str(entry.get("startup_name") or entry["title"])
    team = entry.get("team") or {}
    students = team.get("students") or []
    if students and all((s.get("consent") or {}).get("name_public") for s in students):
        return ", ".join(str(s["full_name"]) for s in students)
    return school_group(school_name or str(entry.get("school") or ""))


def result_rows(
    placing: Placing,
    entries: Mapping[str, Document],
    school_names: Mapping[str, str],
    round_number: int,
) -> list[Document]:
    """The stored result rows, best first, for the entries of `placing`."""
    rows: list[Document] = []
    for place in placing.places:
        r = place.ranked
        entry = entries[r.entry_id]
        school = entry.get("school")
        school_name = school_names.get(school) if school else None
        rows.append(
            {
                "rank": place.rank,
                "entry_id": r.entry_id,
                "title": entry["title"],
                "entrant": public_name(entry, school_name),
                "startup_name": entry.get("startup_name"),
                "team_name": (entry.get("team") or {}).get("name"),
                "school": school,
                "school_name": school_name,
                "tied": place.tied,
                "prize": place.prize,
                "winner": place.winner,
                "final_score": r.final_score,
                "raw_mean": r.raw_mean,
                "criteria_means": stored_means(r.criteria_means),
                "judges": r.judges,
                "ward": entry.get("ward"),
                "round": round_number,
            }
        )
    return rows


def winners_of(rows: Sequence[Document], winners: int) -> list[Document]:
    """The winning rows (those flagged; results stored before the flag: the first `winners`)."""
    if rows and "winner" in rows[0]:
        return [row for row in rows if row.get("winner")]
    return list(rows[:winners])
