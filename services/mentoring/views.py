"""What mentoring answers to callers: its aggregates as the contract's view models."""

from __future__ import annotations

from shared.contracts.rpc.mentoring.consultations import ConsultationView
from shared.contracts.rpc.mentoring.matches import MatchView
from shared.contracts.rpc.mentoring.mentors import MentorView
from shared.contracts.rpc.mentoring.sessions import SessionView
from shared.contracts.rpc.mentoring.topics import topic_view
from shared.infra.mongo import Document


def mentor_view(doc: Document) -> MentorView:
    """A mentor profile; `rating_average` is the mean of 1–5 ratings (None before any)."""
    count = doc.get("rating_count", 0)
    average = round(doc["rating_sum"] / count, 2) if count else None
    return MentorView.model_validate(
        {
            **doc,
            "id": doc["_id"],
            "rating_average": average,
            "rating_count": count,
            "topics": [topic_view(t) for t in doc.get("expertise", [])],
        }
    )


def request_view(doc: Document) -> ConsultationView:
    """A consultation request as the contract's view."""
    topics = [topic_view(t) for t in doc.get("topics", [])]
    return ConsultationView.model_validate({**doc, "id": doc["_id"], "topic_labels": topics})


def match_view(doc: Document) -> MatchView:
    """A match (a proposal and its answer) as the contract's view."""
    return MatchView.model_validate({**doc, "id": doc["_id"]})


def session_view(doc: Document) -> SessionView:
    """A session as the contract's view."""
    return SessionView.model_validate({**doc, "id": doc["_id"]})
