"""Mentoring's use cases against a fake repository and a recording outbox (no NATS, no
database): a request, a proposal, its answer, and booking without double booking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.mentoring.follow_ups import FollowUps
from services.mentoring.matches import Matches
from services.mentoring.read_models import ReadModels
from services.mentoring.records import Records
from services.mentoring.repository import MATCHES, MENTORS, REQUESTS, SESSIONS, STARTUPS, USERS
from services.mentoring.service import Mentoring
from services.mentoring.sessions import Sessions
from shared.contracts.base import Actor, Conflict, Forbidden, Invalid, NotFound, Role
from shared.contracts.events.mentoring import (
    MatchAcceptedV1,
    MatchDeclinedV1,
    MatchProposedV1,
    RequestOpenedV1,
    SessionScheduledV1,
)
from shared.contracts.rpc.mentoring.consultations import ConsultationDraft
from shared.contracts.rpc.mentoring.mentors import Availability, MentorProfile
from shared.contracts.rpc.mentoring.sessions import SessionDraft
from shared.localtime import HCMC
from tests.unit.fakes.mentoring import FakeMentoringStore
from tests.unit.fakes.outbox import RecordingOutbox

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 09:00 in Gò Vấp
FOUNDER = Actor(id="founder-1", role=Role.FOUNDER)
MENTOR = Actor(id="mentor-1", role=Role.MENTOR)
SECOND_MENTOR = Actor(id="mentor-2", role=Role.MENTOR)
STAFF = Actor(id="staff-1", role=Role.ASSOCIATION_STAFF)


class World:
    def __init__(self) -> None:
        self.outbox = RecordingOutbox()
        self.store = FakeMentoringStore(self.outbox)
        self.now = NOW
        records = Records(self.store, self.outbox, clock=lambda: self.now)
        self.sessions = Sessions(records)
        self.matches = Matches(records)
        self.mentoring = Mentoring(records)
        self.follow_ups = FollowUps(self.store)
        self.read_models = ReadModels(self.store)

    def types(self) -> list[type]:
        return [type(event) for event in self.outbox.events()]


@pytest.fixture
async def world() -> World:
    w = World()
    w.store.kinds[STARTUPS]["s1"] = {
        "_id": "s1",
        "owner_id": FOUNDER.id,
        "name": "Rau Sạch",
        "sector": "agritech",
        "stage": "idea",
        "ward": "hanh-thong",
        "status": "verified",
        "version": 2,
    }
    for mentor in (MENTOR, SECOND_MENTOR):
        w.store.kinds[USERS][mentor.id] = {"_id": mentor.id, "role": "mentor", "full_name": "Lan"}
        await w.mentoring.save_mentor(
            mentor, MentorProfile(expertise=["gọi vốn"], monthly_capacity=4)
        )
        # every weekday morning, 08:00–12:00 local time
        slots = [{"weekday": d, "start": "08:00", "end": "12:00"} for d in range(7)]
        await w.mentoring.set_availability(
            mentor, mentor.id, Availability.model_validate({"slots": slots})
        )
    w.outbox.published.clear()
    return w


def draft() -> ConsultationDraft:
    return ConsultationDraft(
        startup_id="s1", topics=["Gọi vốn"], message="Cần tư vấn gọi vốn vòng đầu"
    )


def at_local(day_offset: int, hour: int) -> datetime:
    local = NOW.astimezone(HCMC).replace(hour=hour, minute=0) + timedelta(days=day_offset)
    return local


async def test_a_founder_opens_a_request_for_their_startup(world: World) -> None:
    request = await world.mentoring.open_request(FOUNDER, draft())

    assert request.status == "open"
    assert request.founder_id == FOUNDER.id
    assert world.types() == [RequestOpenedV1]
    assert world.store.kinds[REQUESTS][request.id]["startup_name"] == "Rau Sạch"


async def test_only_the_startups_founder_opens_a_request(world: World) -> None:
    with pytest.raises(Forbidden):
        await world.mentoring.open_request(Actor(id="someone", role=Role.FOUNDER), draft())
    with pytest.raises(NotFound):
        await world.mentoring.open_request(FOUNDER, draft().model_copy(update={"startup_id": "x"}))
    assert world.outbox.published == []


async def test_staff_propose_a_mentor_and_the_mentor_accepts(world: World) -> None:
    request = await world.mentoring.open_request(FOUNDER, draft())

    match = await world.matches.propose(STAFF, request.id, MENTOR.id)
    assert match.status == "proposed"
    assert world.store.kinds[REQUESTS][request.id]["status"] == "proposed"
    with pytest.raises(Forbidden):
        await world.matches.answer(SECOND_MENTOR, match.id, accept=True)

    accepted = await world.matches.answer(MENTOR, match.id, accept=True)

    assert accepted.status == "accepted"
    assert world.store.kinds[REQUESTS][request.id]["status"] == "matched"
    assert world.types() == [RequestOpenedV1, MatchProposedV1, MatchAcceptedV1]
    with pytest.raises(Conflict):
        await world.matches.answer(MENTOR, match.id, accept=False)


async def test_a_declined_request_reopens_and_that_mentor_is_not_proposed_again(
    world: World,
) -> None:
    request = await world.mentoring.open_request(FOUNDER, draft())
    match = await world.matches.propose(STAFF, request.id, MENTOR.id)

    await world.matches.answer(MENTOR, match.id, accept=False)

    stored = world.store.kinds[REQUESTS][request.id]
    assert stored["status"] == "open"
    assert stored["declined_mentors"] == [MENTOR.id]
    assert MatchDeclinedV1 in world.types()
    with pytest.raises(Conflict):
        await world.matches.propose(STAFF, request.id, MENTOR.id)


async def test_only_staff_propose(world: World) -> None:
    request = await world.mentoring.open_request(FOUNDER, draft())
    with pytest.raises(Forbidden):
        await world.matches.propose(FOUNDER, request.id, MENTOR.id)


async def accepted_match(world: World) -> str:
    request = await world.mentoring.open_request(FOUNDER, draft())
    match = await world.matches.propose(STAFF, request.id, MENTOR.id)
    await world.matches.answer(MENTOR, match.id, accept=True)
    return match.id


async def test_a_session_is_booked_in_the_mentors_hours(world: World) -> None:
    match_id = await accepted_match(world)

    session = await world.sessions.schedule(
        FOUNDER, SessionDraft(match_id=match_id, starts_at=at_local(1, 9), ends_at=at_local(1, 10))
    )

    assert session.status == "scheduled"
    assert world.store.kinds[SESSIONS][session.id]["status"] == "scheduled"
    assert world.types()[-1] is SessionScheduledV1


async def test_an_overlapping_booking_is_refused_and_leaves_no_hold(world: World) -> None:
    match_id = await accepted_match(world)
    first = await world.sessions.schedule(
        FOUNDER, SessionDraft(match_id=match_id, starts_at=at_local(1, 9), ends_at=at_local(1, 10))
    )

    with pytest.raises(Conflict) as refused:
        await world.sessions.schedule(
            MENTOR,
            SessionDraft(
                match_id=match_id,
                starts_at=at_local(1, 9) + timedelta(minutes=30),
                ends_at=at_local(1, 11),
            ),
        )

    assert refused.value.details["session_id"] == first.id
    assert list(world.store.kinds[SESSIONS]) == [first.id]
    assert world.types().count(SessionScheduledV1) == 1
    # the next hour is free
    later = await world.sessions.schedule(
        FOUNDER,
        SessionDraft(match_id=match_id, starts_at=at_local(1, 10), ends_at=at_local(1, 11)),
    )
    assert later.status == "scheduled"


async def test_a_session_outside_the_mentors_hours_is_refused(world: World) -> None:
    match_id = await accepted_match(world)
    with pytest.raises(Invalid) as refused:
        await world.sessions.schedule(
            FOUNDER,
            SessionDraft(match_id=match_id, starts_at=at_local(1, 14), ends_at=at_local(1, 15)),
        )
    assert "slots" in refused.value.details
    assert world.store.kinds[SESSIONS] == {}


async def test_a_lost_race_on_a_request_is_a_conflict(world: World) -> None:
    request = await world.mentoring.open_request(FOUNDER, draft())
    world.store.kinds[REQUESTS][request.id]["version"] += 1  # someone else wrote meanwhile
    real_get = world.store.get

    async def stale_read(kind: str, doc_id: str) -> dict[str, object] | None:
        doc = await real_get(kind, doc_id)
        if doc and kind == REQUESTS:
            doc["version"] -= 1
        return doc

    world.store.get = stale_read  # type: ignore[method-assign]
    with pytest.raises(Conflict):
        await world.matches.propose(STAFF, request.id, MENTOR.id)
    assert world.store.kinds[MATCHES] == {}


async def test_a_mentor_profile_exists_once(world: World) -> None:
    with pytest.raises(Conflict):
        await world.mentoring.save_mentor(
            MENTOR, MentorProfile(expertise=["marketing"], monthly_capacity=2)
        )
    assert len(world.store.kinds[MENTORS]) == 2
