"""The competition use cases against a fake repository and a recording outbox (no NATS, no
database): create and publish, enter before and after the deadline, judge and score."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.competitions.certificates import Certificates
from services.competitions.entries import Entries
from services.competitions.judging import Judging
from services.competitions.records import CompetitionRecords
from services.competitions.repository import COMPETITIONS, ENTRIES, PEOPLE, SCORES, STARTUPS
from services.competitions.results_service import ResultsPublication
from services.competitions.scoring import Scoring
from services.competitions.service import Competitions
from shared.contracts.base import Actor, Conflict, Forbidden, Invalid, Role
from shared.contracts.events.competitions import (
    CompetitionPublishedV1,
    CompetitionStatus,
    EntrySubmittedV1,
    JudgeAssignedV1,
    ScoreSubmittedV1,
)
from shared.contracts.rpc.competitions.contests import CompetitionFields
from shared.contracts.rpc.competitions.entries import EntryFields
from tests.unit.fakes.competitions import FakeCompetitionStore
from tests.unit.fakes.outbox import RecordingOutbox

START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
ORGANIZER = Actor(id="org-1", role=Role.ORGANIZER, organization="doan-thanh-nien")
FOUNDER = Actor(id="founder-1", role=Role.FOUNDER)
JUDGE = Actor(id="judge-1", role=Role.JUDGE, organization="dai-hoc")


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


class World:
    def __init__(self) -> None:
        self.clock = Clock()
        self.outbox = RecordingOutbox()
        self.store = FakeCompetitionStore(self.outbox)
        records = CompetitionRecords(self.store, self.outbox, clock=self.clock)
        self.judging = Judging(records)
        self.scoring = Scoring(records, self.judging)
        self.results = ResultsPublication(records, self.judging, self.scoring)
        certificates = Certificates(self.store, self.clock)
        self.competitions = Competitions(records, self.judging, certificates)
        self.entries = Entries(records)
        self.store.collections[STARTUPS]["s1"] = {
            "_id": "s1",
            "owner_id": FOUNDER.id,
            "name": "Rau Sạch",
            "ward": "hanh-thong",
            "status": "verified",
            "team_size": 3,
            "version": 2,
        }
        self.store.collections[PEOPLE][JUDGE.id] = {
            "_id": JUDGE.id,
            "role": "judge",
            "organization": JUDGE.organization,
        }

    def types(self) -> list[type]:
        return [type(event) for event in self.outbox.events()]


@pytest.fixture
def world() -> World:
    return World()


def fields(**overrides: object) -> CompetitionFields:
    data: dict[str, object] = {
        "title": "Khởi nghiệp trẻ Gò Vấp 2026",
        "kind": "youth_startup",
        "description": "Cuộc thi dành cho dự án của thanh niên",
        "entry_deadline": START + timedelta(days=10),
        "judging_deadline": START + timedelta(days=20),
        "rubric": {
            "criteria": [{"name": "Tính mới", "weight": 0.6}, {"name": "Khả thi", "weight": 0.4}]
        },
        "judges_per_entry": 1,
        **overrides,
    }
    return CompetitionFields.model_validate(data)


def entry() -> EntryFields:
    return EntryFields(startup_id="s1", title="Rau sạch tới bếp", description="Giao trong ngày")


async def published(world: World) -> str:
    created = await world.competitions.create(ORGANIZER, fields())
    await world.competitions.publish(ORGANIZER, created.id)
    return created.id


async def test_an_organizer_creates_a_draft_only_they_see(world: World) -> None:
    created = await world.competitions.create(ORGANIZER, fields())

    assert created.status == CompetitionStatus.DRAFT
    assert world.outbox.published == []  # a draft announces nothing
    mine = await world.competitions.list_competitions(
        ORGANIZER, status=None, kind=None, page=1, page_size=10
    )
    public = await world.competitions.list_competitions(
        None, status=None, kind=None, page=1, page_size=10
    )
    assert [c.id for c in mine.items] == [created.id]
    assert public.total == 0


async def test_only_organizers_create_and_rubric_weights_must_sum_to_one(world: World) -> None:
    with pytest.raises(Forbidden):
        await world.competitions.create(FOUNDER, fields())
    with pytest.raises(Invalid):
        await world.competitions.create(
            ORGANIZER, fields(rubric={"criteria": [{"name": "Tính mới", "weight": 0.5}]})
        )
    assert world.store.collections[COMPETITIONS] == {}


async def test_a_founder_enters_before_the_deadline_once(world: World) -> None:
    competition_id = await published(world)

    submitted = await world.entries.submit(FOUNDER, competition_id, entry())

    assert submitted.startup_name == "Rau Sạch"
    assert submitted.participants == 3
    assert world.types() == [CompetitionPublishedV1, EntrySubmittedV1]
    with pytest.raises(Conflict):
        await world.entries.submit(FOUNDER, competition_id, entry())
    assert len(world.store.collections[ENTRIES]) == 1


async def test_an_entry_after_the_deadline_is_refused(world: World) -> None:
    competition_id = await published(world)
    world.clock.now = START + timedelta(days=10)  # the deadline itself

    with pytest.raises(Conflict):
        await world.entries.submit(FOUNDER, competition_id, entry())
    assert world.store.collections[ENTRIES] == {}


async def test_a_founder_enters_only_their_own_startup(world: World) -> None:
    competition_id = await published(world)
    with pytest.raises(Forbidden):
        await world.entries.submit(
            Actor(id="founder-2", role=Role.FOUNDER), competition_id, entry()
        )


async def test_judging_starts_at_the_deadline_and_the_assigned_judge_scores(
    world: World,
) -> None:
    competition_id = await published(world)
    await world.judging.assign_judge(ORGANIZER, competition_id, JUDGE.id)
    submitted = await world.entries.submit(FOUNDER, competition_id, entry())
    with pytest.raises(Conflict):  # not yet judging
        await world.scoring.submit_scores(JUDGE, submitted.id, {"Tính mới": 8, "Khả thi": 6})

    world.clock.now = START + timedelta(days=11)
    assert await world.judging.start_due() == 1
    assert world.store.collections[COMPETITIONS][competition_id]["status"] == "judging"
    page = await world.scoring.assignments(JUDGE, 1, 10)
    assert [item.entry_id for item in page.items] == [submitted.id]

    score = await world.scoring.submit_scores(JUDGE, submitted.id, {"Tính mới": 8, "Khả thi": 6})

    assert score.weighted_total == pytest.approx(8 * 0.6 + 6 * 0.4)
    assert JudgeAssignedV1 in world.types()
    assert world.types()[-1] is ScoreSubmittedV1
    rescored = await world.scoring.submit_scores(JUDGE, submitted.id, {"Tính mới": 9, "Khả thi": 9})
    assert rescored.revision == 2
    assert len(world.store.collections[SCORES]) == 1


async def test_someone_not_assigned_cannot_score(world: World) -> None:
    competition_id = await published(world)
    await world.judging.assign_judge(ORGANIZER, competition_id, JUDGE.id)
    submitted = await world.entries.submit(FOUNDER, competition_id, entry())
    world.clock.now = START + timedelta(days=11)

    with pytest.raises(Forbidden):
        await world.scoring.submit_scores(
            Actor(id="judge-2", role=Role.JUDGE), submitted.id, {"Tính mới": 8, "Khả thi": 6}
        )
    assert world.store.collections[SCORES] == {}
