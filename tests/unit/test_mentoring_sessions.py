"""A session's life (issue 17) and one aggregate per write (issue 13), against the fake
repository: book, cancel, reschedule, hold, record late, no-show; the follow-up of a
two-record use case converges after a failure; figures count an event once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from services.mentoring.domain import within_slots
from services.mentoring.repository import MATCHES, MENTORS, REQUESTS, SESSIONS, STARTUPS, USERS
from services.mentoring.service import Mentoring
from shared.contracts.base import Actor, Conflict, Envelope, Forbidden, Invalid, Role
from shared.contracts.events.identity import (
    UserDeletionRequestedV1,
    UserRegisteredV1,
    UserUpdatedV1,
)
from shared.contracts.events.mentoring import (
    FeedbackRecordedV1,
    MatchAcceptedV1,
    MatchProposedV1,
    RequestOpenedV1,
    SessionCancelledV1,
    SessionCompletedV1,
    SessionNoShowV1,
)
from shared.contracts.rpc.mentoring.consultations import ConsultationDraft
from shared.contracts.rpc.mentoring.mentors import Availability, GetMentorBusy, MentorChanges, Slot
from shared.contracts.rpc.mentoring.sessions import (
    Absent,
    Cancellation,
    Completion,
    FeedbackDraft,
    ListSessions,
    NoShow,
    Rescheduling,
    SessionDraft,
    SessionStatus,
)
from tests.unit.test_mentoring_service import (
    FOUNDER,
    MENTOR,
    NOW,
    STAFF,
    World,
    accepted_match,
    at_local,
    draft,
    world,
)

__all__ = ["world"]  # the fixture, imported for pytest

OTHER_FOUNDER = Actor(id="founder-2", role=Role.FOUNDER)


def book(match_id: str, day: int, hour: int, hours: int = 1) -> SessionDraft:
    return SessionDraft(
        match_id=match_id, starts_at=at_local(day, hour), ends_at=at_local(day, hour + hours)
    )


def envelopes(world: World, kind: type) -> list[Envelope]:
    return [e for e in world.outbox.published if isinstance(e.event(), kind)]


# --- completing only once started; recording late; the report's month ----------------------


async def test_a_session_three_days_ahead_cannot_be_completed(world: World) -> None:
    match_id = await accepted_match(world)
    session = await world.sessions.schedule(FOUNDER, book(match_id, 3, 9))

    with pytest.raises(Conflict) as refused:
        await world.sessions.complete(
            MENTOR, session.id, Completion(notes="Buổi tư vấn ổn", duration_minutes=60)
        )
    assert refused.value.message == "detail.session_not_started"

    world.now = session.starts_at.astimezone(UTC) + timedelta(minutes=10)
    done = await world.sessions.complete(
        MENTOR, session.id, Completion(notes="Buổi tư vấn ổn", duration_minutes=60)
    )
    assert done.status == "completed"
    assert done.recorded_late is False


async def test_a_founder_booking_in_the_past_hears_about_the_past(world: World) -> None:
    match_id = await accepted_match(world)
    with pytest.raises(Invalid) as refused:
        await world.sessions.schedule(FOUNDER, book(match_id, -1, 9))
    assert refused.value.message == "detail.session_in_past"
    with pytest.raises(Invalid) as far:
        await world.sessions.schedule(FOUNDER, book(match_id, 200, 9))
    assert far.value.message == "detail.session_too_far"


async def test_a_mentor_records_yesterdays_session_late_and_it_counts_in_its_month(
    world: World,
) -> None:
    world.now = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)  # 1 March, 10:00 local
    match_id = await accepted_match(world)
    # 28 February, 20:00–21:00 local: outside the morning slots, but it took place
    held = datetime(2026, 2, 28, 13, 0, tzinfo=UTC)
    session = await world.sessions.schedule(
        MENTOR, SessionDraft(match_id=match_id, starts_at=held, ends_at=held + timedelta(hours=1))
    )
    assert session.recorded_late is True
    await world.sessions.complete(
        MENTOR, session.id, Completion(notes="Buổi tư vấn ổn", duration_minutes=60)
    )
    for envelope in world.outbox.published:
        await world.follow_ups.count_event(envelope)

    february = await world.follow_ups.figures(
        datetime(2026, 2, 1, tzinfo=UTC) - timedelta(hours=7),
        datetime(2026, 3, 1, tzinfo=UTC) - timedelta(hours=7),
    )
    march = await world.follow_ups.figures(
        datetime(2026, 3, 1, tzinfo=UTC) - timedelta(hours=7),
        datetime(2026, 4, 1, tzinfo=UTC) - timedelta(hours=7),
    )
    assert (february.sessions_held, february.sessions_recorded_late) == (1, 1)
    assert march.sessions_held == 0


async def test_a_session_older_than_30_days_cannot_be_recorded(world: World) -> None:
    match_id = await accepted_match(world)
    with pytest.raises(Invalid) as refused:
        await world.sessions.schedule(MENTOR, book(match_id, -31, 9))
    assert refused.value.message == "detail.session_too_old"


# --- cancel, reschedule, no-show -----------------------------------------------------------


async def test_either_party_cancels_with_a_reason_and_the_slot_frees(world: World) -> None:
    match_id = await accepted_match(world)
    session = await world.sessions.schedule(FOUNDER, book(match_id, 1, 9))
    with pytest.raises(Forbidden):
        await world.sessions.cancel(OTHER_FOUNDER, session.id, Cancellation(reason="bận việc"))

    cancelled = await world.sessions.cancel(FOUNDER, session.id, Cancellation(reason="bận việc"))

    assert cancelled.status == "cancelled"
    assert cancelled.cancel_reason == "bận việc"
    event = envelopes(world, SessionCancelledV1)[0].event()
    assert isinstance(event, SessionCancelledV1)
    assert (event.cancelled_by, event.mentor_id) == (FOUNDER.id, MENTOR.id)
    again = await world.sessions.schedule(MENTOR, book(match_id, 1, 9))
    assert again.status == "scheduled"
    with pytest.raises(Conflict):
        await world.sessions.cancel(MENTOR, session.id, Cancellation(reason="lần nữa"))


async def test_reschedule_moves_a_session_under_the_booking_rules(world: World) -> None:
    match_id = await accepted_match(world)
    session = await world.sessions.schedule(FOUNDER, book(match_id, 1, 9))
    other = await world.sessions.schedule(FOUNDER, book(match_id, 2, 9))

    # overlapping its own old time is fine
    moved = await world.sessions.reschedule(
        MENTOR,
        session.id,
        Rescheduling(
            starts_at=at_local(1, 9) + timedelta(minutes=30),
            ends_at=at_local(1, 10) + timedelta(minutes=30),
            reason="đến muộn",
        ),
    )
    assert moved.status == "scheduled"
    assert moved.rescheduled_from == session.id
    old = await world.sessions.get(FOUNDER, session.id)
    assert (old.status, old.rescheduled_to) == ("cancelled", moved.id)

    # onto another booked session: refused, the session stays where it is
    with pytest.raises(Conflict):
        await world.sessions.reschedule(
            FOUNDER,
            moved.id,
            Rescheduling(starts_at=at_local(2, 9), ends_at=at_local(2, 10), reason="đổi"),
        )
    # outside the mentor's hours: refused too
    with pytest.raises(Invalid):
        await world.sessions.reschedule(
            FOUNDER,
            moved.id,
            Rescheduling(starts_at=at_local(2, 14), ends_at=at_local(2, 15), reason="đổi"),
        )
    assert (await world.sessions.get(FOUNDER, moved.id)).status == "scheduled"
    assert (await world.sessions.get(FOUNDER, other.id)).status == "scheduled"
    listed = await world.sessions.list(FOUNDER, ListSessions(status=SessionStatus.SCHEDULED))
    assert {s.id for s in listed.items} == {moved.id, other.id}


async def test_a_no_show_is_recorded_only_once_the_session_started(world: World) -> None:
    match_id = await accepted_match(world)
    session = await world.sessions.schedule(FOUNDER, book(match_id, 1, 9))
    with pytest.raises(Conflict):
        await world.sessions.no_show(MENTOR, session.id, NoShow(absent=Absent.FOUNDER))

    world.now = session.starts_at.astimezone(UTC) + timedelta(minutes=20)
    missed = await world.sessions.no_show(MENTOR, session.id, NoShow(absent=Absent.FOUNDER))

    assert (missed.status, missed.absent) == ("no_show", "founder")
    assert envelopes(world, SessionNoShowV1)
    with pytest.raises(Conflict):  # feedback only after completion
        await world.sessions.feedback(FOUNDER, session.id, FeedbackDraft(rating=5))


async def test_sessions_are_listed_for_their_parties_and_staff_filter_them(world: World) -> None:
    match_id = await accepted_match(world)
    first = await world.sessions.schedule(FOUNDER, book(match_id, 1, 9))
    second = await world.sessions.schedule(FOUNDER, book(match_id, 2, 9))

    mine = await world.sessions.list(FOUNDER, ListSessions())
    assert [s.id for s in mine.items] == [first.id, second.id]
    assert (await world.sessions.list(OTHER_FOUNDER, ListSessions())).total == 0
    with pytest.raises(Forbidden):
        await world.sessions.get(OTHER_FOUNDER, first.id)
    ranged = await world.sessions.list(
        STAFF, ListSessions(mentor_id=MENTOR.id, starts_from=at_local(2, 0))
    )
    assert [s.id for s in ranged.items] == [second.id]


# --- matches, mentors, duplicate requests, read your writes ----------------------------------


async def test_a_second_open_request_on_the_same_topic_names_the_first(world: World) -> None:
    first = await world.mentoring.open_request(FOUNDER, draft())
    with pytest.raises(Conflict) as refused:
        await world.mentoring.open_request(
            FOUNDER,
            ConsultationDraft(
                startup_id="s1", topics=["goi von", "marketing"], message="Lại cần gọi vốn"
            ),
        )
    assert refused.value.details["request_id"] == first.id
    other = await world.mentoring.open_request(
        FOUNDER, ConsultationDraft(startup_id="s1", topics=["marketing"], message="Cần marketing")
    )
    assert other.status == "open"


async def test_a_startup_not_yet_seen_is_asked_of_the_registry(world: World) -> None:
    asked: list[str] = []

    async def lookup(actor: Actor, startup_id: str) -> dict[str, Any] | None:
        asked.append(startup_id)
        return {
            "owner_id": actor.id,
            "name": "Mới Toanh",
            "sector": "software",
            "stage": "idea",
            "ward": "an-nhon",
            "status": "submitted",
            "needs": [],
            "version": 1,
        }

    mentoring = Mentoring(world.sessions.records, lookup)
    request = await mentoring.open_request(
        FOUNDER,
        ConsultationDraft(startup_id="new-1", topics=["pháp lý"], message="Vừa đăng ký xong"),
    )
    assert asked == ["new-1"]
    assert request.startup_name == "Mới Toanh"
    assert world.store.kinds[STARTUPS]["new-1"]["version"] == 1


async def test_matches_and_mentors_are_read_by_their_parties(world: World) -> None:
    match_id = await accepted_match(world)
    assert (await world.matches.get_match(FOUNDER, match_id)).status == "accepted"
    with pytest.raises(Forbidden):
        await world.matches.get_match(OTHER_FOUNDER, match_id)
    page = await world.matches.list_matches(FOUNDER, None, ListSessions())
    assert [m.id for m in page.items] == [match_id]
    assert (await world.mentoring.get_mentor(FOUNDER, MENTOR.id)).id == MENTOR.id
    with pytest.raises(Forbidden):
        await world.mentoring.get_mentor(OTHER_FOUNDER, MENTOR.id)


# --- one aggregate per write: the follow-up converges ----------------------------------------


def fail_once(world: World, kind: str) -> None:
    """The next write of the follow-up to `kind` fails (the process dies between writes)."""
    world.store.fail_next_write_to = kind


async def deliver(world: World, kind: type, times: int = 1) -> None:
    """The consumer's delivery of every published event of `kind` (`times` over)."""
    for envelope in envelopes(world, kind):
        event = envelope.event()
        for _ in range(times):
            if isinstance(event, MatchProposedV1):
                await world.follow_ups.match_proposed(envelope, event)
            elif isinstance(event, MatchAcceptedV1):
                await world.follow_ups.match_answered(envelope, event)
            elif isinstance(event, FeedbackRecordedV1):
                await world.follow_ups.rating_recorded(envelope, event)


