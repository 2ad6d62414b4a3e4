"""The events rules with fakes (issue 18): seats then the waitlist in order, refusals with
their reasons, promotion on cancellation, check-in once per sitting, certificates to those
who qualify, the report's figures, erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest

from services.events import domain
from services.events.people import pseudonym
from services.events.use_cases import compose
from shared.contracts.base import (
    Actor,
    Conflict,
    DomainError,
    Event,
    Forbidden,
    Invalid,
    NotFound,
    Role,
)
from shared.contracts.events.events import (
    EventCancelledV1,
    EventHeldV1,
    EventKind,
    RegistrationConfirmedV1,
    RegistrationPromotedV1,
)
from shared.contracts.events.identity import UserDeletionRequestedV1, UserRegisteredV1
from shared.contracts.rpc.events.announcements import (
    Audience,
    EventChanges,
    EventFields,
    Quota,
    SittingFields,
)
from shared.contracts.rpc.events.attendance import CheckInFields
from shared.contracts.rpc.events.registrations import RegistrationFields
from tests.unit.fakes.events import FakeEventsStore
from tests.unit.fakes.outbox import RecordingOutbox

NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 08:00 in Gò Vấp
START = NOW + timedelta(days=7)
ORGANIZER = Actor(id="org", role=Role.ORGANIZER, organization="ubnd-an-nhon")


E = TypeVar("E", bound=Event)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


class World:
    def __init__(self) -> None:
        self.outbox = RecordingOutbox()
        self.store = FakeEventsStore(self.outbox)
        self.clock = Clock()
        use = compose(self.store.repository(), self.outbox, self.clock)
        self.events, self.registrations = use.events, use.registrations
        self.attendance, self.certificates = use.attendance, use.certificates
        self.figures, self.people = use.figures, use.people

    def told(self, kind: type[E]) -> list[E]:
        """The published events of `kind`, in order."""
        return [event for event in self.outbox.events() if isinstance(event, kind)]

    async def published(self, capacity: int = 2, **extra: object) -> str:
        fields = {
            "title": "Lớp tập huấn sở hữu trí tuệ",
            "kind": EventKind.TRAINING,
            "organizers": ["ubnd-an-nhon"],
            "place": "Nhà văn hoá phường An Nhơn",
            "sittings": [
                SittingFields(starts_at=START, ends_at=START + timedelta(hours=2)),
                SittingFields(
                    starts_at=START + timedelta(days=1),
                    ends_at=START + timedelta(days=1, hours=2),
                ),
            ],
            "capacity": capacity,
            "certificate": True,
            "min_sittings": 2,
            **extra,
        }
        event = await self.events.create(ORGANIZER, EventFields.model_validate(fields))
        await self.events.publish(ORGANIZER, event.id)
        return event.id


def person(n: int, **extra: object) -> Actor:
    return Actor.model_validate({"id": f"p{n}", "role": Role.FOUNDER, **extra})


def reason(error: DomainError) -> str:
    return str(error.details["reason"])


@pytest.fixture
def world() -> World:
    return World()


async def test_seats_first_then_the_waitlist_in_order_of_arrival(world: World) -> None:
    event_id = await world.published(capacity=2)
    answers = [
        await world.registrations.register(person(n), event_id, RegistrationFields())
        for n in range(5)
    ]
    assert [(a.status, a.position) for a in answers] == [
        ("seat", None),
        ("seat", None),
        ("waitlist", 1),
        ("waitlist", 2),
        ("waitlist", 3),
    ]
    assert all(a.code and a.qr_svg and a.qr_svg.startswith("data:image/svg+xml") for a in answers)
    confirmed = world.told(RegistrationConfirmedV1)
    assert [e.status for e in confirmed] == ["seat", "seat", "waitlist", "waitlist", "waitlist"]


async def test_cancelling_a_seat_promotes_the_first_waiting_who_is_told(world: World) -> None:
    event_id = await world.published(capacity=1)
    for n in range(3):
        await world.registrations.register(person(n), event_id, RegistrationFields())
    await world.registrations.cancel_registration(person(0), event_id)
    promoted = world.told(RegistrationPromotedV1)
    assert [e.user_id for e in promoted] == ["p1"]
    mine = await world.registrations.my_registrations(person(2), 1, 10)
    assert (mine.items[0].status, mine.items[0].position) == ("waitlist", 1)
    # A waiting person who leaves frees nothing: nobody else moves.
    await world.registrations.cancel_registration(person(2), event_id)
    assert len(world.told(RegistrationPromotedV1)) == 1
    view = await world.events.get(ORGANIZER, event_id)
    assert (view.seats_taken, view.seats_left, view.waitlisted) == (1, 0, 0)


async def test_a_larger_capacity_moves_the_waitlist_up_and_a_smaller_keeps_taken_seats(
    world: World,
) -> None:
    event_id = await world.published(capacity=1)
    for n in range(3):
        await world.registrations.register(person(n), event_id, RegistrationFields())
    await world.events.update(ORGANIZER, event_id, EventChanges(capacity=2))
    assert [e.user_id for e in world.told(RegistrationPromotedV1)] == ["p1"]
    with pytest.raises(Invalid) as refused:
        await world.events.update(ORGANIZER, event_id, EventChanges(capacity=1))
    assert reason(refused.value) == "capacity_below_seats"


@pytest.mark.parametrize(
    ("setup", "expected", "kind"),
    [
        ("twice", "already_registered", Conflict),
        ("after_window", "registration_closed", Conflict),
        ("cancelled", "cancelled", Conflict),
        ("outside_ward", "outside_audience", Forbidden),
        ("outside_role", "outside_audience", Forbidden),
        ("no_ward", "ward_needed", Invalid),
    ],
)
async def test_refusals_carry_their_reason(
    world: World, setup: str, expected: str, kind: type[DomainError]
) -> None:
    audience = Audience(wards=["an-nhon"]) if "ward" in setup else Audience()
    if setup == "outside_role":
        audience = Audience(roles=[Role.SCHOOL_ADVISOR])
    event_id = await world.published(audience=audience)
    fields = RegistrationFields(ward="go-vap" if setup == "outside_ward" else None)
    if setup == "twice":
        await world.registrations.register(person(1), event_id, fields)
    if setup == "after_window":
        world.clock.now = START
    if setup == "cancelled":
        await world.events.cancel(ORGANIZER, event_id, "Hoãn vì mưa bão")
    with pytest.raises(kind) as refused:
        await world.registrations.register(person(1), event_id, fields)
    assert reason(refused.value) == expected
    assert refused.value.message == f"detail.event_{expected}"


async def test_the_catalogue_says_each_refusal_in_vietnamese_and_english() -> None:
    from shared.i18n import gettext

    for key in ("registration_closed", "cancelled", "already_registered", "outside_audience"):
        vi, en = gettext(f"detail.event_{key}", "vi"), gettext(f"detail.event_{key}", "en")
        assert vi != en and vi != f"detail.event_{key}"


async def test_a_cancelled_registration_may_register_again(world: World) -> None:
    event_id = await world.published(capacity=1)
    first = await world.registrations.register(person(1), event_id, RegistrationFields())
    await world.registrations.cancel_registration(person(1), event_id)
    again = await world.registrations.register(person(1), event_id, RegistrationFields())
    assert (again.id, again.status) == (first.id, "seat")


async def test_check_in_once_per_sitting_and_clear_refusals(world: World) -> None:
    event_id = await world.published(capacity=1)
    other_id = await world.published(capacity=1)
    seat = await world.registrations.register(person(1), event_id, RegistrationFields())
    waiting = await world.registrations.register(person(2), event_id, RegistrationFields())
    elsewhere = await world.registrations.register(person(3), other_id, RegistrationFields())
    assert seat.code and waiting.code and elsewhere.code
    typed = " ".join(seat.code[i : i + 4] for i in range(0, 16, 4)).lower()
    world.clock.now = START + timedelta(minutes=5)
    checked = await world.attendance.check_in(ORGANIZER, event_id, CheckInFields(code=typed))
    assert (checked.sitting, checked.attended) == (1, [1])
    cases = [
        (seat.code, None, "already_checked_in"),
        (waiting.code, None, "ticket_waitlisted"),
        (elsewhere.code, None, "ticket_other_event"),
        (seat.code, 3, "sitting_unknown"),
    ]
    for code, sitting, expected in cases:
        with pytest.raises(DomainError) as refused:
            await world.attendance.check_in(
                ORGANIZER, event_id, CheckInFields(code=code, sitting=sitting)
            )
        assert reason(refused.value) == expected
    with pytest.raises(NotFound):
        await world.attendance.check_in(ORGANIZER, event_id, CheckInFields(code="AAAABBBBCCCCDDDD"))
    await world.registrations.cancel_registration(person(3), other_id)
    with pytest.raises(Conflict) as refused:
        await world.attendance.check_in(ORGANIZER, other_id, CheckInFields(code=elsewhere.code))
    assert reason(refused.value) == "ticket_cancelled"
    with pytest.raises(Forbidden):
        await world.attendance.check_in(person(9), event_id, CheckInFields(code=seat.code))


def test_the_sitting_of_a_check_in_is_todays_or_the_next() -> None:
    sittings = [
        {"starts_at": START, "ends_at": START + timedelta(hours=2)},
        {"starts_at": START + timedelta(days=1), "ends_at": START + timedelta(days=1, hours=2)},
    ]
    assert domain.pick_sitting(sittings, NOW) == 1
    assert domain.pick_sitting(sittings, START + timedelta(days=1, hours=-1)) == 2
    assert domain.pick_sitting(sittings, START + timedelta(days=9)) == 2


async def test_closing_issues_certificates_to_those_who_attended_enough(world: World) -> None:
    event_id = await world.published(capacity=3)
    tickets = [
        await world.registrations.register(person(n), event_id, RegistrationFields())
        for n in range(3)
    ]
    with pytest.raises(Conflict) as early:
        await world.events.close(ORGANIZER, event_id)
    assert reason(early.value) == "not_started"
    for ticket, sittings in zip(tickets, ([1, 2], [1], []), strict=True):
        for sitting in sittings:
            assert ticket.code
            await world.attendance.check_in(
                ORGANIZER, event_id, CheckInFields(code=ticket.code, sitting=sitting)
            )
    world.clock.now = START + timedelta(days=1, hours=3)
    closed = await world.events.close(ORGANIZER, event_id)
    assert closed.status == "held"
    held = world.told(EventHeldV1)
    assert len(held) == 1 and held[0].certified_ids == ["p0"] and held[0].attendees == 2
    mine = await world.certificates.my_certificates(person(0), "p0", 1, 10)
    assert [(c.kind, c.detail) for c in mine.items] == [("attendee", "2/2")]
    assert mine.items[0].code.startswith("EV-")
    assert (await world.certificates.my_certificates(person(1), "p1", 1, 10)).total == 0
    with pytest.raises(Forbidden):
        await world.certificates.my_certificates(person(1), "p0", 1, 10)
    revoked = await world.certificates.revoke(ORGANIZER, mine.items[0].code, "Sai thông tin")
    assert revoked.revoked and not revoked.valid

    figures = await world.figures.period(NOW, NOW + timedelta(days=30))
    assert (figures.events_held, figures.registrations, figures.attendees) == (1, 3, 2)
    assert (figures.check_ins, figures.certificates) == (3, 1)
    assert figures.by_kind == {"training": 1} and figures.by_organizer == {"ubnd-an-nhon": 1}


def test_figures_count_wards_organizations_women_and_youth_where_known() -> None:
    events = [{"_id": "e", "kind": "seminar", "organizers": ["hoi-lhpn"], "starts_at": START}]
    seat = {"event_id": "e", "status": "seat"}
    registrations: list[dict[str, Any]] = [
        {**seat, "attended": [1], "ward": "an-nhon", "gender": "female", "birth_year": 2000},
        {**seat, "attended": [1], "ward": "an-nhon", "organization": "doan-thanh-nien"},
        {**seat, "attended": [1], "gender": "male", "birth_year": 1970},
        {**seat, "attended": []},
        {"event_id": "e", "status": "cancelled", "attended": []},
    ]
    figures = domain.figures(events, registrations)
    assert figures["registrations"] == 4 and figures["attendees"] == 3
    assert figures["attendees_by_ward"] == {"an-nhon": 2, "unknown": 1}
    assert figures["attendees_by_organization"] == {"unknown": 2, "doan-thanh-nien": 1}
    assert (figures["women"], figures["youth"]) == (1, 1)


async def test_cancelling_an_event_tells_every_registrant(world: World) -> None:
    event_id = await world.published(capacity=1)
    for n in range(2):
        await world.registrations.register(person(n), event_id, RegistrationFields())
    await world.events.cancel(ORGANIZER, event_id, "Hoãn vì mưa bão")
    told = world.told(EventCancelledV1)
    assert len(told) == 1 and sorted(told[0].registrant_ids) == ["p0", "p1"]


async def test_only_announcers_create_and_rules_across_fields(world: World) -> None:
    base = {
        "title": "Hội thảo",
        "kind": "seminar",
        "organizers": ["hdn"],
        "sittings": [{"starts_at": START, "ends_at": START + timedelta(hours=1)}],
        "capacity": 10,
    }
    with pytest.raises(Forbidden):
        await world.events.create(
            person(1), EventFields.model_validate({**base, "place": "Hội trường"})
        )
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "place_needed"),
        (
            {"place": "Hội trường", "sittings": [{"starts_at": START, "ends_at": START}]},
            "sitting_order",
        ),
        ({"place": "Hội trường", "min_sittings": 2}, "min_sittings"),
        (
            {
                "place": "Hội trường",
                "sittings": [
                    {"starts_at": NOW - timedelta(hours=2), "ends_at": NOW - timedelta(hours=1)}
                ],
            },
            "starts_in_past",
        ),
    ]
    for extra, expected in cases:
        with pytest.raises(Invalid) as refused:
            await world.events.create(ORGANIZER, EventFields.model_validate({**base, **extra}))
        assert reason(refused.value) == expected


async def test_organizing_units_are_checked_once_the_registry_of_organizations_exists(
    world: World,
) -> None:
    await world.published()  # any well-formed code while the read model is empty
    world.store.organizations = {"hoi-lhpn"}
    with pytest.raises(Invalid) as refused:
        await world.published()
    assert reason(refused.value) == "organizer_unknown"
    assert refused.value.details["codes"] == ["ubnd-an-nhon"]
    # A unit the Economic Division deactivated is no longer one a new event may name.
    await world.store.save_organization("ubnd-an-nhon", {"active": True}, 1)
    await world.published()
    await world.store.save_organization("ubnd-an-nhon", {"active": False}, 2)
    with pytest.raises(Invalid) as closed:
        await world.published()
    assert reason(closed.value) == "organizer_unknown"
    assert closed.value.details["codes"] == ["ubnd-an-nhon"]
    # Nor may it give a quota to a unit that closed, or to one nobody knows.
    await world.store.save_organization("ubnd-an-nhon", {"active": True}, 3)
    await world.store.save_organization("doan-cu", {"active": False}, 1)
    with pytest.raises(Invalid) as quota:
        await world.published(
            quotas=[Quota(organization="hoi-lhpn", seats=1), Quota(organization="doan-cu", seats=1)]
        )
    assert (reason(quota.value), quota.value.details["codes"]) == (
        "quota_unit_unknown",
        ["doan-cu"],
    )
    await world.published(quotas=[Quota(organization="hoi-lhpn", seats=1)])


async def test_erasure_keeps_figures_and_no_late_update_recreates_the_person(world: World) -> None:
    registered = UserRegisteredV1(
        user_id="p1", email="a@example.vn", full_name="Lê Thị Hoa", role=Role.FOUNDER, version=1
    )
    await world.people.user_saved(registered)
    event_id = await world.published(capacity=2)
    await world.registrations.register(person(1), event_id, RegistrationFields())
    await world.people.erase_person(
        UserDeletionRequestedV1(user_id="p1", request_id="r", requested_at=NOW)
    )
    await world.people.user_saved(registered.model_copy(update={"version": 2}))
    assert (await world.store.person("p1")) == {"erased": True}
    assert (await world.people.personal_data("p1"))["registrations"] == []
    listed = await world.registrations.registrations(ORGANIZER, event_id, None, 1, 10)
    assert [r.user_id for r in listed.items] == [pseudonym("p1")]
    assert listed.items[0].full_name is None


async def test_a_unit_registers_its_consenting_members_up_to_its_quota(world: World) -> None:
    from shared.contracts.rpc.events.registrations import MemberList

    union = Actor(id="doan", role=Role.ORGANIZER, organization="doan-phuong")
    event_id = await world.published(
        capacity=3, quotas=[Quota(organization="doan-phuong", seats=2)]
    )
    members = MemberList.model_validate(
        {
            "members": [
                {"user_id": "m1", "consent": True},
                {"user_id": "m2"},  # no consent recorded
                {"user_id": "m3", "consent": True},
                {"user_id": "m4", "consent": True},
            ]
        }
    )
    answer = await world.registrations.register_members(union, event_id, members)
    assert [(o.user_id, o.status, o.reason) for o in answer.outcomes] == [
        ("m1", "seat", None),
        ("m2", None, "member_consent"),
        ("m3", "seat", None),
        ("m4", None, "quota_full"),
    ]
    assert (answer.seats, answer.used) == (2, 2)
    again = await world.registrations.register_members(
        union,
        event_id,
        MemberList.model_validate({"members": [{"user_id": "m1", "consent": True}]}),
    )
    assert again.outcomes[0].reason == "quota_full"
    mine = await world.registrations.my_registrations(person(1, id="m1"), 1, 10)
    assert mine.items[0].code and world.store.registrations[mine.items[0].id]["consent_at"] == NOW
    view = await world.events.get(ORGANIZER, event_id)
    assert [(q.organization, q.seats, q.used) for q in view.quotas] == [("doan-phuong", 2, 2)]
    with pytest.raises(Forbidden) as refused:
        await world.registrations.register_members(ORGANIZER, event_id, members)
    assert reason(refused.value) == "no_quota"


async def test_quotas_must_fit_the_capacity(world: World) -> None:
    from shared.contracts.rpc.events.announcements import Quota

    with pytest.raises(Invalid) as refused:
        await world.published(capacity=3, quotas=[Quota(organization="doan", seats=4)])
    assert reason(refused.value) == "quota_over_capacity"


async def test_an_organization_saved_in_the_reference_data_may_organize() -> None:
    """The plan's units have codes with underscores (`youth_union`); once the organizations
    read model holds them, an event may name them and nobody else."""
    from shared.contracts.events.reference import OrganizationKind, OrganizationSavedV1

    world = World()
    await world.people.organization_saved(
        OrganizationSavedV1(
            code="youth_union", name="Đoàn Thanh niên Gò Vấp", kind=OrganizationKind.DISTRICT_UNIT
        )
    )
    assert await world.store.unknown_organizations(["youth_union", "khong-co"]) == ["khong-co"]
