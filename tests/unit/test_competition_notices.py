"""Who hears of competitions and initiatives (issue 14): the judge's notice says the
deadline; one result notice per entry; the organizer hears of each entry; an initiative's
author hears it was received; a council member hears they were appointed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.notifications import competition_notices, directory
from services.notifications.inbox import Inbox
from shared.contracts.base import Actor, Role, new_id
from shared.contracts.events.competitions import (
    EntrySubmittedV1,
    InitiativeCouncilAssignedV1,
    InitiativeFiledV1,
    JudgeAssignedV1,
    RankedEntry,
    ResultsPublishedV1,
)
from shared.contracts.rpc.notifications import InboxItem, ListInbox
from tests.unit.test_notifications_service import NOW, World, registered


async def inbox(cases: Inbox, user_id: str) -> list[InboxItem]:
    page = await cases.list_inbox(ListInbox(actor=Actor(id=user_id, role=Role.FOUNDER)))
    return page.items


async def test_competition_and_initiative_notices() -> None:
    world = World()
    n = world.notices
    for user_id, role in (
        ("org", Role.ORGANIZER),
        ("founder", Role.FOUNDER),
        ("judge", Role.JUDGE),
        ("author", Role.FOUNDER),
    ):
        await directory.user_updated(n, registered(user_id, role))  # type: ignore[arg-type]
    for entry_id in ("e1", "e2"):  # one founder, two startups, two entries
        await competition_notices.entry_submitted(
            n,
            new_id(),
            EntrySubmittedV1(
                competition_id="c1",
                entry_id=entry_id,
                entrant_id="founder",
                title=f"Dự án {entry_id}",
                submitted_at=NOW,
                organizer_id="org",
                competition_title="Khởi nghiệp trẻ 2026",
            ),
        )
    told = await inbox(world.copy.inbox, "org")
    assert [i.kind for i in told] == ["entry_received", "entry_received"]
    assert "“Dự án e2”" in told[0].body + told[1].body

    deadline = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)  # 17:00 in Gò Vấp
    await competition_notices.judge_assigned(
        n,
        new_id(),
        JudgeAssignedV1(
            competition_id="c1",
            judge_id="judge",
            entry_ids=("e1",),
            judging_deadline=deadline,
            competition_title="Khởi nghiệp trẻ 2026",
            round=2,
        ),
    )
    judge = next(i for i in await inbox(world.copy.inbox, "judge") if i.kind == "judge_assigned")
    assert "17:00 20/03/2026" in judge.body and "vòng 2" in judge.body

    ranking = (
        RankedEntry(rank=1, entry_id="e2", final_score=1, raw_mean=9, prize="Giải Nhất"),
        RankedEntry(rank=2, entry_id="e1", final_score=-1, raw_mean=7),
    )
    published = ResultsPublishedV1(
        competition_id="c1",
        title="Khởi nghiệp trẻ 2026",
        ranking=ranking,
        winners=1,
        published_at=NOW + timedelta(days=20),
    )
    event_id = new_id()
    await competition_notices.results_published(n, event_id, published)
    await competition_notices.results_published(n, event_id, published)  # redelivered: nothing new
    results = [i for i in await inbox(world.copy.inbox, "founder") if i.kind == "results_published"]
    assert len(results) == 2
    bodies = " ".join(i.body for i in results)
    assert "xếp hạng 1/2 và đạt Giải Nhất" in bodies and "xếp hạng 2/2." in bodies

    await competition_notices.initiative_filed(
        n,
        new_id(),
        InitiativeFiledV1(
            initiative_id="i1",
            title="Sổ tay số",
            unit="Phường 1",
            field="Hành chính",
            filed_by="author",
            filed_at=NOW,
        ),
    )
    assert (await inbox(world.copy.inbox, "author"))[0].kind == "initiative_received"
    await competition_notices.council_appointed(
        n,
        new_id(),
        InitiativeCouncilAssignedV1(
            initiative_id="i1", title="Sổ tay số", member_ids=("judge", "x"), appointed=("judge",)
        ),
    )
    council = next(
        i for i in await inbox(world.copy.inbox, "judge") if i.kind == "council_appointed"
    )
    assert "“Sổ tay số”" in council.title and "2 thành viên" in council.body
