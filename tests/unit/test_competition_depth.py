"""Competition depth against the fakes (issue 17, issue 13): an entry racing the start of
judging either makes it in or is refused as late; withdrawal and draft edits; certificates
issued once; public names of school teams only with consent; rounds migrate on read."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.competitions.certificates import Certificates
from services.competitions.records import rounds_of
from services.competitions.repository import CERTIFICATES, COMPETITIONS, ENTRIES, PEOPLE, STARTUPS
from services.competitions.results import public_name
from shared.contracts.base import Actor, Conflict, Envelope, Forbidden, Invalid, NotFound, Role
from shared.contracts.rpc.competitions.contests import CompetitionPatch
from shared.contracts.rpc.competitions.entries import EntryFields
from shared.infra.mongo import Document
from tests.unit.fakes.competitions import FakeCompetitionStore
from tests.unit.test_competitions_service import (
    FOUNDER,
    JUDGE,
    ORGANIZER,
    START,
    World,
    entry,
    fields,
    published,
)


@pytest.fixture
def world() -> World:
    return World()


async def test_an_entry_judging_started_under_is_refused_as_late_and_not_kept(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    competition_id = await published(world)
    await world.judging.assign_judge(ORGANIZER, competition_id, JUDGE.id)
    store: FakeCompetitionStore = world.store
    real_insert = store.insert

    async def insert_then_judging_starts(
        collection: str, doc: Document, events: list[Envelope]
    ) -> None:
        await real_insert(collection, doc, events)
        if collection == ENTRIES:
            # the deadline passes and another copy starts judging between the two writes
            world.clock.now = START + timedelta(days=10, seconds=1)
            before = store.collections[COMPETITIONS][competition_id]
            saved = dict(before)
            del store.collections[ENTRIES][doc["_id"]]  # its plan was read before the insert
            await world.judging.start_if_due(saved)
            store.collections[ENTRIES][doc["_id"]] = dict(doc)

    monkeypatch.setattr(store, "insert", insert_then_judging_starts)
    with pytest.raises(Conflict):
        await world.entries.submit(FOUNDER, competition_id, entry())
    kept = next(iter(store.collections[ENTRIES].values()))
    assert kept["late"] is True and kept["withdrawn"] is True
    doc = store.collections[COMPETITIONS][competition_id]
    assert doc["status"] == "judging" and doc["assignments"] == []
    assert "EntrySubmittedV1" not in [type(e).__name__ for e in world.outbox.events()]


async def test_an_entry_recorded_before_judging_starts_is_judged(world: World) -> None:
    competition_id = await published(world)
    await world.judging.assign_judge(ORGANIZER, competition_id, JUDGE.id)
    submitted = await world.entries.submit(FOUNDER, competition_id, entry())
    world.clock.now = START + timedelta(days=11)
    await world.judging.start_due()
    plan = world.store.collections[COMPETITIONS][competition_id]["assignments"]
    assert [a["entry_id"] for a in plan] == [submitted.id]


async def test_withdrawal_before_the_deadline_frees_the_startup_to_enter_again(
    world: World,
) -> None:
    competition_id = await published(world)
    submitted = await world.entries.submit(FOUNDER, competition_id, entry())
    with pytest.raises(Forbidden):
        await world.entries.withdraw(Actor(id="someone", role=Role.FOUNDER), submitted.id)
    withdrawn = await world.entries.withdraw(FOUNDER, submitted.id)
    assert withdrawn.withdrawn_at is not None
    view = await world.competitions.get(None, competition_id)
    assert view.entries == 0
    again = await world.entries.submit(FOUNDER, competition_id, entry())
    world.clock.now = START + timedelta(days=10)
    with pytest.raises(Conflict):
        await world.entries.withdraw(FOUNDER, again.id)


async def test_a_draft_is_edited_with_its_version_and_only_as_a_draft(world: World) -> None:
    created = await world.competitions.create(ORGANIZER, fields())
    patch = CompetitionPatch(version=created.version, title="Khởi nghiệp trẻ 2026 (sửa)")
    edited = await world.competitions.edit(ORGANIZER, created.id, patch)
    assert edited.title == "Khởi nghiệp trẻ 2026 (sửa)" and edited.version == created.version + 1
    with pytest.raises(Conflict):  # stale
        await world.competitions.edit(ORGANIZER, created.id, patch)
    late = CompetitionPatch(version=edited.version, entry_deadline=START - timedelta(days=1))
    with pytest.raises(Invalid, match="tương lai"):
        await world.competitions.edit(ORGANIZER, created.id, late)
    await world.competitions.publish(ORGANIZER, created.id)
    current = world.store.collections[COMPETITIONS][created.id]["version"]
    with pytest.raises(Conflict):
        await world.competitions.edit(
            ORGANIZER, created.id, CompetitionPatch(version=current, title="Không được nữa")
        )


async def test_certificates_are_issued_once_and_revoked_by_the_organizer(world: World) -> None:
    competition_id = await published(world)
    await world.judging.assign_judge(ORGANIZER, competition_id, JUDGE.id)
    world.store.collections[PEOPLE][JUDGE.id]["full_name"] = "Trần Văn Giám"
    world.store.collections[PEOPLE][FOUNDER.id] = {"_id": FOUNDER.id, "full_name": "Lê Thị Ánh"}
    submitted = await world.entries.submit(FOUNDER, competition_id, entry())
    world.clock.now = START + timedelta(days=11)
    await world.scoring.submit_scores(JUDGE, submitted.id, {"Tính mới": 8, "Khả thi": 6})
    results = await world.results.publish_results(ORGANIZER, competition_id)
    assert results.rows[0].winner and results.rows[0].prize == "Giải Nhất"

    issuer = Certificates(world.store, world.clock)
    doc = world.store.collections[COMPETITIONS][competition_id]
    assert await issuer.issue_for(doc) == 2
    assert await issuer.issue_for(doc) == 0  # once
    mine = await issuer.mine(FOUNDER.id, 1, 10)
    assert [(c.kind, c.holder_name, c.detail) for c in mine.items] == [
        ("winner", "Lê Thị Ánh — Rau Sạch", "Giải Nhất")
    ]
    code = mine.items[0].code
    with pytest.raises(Forbidden):
        await issuer.revoke(
            Actor(id="x", role=Role.ORGANIZER, organization="khac"), code, "không phải của bạn"
        )
    revoked = await issuer.revoke(ORGANIZER, code, "trao nhầm")
    assert revoked.valid is False
    again = await issuer.revoke(ORGANIZER, code, "lý do khác")
    assert again.revoked_reason == "trao nhầm"
    assert len(world.store.collections[CERTIFICATES]) == 2


def test_students_are_named_only_when_every_one_of_them_consented() -> None:
    consent = {"student_agreed": True, "guardian_agreed": True}
    second = dict(consent)
    team = {
        "school": "thcs-go-vap",
        "team": {
            "name": "Đội Ong Vàng",
            "students": [
                {"full_name": "Lê Minh Khôi", "consent": {**consent, "name_public": True}},
                {"full_name": "Trần Bảo Anh", "consent": second},
            ],
        },
    }
    assert public_name(team, "THCS Gò Vấp") == "Nhóm học sinh trường THCS Gò Vấp"
    second["name_public"] = True  # now every one of them consented
    assert public_name(team, "THCS Gò Vấp") == "Lê Minh Khôi, Trần Bảo Anh"


def test_a_competition_stored_before_rounds_reads_as_one_round() -> None:
    doc = {
        "judging_deadline": START,
        "rubric": {"criteria": [{"name": "A", "weight": 1}]},
        "judges_per_entry": 2,
        "judges": [{"id": "j"}],
    }
    rounds = rounds_of(doc, manager=True)
    assert [(r["number"], r["normalisation"], r["judges"]) for r in rounds] == [
        (1, "z_score", ["j"])
    ]


class FakeRegistry:
    """The registry's answer to `GetStartup`, as the entrant sees it."""

    def __init__(self, answer: tuple[int, dict[str, object]] | None) -> None:
        self.answer = answer
        self.asked: list[str] = []

    async def startup(self, actor: Actor, startup_id: str) -> tuple[int, dict[str, object]] | None:
        self.asked.append(startup_id)
        return self.answer