async def test_a_lost_match_write_is_made_from_the_proposal_event(world: World) -> None:
    request = await world.mentoring.open_request(FOUNDER, draft())
    fail_once(world, MATCHES)

    proposed = await world.matches.propose(STAFF, request.id, MENTOR.id)

    assert world.store.kinds[REQUESTS][request.id]["match_id"] == proposed.id
    assert proposed.id not in world.store.kinds[MATCHES]
    await deliver(world, MatchProposedV1, times=2)
    assert world.store.kinds[MATCHES][proposed.id]["status"] == "proposed"
    assert (await world.matches.answer(MENTOR, proposed.id, accept=True)).status == "accepted"


async def test_a_lost_request_write_follows_the_answer_event(world: World) -> None:
    request = await world.mentoring.open_request(FOUNDER, draft())
    proposed = await world.matches.propose(STAFF, request.id, MENTOR.id)
    fail_once(world, REQUESTS)

    await world.matches.answer(MENTOR, proposed.id, accept=True)

    assert world.store.kinds[REQUESTS][request.id]["status"] == "proposed"
    await deliver(world, MatchAcceptedV1, times=2)
    assert world.store.kinds[REQUESTS][request.id]["status"] == "matched"


async def test_a_rating_is_never_lost_nor_counted_twice(world: World) -> None:
    match_id = await accepted_match(world)
    session = await world.sessions.schedule(FOUNDER, book(match_id, 0, 10))
    world.now = session.starts_at.astimezone(UTC) + timedelta(hours=1)
    await world.sessions.complete(
        MENTOR, session.id, Completion(notes="Buổi tư vấn ổn", duration_minutes=60)
    )
    fail_once(world, MENTORS)

    rated = await world.sessions.feedback(FOUNDER, session.id, FeedbackDraft(rating=4))

    assert rated.rating == 4
    assert world.store.kinds[MENTORS][MENTOR.id]["rating_count"] == 0
    await deliver(world, FeedbackRecordedV1, times=3)  # the consumer, then two redeliveries
    mentor = world.store.kinds[MENTORS][MENTOR.id]
    assert (mentor["rating_sum"], mentor["rating_count"]) == (4, 1)


