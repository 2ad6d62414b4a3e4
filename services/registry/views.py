"""Stored startups as the contracts' shapes: the event snapshot, and the view each caller
may see (DESIGN §9: owners and staff every field, anyone else the public ones)."""

from __future__ import annotations

from services.registry import domain
from shared.contracts.base import Actor
from shared.contracts.events.registry import StartupSnapshot
from shared.contracts.rpc.registry import StartupView
from shared.infra.mongo import Document

PUBLIC_FIELDS = (
    "name", "summary", "sector", "stage", "ward", "status", "visibility", "women_led",
    "youth_led", "needs", "founding_date", "website", "registered_at", "updated_at", "version",
)  # fmt: skip
OWNER_FIELDS = ("owner_id", "team", "tax_code", "founder_birth_year", "rejection_reason")


def snapshot(doc: Document) -> StartupSnapshot:
    """The startup document as the event contract's `StartupSnapshot` (team size counted, not
    listed).
    """
    return StartupSnapshot.model_validate(
        {**doc, "startup_id": doc["_id"], "team_size": len(doc.get("team") or [])}
    )


def view(doc: Document, actor: Actor | None, score: float | None = None) -> StartupView:
    """The startup as `actor` may see it: owners and staff get every field, others the public
    ones (DESIGN §9). `score` is the search relevance, when ranked.
    """
    fields = PUBLIC_FIELDS + (OWNER_FIELDS if domain.sees_everything(actor, doc) else ())
    data = {key: doc.get(key) for key in fields}
    return StartupView.model_validate({**data, "id": doc["_id"], "score": score})