def verified(version: int) -> tuple[int, dict[str, object]]:
    return version, {
        "owner_id": FOUNDER.id,
        "name": "Rau Sạch",
        "ward": "hanh-thong",
        "status": "verified",
        "team_size": 3,
    }


async def test_entering_right_after_verification_asks_the_registry(world: World) -> None:
    """Read-your-writes: the read model has not seen the startup yet (or not its
    verification); the registry's newer answer is used and kept at its version."""
    registry = FakeRegistry(verified(3))
    world.entries.registry = registry
    created = await world.competitions.create(
        ORGANIZER, fields(eligibility={"entrants": "startup", "verified_only": True})
    )
    await world.competitions.publish(ORGANIZER, created.id)
    world.store.collections[STARTUPS]["s1"]["status"] = "pending"  # verification not seen yet

    submitted = await world.entries.submit(FOUNDER, created.id, entry())

    assert submitted.startup_name == "Rau Sạch"
    assert registry.asked == ["s1"]
    assert world.store.collections[STARTUPS]["s1"]["version"] == 3
    assert world.store.collections[STARTUPS]["s1"]["status"] == "verified"


async def test_an_unknown_startup_the_registry_does_not_show_is_refused(world: World) -> None:
    world.entries.registry = FakeRegistry(None)
    competition_id = await published(world)
    del world.store.collections[STARTUPS]["s1"]
    with pytest.raises(Invalid, match="không tìm thấy dự án"):
        await world.entries.submit(FOUNDER, competition_id, entry())