async def test_a_replayed_event_counts_nothing_twice(world: World) -> None:
    await world.mentoring.open_request(FOUNDER, draft())
    for _ in range(3):  # a redelivery, then a dead-letter replay
        for envelope in envelopes(world, RequestOpenedV1):
            await world.follow_ups.count_event(envelope)

    figures = await world.follow_ups.figures(NOW - timedelta(days=1), NOW + timedelta(days=1))
    assert figures.requests == 1
    assert sum(figures.by_topic.values()) == 1


async def test_topics_that_look_like_field_names_are_counted_as_typed(world: World) -> None:
    await world.mentoring.open_request(
        FOUNDER,
        ConsultationDraft(startup_id="s1", topics=["a.b", "$x"], message="Chủ đề lạ nhưng hợp lệ"),
    )
    for envelope in envelopes(world, RequestOpenedV1):
        await world.follow_ups.count_event(envelope)
    figures = await world.follow_ups.figures(NOW - timedelta(days=1), NOW + timedelta(days=1))
    assert figures.by_topic == {"a.b": 1, "$x": 1}
    with pytest.raises(ValidationError):
        ConsultationDraft(startup_id="s1", topics=["gọi\x00vốn"], message="Một chủ đề có NUL")


async def test_completed_sessions_count_in_the_completion_event(world: World) -> None:
    match_id = await accepted_match(world)
    session = await world.sessions.schedule(FOUNDER, book(match_id, 0, 10))
    world.now = session.starts_at.astimezone(UTC) + timedelta(hours=1)
    await world.sessions.complete(
        MENTOR, session.id, Completion(notes="Buổi tư vấn ổn", duration_minutes=45)
    )
    event = envelopes(world, SessionCompletedV1)[0].event()
    assert isinstance(event, SessionCompletedV1)
    assert event.starts_at == session.starts_at
    assert world.store.kinds[SESSIONS][session.id]["status"] == "completed"


