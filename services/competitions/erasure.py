"""Erasure, pure (PDPL 91/2025, issue 13): what changes in a competition, an initiative or a
certificate when a person asks to be erased. Their id is replaced by a tombstone marker (a
stable pseudonym, so counts, plans and frozen results stay true) wherever it is kept; a
certificate's holder name is struck. Each function answers the `$set` changes, or None when
the document does not mention the person."""

from __future__ import annotations

from typing import Any

from shared.infra.mongo import Document

#: The words that stand where an erased person's name was.
ERASED_NAME = "(người nhận đã yêu cầu xoá dữ liệu)"
#: A tombstone's version in the people read model: higher than any account version, so
#: no late identity event can bring the person back.
TOMBSTONE_VERSION = 2**62


def _swap(value: Any, user_id: str, marker: str) -> Any:
    return marker if value == user_id else value


def _judges(judges: list[Document], user_id: str, marker: str) -> list[Document]:
    return [{**j, "id": _swap(j.get("id"), user_id, marker)} for j in judges]


def _rounds(rounds: list[Document], user_id: str, marker: str) -> list[Document]:
    return [{**r, "judges": _judges(r.get("judges") or [], user_id, marker)} for r in rounds]


def competition_changes(doc: Document, user_id: str, marker: str) -> Document | None:
    """The person out of a competition: organizer, judges (every round), conflicts,
    assignments."""
    changes: Document = {
        "organizer_id": _swap(doc.get("organizer_id"), user_id, marker),
        "judges": _judges(doc.get("judges") or [], user_id, marker),
        "conflicts": [
            {**c, "judge_id": _swap(c.get("judge_id"), user_id, marker)}
            for c in doc.get("conflicts") or []
        ],
        "assignments": [
            {**a, "judge_ids": [_swap(j, user_id, marker) for j in a.get("judge_ids") or []]}
            for a in doc.get("assignments") or []
        ],
        "past_rounds": _rounds(doc.get("past_rounds") or [], user_id, marker),
        "next_rounds": _rounds(doc.get("next_rounds") or [], user_id, marker),
    }
    unset: Document = {"organizer_id": None}
    changed = {k: v for k, v in changes.items() if v != doc.get(k, unset.get(k, []))}
    return changed or None


def initiative_changes(doc: Document, user_id: str, marker: str) -> Document | None:
    """The person out of an initiative's council and reviews."""
    council = [_swap(m, user_id, marker) for m in doc.get("council") or []]
    reviews = [
        {**r, "member_id": _swap(r.get("member_id"), user_id, marker)}
        for r in doc.get("reviews") or []
    ]
    changes: Document = {}
    if council != (doc.get("council") or []):
        changes["council"] = council
    if reviews != (doc.get("reviews") or []):
        changes["reviews"] = reviews
    return changes or None


def certificate_changes(doc: Document, user_id: str, marker: str) -> Document | None:
    """A certificate of the person (or of a team they entered): the ids become the marker;
    the holder's name is struck when the certificate was theirs."""
    if user_id not in (doc.get("holder_id"), doc.get("owner_id")):
        return None
    changes: Document = {
        "holder_id": _swap(doc.get("holder_id"), user_id, marker),
        "owner_id": _swap(doc.get("owner_id"), user_id, marker),
    }
    if doc.get("holder_id") == user_id:
        changes["holder_name"] = ERASED_NAME
    return changes