async def test_an_older_registry_answer_does_not_override_the_read_model(world: World) -> None:
    world.entries.registry = FakeRegistry((1, {**verified(1)[1], "owner_id": "someone"}))
    competition_id = await published(world)
    world.store.collections[STARTUPS]["s1"]["owner_id"] = "another"  # really not theirs
    with pytest.raises(Forbidden):
        await world.entries.submit(FOUNDER, competition_id, entry())


async def test_erasure_puts_a_tombstone_wherever_the_person_was(world: World) -> None:
    """Judge, conflict, assignment, organizer, council, review and certificate: the id
    becomes the marker; a late account update cannot bring the person back."""
    from datetime import UTC, datetime

    from services.competitions.read_models import ReadModels, pseudonym
    from services.competitions.repository import INITIATIVES
    from shared.contracts.events.identity import UserDeletionRequestedV1, UserUpdatedV1

    competition_id = await published(world)
    await world.judging.assign_judge(ORGANIZER, competition_id, JUDGE.id)
    submitted = await world.entries.submit(FOUNDER, competition_id, entry())
    await world.judging.declare_conflict(JUDGE, submitted.id, "người quen của đội")
    world.store.collections[INITIATIVES]["i1"] = {
        "_id": "i1",
        "council": [JUDGE.id, "other"],
        "reviews": [{"member_id": JUDGE.id, "in_favour": True}],
        "filed_by": "someone",
        "authors": [],
        "version": 1,
    }
    world.store.collections[CERTIFICATES]["CT-X"] = {
        "_id": "CT-X",
        "holder_id": JUDGE.id,
        "owner_id": JUDGE.id,
        "holder_name": "Trần Văn Giám",
        "version": 1,
    }
    models = ReadModels(world.store)
    when = datetime(2026, 3, 3, tzinfo=UTC)
    for user_id in (JUDGE.id, ORGANIZER.id):
        await models.erase_person(
            UserDeletionRequestedV1(user_id=user_id, request_id="r", requested_at=when)
        )

    marker = pseudonym(JUDGE.id)
    doc = world.store.collections[COMPETITIONS][competition_id]
    assert [j["id"] for j in doc["judges"]] == [marker]
    assert [c["judge_id"] for c in doc["conflicts"]] == [marker]
    assert doc["organizer_id"] == pseudonym(ORGANIZER.id)
    initiative = world.store.collections[INITIATIVES]["i1"]
    assert initiative["council"] == [marker, "other"]
    assert initiative["reviews"][0]["member_id"] == marker
    certificate = world.store.collections[CERTIFICATES]["CT-X"]
    assert certificate["holder_id"] == certificate["owner_id"] == marker
    assert "Giám" not in certificate["holder_name"]
    assert JUDGE.id not in str(world.store.collections[COMPETITIONS])

    late = UserUpdatedV1(
        user_id=JUDGE.id,
        email="gk@example.vn",
        full_name="Trần Văn Giám",
        role=Role.JUDGE,
        version=7,
    )
    await models.user_saved(late)
    person = world.store.collections[PEOPLE][JUDGE.id]
    assert person["erased"] is True and person["full_name"] is None
    with pytest.raises(NotFound):
        await world.judging.assign_judge(ORGANIZER, competition_id, JUDGE.id)


