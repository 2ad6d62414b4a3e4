"""What one mentoring write's event does to a second aggregate, and the district figures.

One aggregate per write (issue 13): `propose` writes the request (with `MatchProposedV1`
in its outbox) and the match is made from that event; `answer` writes the match and the
request follows `MatchAcceptedV1` / `MatchDeclinedV1`; `feedback` writes the session and
the mentor's rating sum follows `FeedbackRecordedV1`. Each follow-up is keyed by the event
id in the same write as its effect, so the use case may apply it at once (read your own
writes) and the consumer applies it again after a crash or a redelivery: the state
converges and nothing counts twice.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime

from services.mentoring import domain
from services.mentoring.ports import MentoringRepository
from services.mentoring.repository import MATCHES, MENTORS, REQUESTS
from shared.contracts.base import Envelope
from shared.contracts.events.mentoring import (
    FeedbackRecordedV1,
    MatchAcceptedV1,
    MatchDeclinedV1,
    MatchProposedV1,
)
from shared.contracts.rpc.mentoring.figures import MentoringFigures
from shared.infra.logging import get_logger
from shared.localtime import local_day

log = get_logger(__name__)

#: Counters of a figure entry, each summed over the period.
COUNTERS = (
    "requests",
    "matched",
    "sessions_held",
    "sessions_recorded_late",
    "sessions_cancelled",
    "no_shows",
    "minutes",
    "rating_sum",
    "rating_count",
)


class FollowUps:
    """The second half of the two-aggregate use cases, and the figures, over the store."""

    def __init__(self, store: MentoringRepository) -> None:
        self.store = store

    async def match_proposed(self, envelope: Envelope, event: MatchProposedV1) -> None:
        """Make the proposed match (its id is the event's `match_id`); an existing one is
        left as it is, so a second delivery changes nothing."""
        match = {
            "_id": event.match_id,
            "request_id": event.request_id,
            "mentor_id": event.mentor_id,
            "founder_id": event.founder_id,
            "startup_id": event.startup_id,
            "startup_name": event.startup_name,
            "status": "proposed",
            "score": event.score,
            "proposed_by": event.proposed_by,
            "proposed_at": envelope.time,
            "version": 1,
        }
        await self.store.insert_once(MATCHES, match)

    async def match_answered(
        self, envelope: Envelope, event: MatchAcceptedV1 | MatchDeclinedV1
    ) -> None:
        """The request follows its match's answer: `matched`, or open again with the mentor
        never proposed for it again; only while the request still points at this match."""
        where = {"match_id": event.match_id}
        if isinstance(event, MatchAcceptedV1):
            await self.store.apply_once(
                REQUESTS,
                event.request_id,
                envelope.id,
                where=where,
                # No longer waiting: the startup may ask about these topics again.
                changes={"status": "matched", "waiting": False},
            )
            return
        await self.store.apply_once(
            REQUESTS,
            event.request_id,
            envelope.id,
            where=where,
            changes={"status": "open", "mentor_id": None, "match_id": None},
            add_to_set={"declined_mentors": event.mentor_id},
        )

    async def rating_recorded(self, envelope: Envelope, event: FeedbackRecordedV1) -> None:
        """Add the rating to the mentor's sum and count, once per event id."""
        await self.store.apply_once(
            MENTORS,
            event.mentor_id,
            envelope.id,
            changes={"last_rated_at": envelope.time},
            inc={"rating_sum": event.rating, "rating_count": 1},
        )

    async def at_once(self, what: str, follow_up: Awaitable[object]) -> None:
        """Apply a follow-up right after the first write so the caller reads its own write;
        a failure is logged and left to the consumer, which applies it from the event."""
        try:
            await follow_up
        except Exception as exc:  # the consumer converges it; the first write stands
            log.warning("mentoring.follow_up_deferred", what=what, error=type(exc).__name__)

    # --- figures --------------------------------------------------------------------------

    async def count_event(self, envelope: Envelope) -> None:
        """Add one of mentoring's own events to its local day's figures, keyed by the event
        id in the same write (a replay or a redelivery counts nothing twice)."""
        found = domain.figure_entry(envelope.event(), envelope.time)
        if found is None:
            return
        counts, values, at = found
        await self.store.count_once(envelope.id, local_day(at), counts, values)

    async def figures(self, start: datetime, end: datetime) -> MentoringFigures:
        """Mentoring's report section over [start, end), summed from the days' documents (a
        year is 365 small reads): topics by the label first typed, wards and referrals by
        code."""
        first, before = domain.local_days(start, end)
        totals = dict.fromkeys(COUNTERS, 0)
        by_topic: dict[str, int] = {}
        labels: dict[str, str] = {}
        by_ward: dict[str, int] = {}
        by_referral: dict[str, int] = {}
        for day in sorted(await self.store.figure_days(first, before), key=lambda d: d["_id"]):
            for name in COUNTERS:
                totals[name] += day.get(name, 0)
            for topic in day.get("topics") or []:
                label = labels.setdefault(topic["key"], topic["label"])
                by_topic[label] = by_topic.get(label, 0) + 1
            for ward in day.get("wards") or []:
                by_ward[ward] = by_ward.get(ward, 0) + 1
            for referral in day.get("referrals") or []:
                by_referral[referral] = by_referral.get(referral, 0) + 1
        ratings = totals["rating_count"]
        return MentoringFigures(
            requests=totals["requests"],
            matched=totals["matched"],
            sessions_held=totals["sessions_held"],
            sessions_recorded_late=totals["sessions_recorded_late"],
            sessions_cancelled=totals["sessions_cancelled"],
            no_shows=totals["no_shows"],
            hours=round(totals["minutes"] / 60, 2),
            average_rating=round(totals["rating_sum"] / ratings, 2) if ratings else None,
            by_topic=by_topic,
            by_ward=by_ward,
            by_referral=by_referral,
        )