# --- availability across midnight (issue 14) -------------------------------------------------


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return at_local(day, hour).replace(minute=minute)


def test_a_slot_may_end_at_midnight_or_cross_it() -> None:
    monday = local(0, 0).weekday()
    late = [{"weekday": monday, "start": "20:00", "end": "02:00"}]
    assert within_slots(late, local(0, 23, 30), local(1, 0, 30))
    assert within_slots(late, local(0, 23), local(1, 0))
    assert within_slots(late, local(1, 1), local(1, 2))
    assert not within_slots(late, local(1, 1, 30), local(1, 2, 30))
    evening = [{"weekday": monday, "start": "18:00", "end": "24:00"}]
    assert within_slots(evening, local(0, 23), local(1, 0))
    assert not within_slots(evening, local(0, 23, 30), local(1, 0, 30))
    sunday = [{"weekday": 6, "start": "22:00", "end": "01:00"}]
    days_to_sunday = (6 - monday) % 7
    assert within_slots(sunday, local(days_to_sunday, 23, 30), local(days_to_sunday + 1, 0, 30))


def test_slots_take_24_00_and_refuse_an_empty_slot() -> None:
    assert Slot(weekday=0, start="20:00", end="24:00").end == "24:00"
    assert Slot(weekday=0, start="20:00", end="02:00").end == "02:00"
    with pytest.raises(ValidationError):
        Slot(weekday=0, start="20:00", end="20:00")
    with pytest.raises(ValidationError):
        Slot(weekday=0, start="24:00", end="02:00")


