"""Who hears what of competitions and initiatives: judges of their assignments, entrants of
their results (one notice per entry), organizers of each entry, an initiative's author of
its filing and decision, council members of their appointment. Functions over the
`Notices` use cases, like the other event reactions.

Titles and who entered what are kept as labels (`competition:`, `entry:`, `entrant:`) as
the events pass, to address judges and entrants later."""

from __future__ import annotations

from services.notifications.domain import Kind
from services.notifications.service import Notices
from shared.contracts.events.competitions import (
    CompetitionPublishedV1,
    EntrySubmittedV1,
    InitiativeCouncilAssignedV1,
    InitiativeDecidedV1,
    InitiativeFiledV1,
    JudgeAssignedV1,
    ResultsPublishedV1,
)


async def competition_seen(n: Notices, event: CompetitionPublishedV1 | EntrySubmittedV1) -> None:
    """Remember titles and who entered what, to address judges and entrants later."""
    if isinstance(event, CompetitionPublishedV1):
        await n.store.save_label(f"competition:{event.competition_id}", event.title)
    else:
        await n.store.save_label(f"entry:{event.entry_id}", event.title)
        await n.store.save_label(f"entrant:{event.entry_id}", event.entrant_id)


async def judge_assigned(n: Notices, event_id: str, event: JudgeAssignedV1) -> None:
    """Tell the judge which competition and how many entries are theirs."""
    if not event.entry_ids:
        return
    title = await n.store.label(f"competition:{event.competition_id}") or ""
    await n.tell(
        event.judge_id,
        Kind.JUDGE_ASSIGNED,
        event_id,
        competition=event.competition_title or title,
        count=len(event.entry_ids),
        deadline=event.judging_deadline,
        round=event.round,
    )


async def results_published(n: Notices, event_id: str, event: ResultsPublishedV1) -> None:
    """Tell each entrant their entry's rank and prize: one notice per entry (issue 14:
    a founder with two entries gets both), each keyed by the event and the entry."""
    total = len(event.ranking)
    for row in event.ranking:
        entrant = await n.store.label(f"entrant:{row.entry_id}")
        if entrant is None:
            continue
        await n.tell(
            entrant,
            Kind.RESULTS_PUBLISHED,
            f"{event_id}:{row.entry_id}",
            competition=event.title,
            entry=await n.store.label(f"entry:{row.entry_id}") or "",
            rank=row.rank,
            total=total,
            prize=row.prize,
        )


async def initiative_decided(n: Notices, event_id: str, event: InitiativeDecidedV1) -> None:
    """Tell whoever filed the initiative the decision."""
    if event.filed_by is None:
        return
    await n.tell(
        event.filed_by,
        Kind.INITIATIVE_DECIDED,
        event_id,
        initiative=event.title,
        recognised=event.recognised,
        scope=event.scope or "",
        reasons=event.reasons or "",
        votes_for=event.votes_for,
        council_size=event.council_size,
    )


# --- competitions depth (issue 14/17): organizers, authors and councils are told ------------


async def entry_submitted(n: Notices, event_id: str, event: EntrySubmittedV1) -> None:
    """Remember who entered what, and tell the competition's organizer of the entry."""
    await competition_seen(n, event)
    if event.organizer_id is None:
        return
    title = event.competition_title or await n.store.label(f"competition:{event.competition_id}")
    await n.tell(
        event.organizer_id,
        Kind.ENTRY_RECEIVED,
        event_id,
        competition=title or "",
        entry=event.title,
        submitted_at=event.submitted_at,
    )


async def initiative_filed(n: Notices, event_id: str, event: InitiativeFiledV1) -> None:
    """Tell whoever filed an initiative that it was received."""
    await n.tell(
        event.filed_by,
        Kind.INITIATIVE_RECEIVED,
        event_id,
        initiative=event.title,
        filed_at=event.filed_at,
    )


async def council_appointed(n: Notices, event_id: str, event: InitiativeCouncilAssignedV1) -> None:
    """Tell each member newly appointed to an initiative's council."""
    for member_id in event.appointed:
        await n.tell(
            member_id,
            Kind.COUNCIL_APPOINTED,
            event_id,
            initiative=event.title,
            members=len(event.member_ids),
        )