async def test_an_older_account_event_does_not_replace_a_newer_one(world: World) -> None:
    from services.competitions.read_models import ReadModels
    from shared.contracts.events.identity import UserUpdatedV1

    models = ReadModels(world.store)

    def updated(name: str, version: int | None) -> UserUpdatedV1:
        return UserUpdatedV1(
            user_id="u9", email="a@b.vn", full_name=name, role=Role.JUDGE, version=version
        )

    await models.user_saved(updated("Tên mới", 3))
    await models.user_saved(updated("Tên cũ", 2))
    await models.user_saved(updated("Không phiên bản", None))
    assert world.store.collections[PEOPLE]["u9"]["full_name"] == "Tên mới"


async def test_certificates_lost_to_a_crash_after_publishing_are_issued_by_the_sweep(
    world: World,
) -> None:
    competition_id = await published(world)
    await world.judging.assign_judge(ORGANIZER, competition_id, JUDGE.id)
    world.store.collections[PEOPLE][JUDGE.id]["full_name"] = "Trần Văn Giám"
    submitted = await world.entries.submit(FOUNDER, competition_id, entry())
    world.clock.now = START + timedelta(days=11)
    await world.scoring.submit_scores(JUDGE, submitted.id, {"Tính mới": 8, "Khả thi": 6})
    await world.results.publish_results(ORGANIZER, competition_id)  # no issuer wired

    sweep = Certificates(world.store, world.clock)
    assert await sweep.issue_pending() == 2
    assert world.store.collections[COMPETITIONS][competition_id]["certificates_issued_at"]
    assert await sweep.issue_pending() == 0
    personal = await world.competitions.personal_data(FOUNDER.id)
    assert [c["kind"] for c in personal["certificates"]] == ["winner"]


async def test_results_wait_for_owed_scores_until_the_deadline_then_list_the_unscored(
    world: World,
) -> None:
    competition_id = await published(world)
    await world.judging.assign_judge(ORGANIZER, competition_id, JUDGE.id)
    other = Actor(id="founder-2", role=Role.FOUNDER)
    world.store.collections[STARTUPS]["s2"] = {
        **world.store.collections[STARTUPS]["s1"],
        "_id": "s2",
        "owner_id": other.id,
        "name": "Robot tưới cây",
    }
    scored = await world.entries.submit(FOUNDER, competition_id, entry())
    unscored = await world.entries.submit(
        other,
        competition_id,
        EntryFields(startup_id="s2", title="Robot tưới cây", description="Tưới theo độ ẩm"),
    )
    world.clock.now = START + timedelta(days=11)
    await world.scoring.submit_scores(JUDGE, scored.id, {"Tính mới": 8, "Khả thi": 6})
    # Before the judging deadline an entry still owed a score cannot drop out silently.
    with pytest.raises(Conflict) as owed:
        await world.results.publish_results(ORGANIZER, competition_id)
    assert owed.value.details["reason"] == "scores_missing"
    assert (owed.value.details["entries"], owed.value.details["scores"]) == (1, 1)
    assert owed.value.details["entry_ids"] == [unscored.id]
    judging = await world.judging.judging(ORGANIZER, competition_id)
    assert judging.scored == {JUDGE.id: 1} and judging.load == {JUDGE.id: 2}
    # Past it, the results are published and the unscored entry is listed, unranked.
    world.clock.now = START + timedelta(days=21)
    results = await world.results.publish_results(ORGANIZER, competition_id)
    assert [row.entry_id for row in results.rows] == [scored.id]
    assert [(u.entry_id, u.title) for u in results.unscored] == [(unscored.id, "Robot tưới cây")]