async def test_a_mentor_free_until_2am_is_booked_across_midnight(world: World) -> None:
    slots = [{"weekday": d, "start": "20:00", "end": "02:00"} for d in range(7)]
    await world.mentoring.set_availability(
        MENTOR, MENTOR.id, Availability.model_validate({"slots": slots})
    )
    match_id = await accepted_match(world)
    first = await world.sessions.schedule(
        FOUNDER, SessionDraft(match_id=match_id, starts_at=local(1, 23), ends_at=local(2, 0))
    )
    assert first.status == "scheduled"
    with pytest.raises(Conflict):
        await world.sessions.schedule(
            FOUNDER,
            SessionDraft(match_id=match_id, starts_at=local(1, 23, 30), ends_at=local(2, 0, 30)),
        )


# --- topics: canonical with labels, free as typed (issue 14) ---------------------------------


async def test_funding_is_found_by_its_vietnamese_name_without_tones_and_in_english(
    world: World,
) -> None:
    for typed in ("gọi vốn", "goi von", "GỌI VỐN", "funding", "Fundraising"):
        page = await world.mentoring.list_mentors(STAFF, typed, 1, 20)
        assert [m.id for m in page.items] == [MENTOR.id, "mentor-2"], typed
    assert (await world.mentoring.list_mentors(STAFF, "pháp lý", 1, 20)).total == 0


async def test_a_mentor_typing_goi_von_gets_the_canonical_topic_back(world: World) -> None:
    mentor = (await world.mentoring.list_mentors(STAFF, None, 1, 20)).items[0]
    assert mentor.expertise == ["funding"]
    assert [(t.key, t.label, t.need) for t in mentor.topics] == [("funding", "gọi vốn", "funding")]
    changed = await world.mentoring.update_mentor(
        MENTOR,
        MENTOR.id,
        MentorChanges(version=mentor.version, expertise=["Đàm phán hợp đồng", "a.b"]),
    )
    assert [(t.key, t.label, t.need) for t in changed.topics] == [
        ("dam phan hop dong", "đàm phán hợp đồng", None),
        ("a.b", "a.b", None),
    ]
    found = await world.mentoring.list_mentors(STAFF, "dam phan hop dong", 1, 20)
    assert [m.id for m in found.items] == [MENTOR.id]


# --- erasure: versions and tombstones (PDPL 91/2025) ------------------------------------------


def identity(kind: type, version: int | None, name: str) -> Any:
    return kind(
        user_id="u-9", email="u9@example.vn", full_name=name, role=Role.FOUNDER, version=version
    )


async def test_an_older_identity_event_is_ignored_and_an_erased_person_stays_erased(
    world: World,
) -> None:
    await world.read_models.user_seen(identity(UserRegisteredV1, 1, "Lê Văn Một"))
    await world.read_models.user_seen(identity(UserUpdatedV1, 3, "Lê Văn Ba"))
    await world.read_models.user_seen(identity(UserUpdatedV1, 2, "Lê Văn Hai"))  # late
    assert world.store.kinds[USERS]["u-9"]["full_name"] == "Lê Văn Ba"

    await world.read_models.erase_person(
        UserDeletionRequestedV1(user_id="u-9", request_id="d1", requested_at=NOW)
    )
    await world.read_models.user_seen(identity(UserUpdatedV1, 4, "Lê Văn Bốn"))
    await world.read_models.user_seen(identity(UserRegisteredV1, None, "Lê Văn Cũ"))
    assert "u-9" not in world.store.kinds[USERS]


# --- busy times: what a week view leaves out, never whose (QA finding 6) ---------------------


async def test_another_founder_sees_when_the_mentor_is_busy_but_not_with_whom(
    world: World,
) -> None:
    match_id = await accepted_match(world)
    first = await world.sessions.schedule(FOUNDER, book(match_id, 1, 9))
    second = await world.sessions.schedule(FOUNDER, book(match_id, 2, 10, hours=2))
    await world.sessions.cancel(FOUNDER, second.id, Cancellation(reason="bận việc"))
    asked = GetMentorBusy(
        mentor_id=MENTOR.id, starts_from=at_local(0, 0), starts_before=at_local(7, 0)
    )

    busy = await world.sessions.busy(OTHER_FOUNDER, asked)

    # The other founder cannot read the session, yet its time is not offered to them.
    assert (await world.sessions.list(OTHER_FOUNDER, ListSessions())).total == 0
    assert [(b.starts_at, b.ends_at) for b in busy.items] == [
        (first.starts_at, first.ends_at)  # the cancelled one is free again
    ]
    assert set(busy.items[0].model_dump()) == {"starts_at", "ends_at"}


def test_a_busy_span_is_bounded() -> None:
    start = datetime(2026, 3, 2, tzinfo=UTC)
    for end in (start, start - timedelta(hours=1), start + timedelta(days=40)):
        with pytest.raises(ValidationError):
            GetMentorBusy(mentor_id="m-1", starts_from=start, starts_before=end)
    with pytest.raises(ValidationError):
        GetMentorBusy(
            mentor_id="m-1", starts_from=datetime(2026, 3, 2), starts_before=datetime(2026, 3, 3)
        )
