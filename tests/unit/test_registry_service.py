"""The registry's use cases against a fake repository and a recording outbox (no NATS, no
database): register, duplicates, stale versions, verification by staff."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.registry.search import StartupSearch
from services.registry.service import Startups
from shared.contracts.base import Actor, Conflict, Forbidden, Invalid, Role
from shared.contracts.events.registry import (
    StartupRegisteredV1,
    StartupStatus,
    StartupStatusChangedV1,
    StartupUpdatedV1,
)
from shared.contracts.rpc.registry import SearchStartups, StartupChanges, StartupFields
from tests.unit.fakes.outbox import RecordingOutbox
from tests.unit.fakes.registry import FakeStartups

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
FOUNDER = Actor(id="founder-1", role=Role.FOUNDER)
OTHER_FOUNDER = Actor(id="founder-2", role=Role.FOUNDER)
STAFF = Actor(id="staff-1", role=Role.ASSOCIATION_STAFF)


@pytest.fixture
def outbox() -> RecordingOutbox:
    return RecordingOutbox()


@pytest.fixture
def store(outbox: RecordingOutbox) -> FakeStartups:
    fake = FakeStartups(outbox)
    fake.wards["hanh-thong"] = {"_id": "hanh-thong", "valid_from": "2025-07-01", "version": 1}
    fake.wards["phuong-5"] = {
        "_id": "phuong-5",
        "valid_from": "2022-01-01",
        "valid_to": "2024-12-31",
        "version": 1,
    }
    fake.sectors["agritech"] = {"_id": "agritech", "name_vi": "Nông nghiệp", "version": 1}
    return fake


@pytest.fixture
def startups(store: FakeStartups, outbox: RecordingOutbox) -> Startups:
    return Startups(store, outbox, clock=lambda: NOW)


@pytest.fixture
def search(store: FakeStartups) -> StartupSearch:
    return StartupSearch(store)


def fields(**overrides: object) -> StartupFields:
    data: dict[str, object] = {
        "name": "Rau Sạch Gò Vấp",
        "summary": "Giao rau sạch từ vườn tới bếp trong ngày",
        "sector": "agritech",
        "stage": "idea",
        "ward": "hanh-thong",
        **overrides,
    }
    return StartupFields.model_validate(data)


async def test_a_founder_registers_a_startup_and_its_event_is_published(
    startups: Startups, outbox: RecordingOutbox, store: FakeStartups
) -> None:
    view = await startups.register(FOUNDER, fields())

    assert view.status == StartupStatus.SUBMITTED
    assert view.version == 1
    assert view.owner_id == FOUNDER.id
    (event,) = outbox.events()
    assert isinstance(event, StartupRegisteredV1)
    assert event.startup.startup_id == view.id
    assert event.actor_id == FOUNDER.id
    assert outbox.pending == {}  # flushed right after the write
    assert store.startups[view.id]["team"][0]["is_founder"] is True


async def test_only_founders_register(startups: Startups, outbox: RecordingOutbox) -> None:
    with pytest.raises(Forbidden):
        await startups.register(STAFF, fields())
    assert outbox.published == []


async def test_a_ward_no_longer_in_force_is_refused(startups: Startups) -> None:
    with pytest.raises(Invalid) as refused:
        await startups.register(FOUNDER, fields(ward="phuong-5"))
    assert refused.value.details["field"] == "ward"


async def test_the_same_name_twice_from_one_founder_is_a_conflict(
    startups: Startups, outbox: RecordingOutbox, store: FakeStartups
) -> None:
    first = await startups.register(FOUNDER, fields())
    with pytest.raises(Conflict) as conflict:
        await startups.register(FOUNDER, fields(name="rau sạch gò vấp"))

    assert conflict.value.details["existing"]["id"] == first.id
    assert len(store.startups) == 1
    assert len(outbox.published) == 1
    # another founder may use the same name
    await startups.register(OTHER_FOUNDER, fields())
    assert len(store.startups) == 2


async def test_an_edit_from_a_stale_version_is_a_conflict(
    startups: Startups, outbox: RecordingOutbox
) -> None:
    startup = await startups.register(FOUNDER, fields())
    edited = await startups.update(
        FOUNDER, startup.id, StartupChanges(version=1, summary="Giao rau sạch và trái cây mỗi ngày")
    )
    assert edited.version == 2

    with pytest.raises(Conflict) as conflict:
        await startups.update(
            FOUNDER, startup.id, StartupChanges(version=1, summary="Một bản sửa cũ hơn nhiều")
        )
    assert conflict.value.details["current_version"] == 2
    assert [type(e) for e in outbox.events()] == [StartupRegisteredV1, StartupUpdatedV1]


async def test_a_lost_race_between_read_and_write_is_a_conflict(
    startups: Startups, store: FakeStartups
) -> None:
    startup = await startups.register(FOUNDER, fields())
    real_get = store.get

    async def read_then_someone_else_writes(startup_id: str) -> dict[str, object] | None:
        doc = await real_get(startup_id)
        store.startups[startup_id]["version"] += 1  # a concurrent writer won
        return doc

    store.get = read_then_someone_else_writes  # type: ignore[method-assign]
    with pytest.raises(Conflict):
        await startups.change_status(STAFF, startup.id, StartupStatus.VERIFIED)


async def test_staff_verify_a_startup_and_it_becomes_listed(
    startups: Startups, search: StartupSearch, outbox: RecordingOutbox
) -> None:
    startup = await startups.register(FOUNDER, fields())
    before = await search.search(None, SearchStartups())
    assert before.total == 0

    verified = await startups.change_status(STAFF, startup.id, StartupStatus.VERIFIED)

    assert verified.status == StartupStatus.VERIFIED
    assert verified.version == 2
    changed = outbox.of_type(StartupStatusChangedV1)
    assert len(changed) == 1
    assert changed[0].from_status == StartupStatus.SUBMITTED  # type: ignore[attr-defined]
    assert changed[0].to_status == StartupStatus.VERIFIED  # type: ignore[attr-defined]
    after = await search.search(None, SearchStartups())
    assert [item.id for item in after.items] == [startup.id]
    history = await startups.history(FOUNDER, startup.id)
    assert [entry.to_status for entry in history.items] == ["submitted", "verified"]


async def test_a_founder_cannot_verify_their_own_startup(
    startups: Startups, outbox: RecordingOutbox
) -> None:
    startup = await startups.register(FOUNDER, fields())
    with pytest.raises(Forbidden):
        await startups.change_status(FOUNDER, startup.id, StartupStatus.VERIFIED)
    assert len(outbox.published) == 1


async def test_a_rejection_needs_a_reason(startups: Startups) -> None:
    startup = await startups.register(FOUNDER, fields())
    with pytest.raises(Invalid):
        await startups.change_status(STAFF, startup.id, StartupStatus.REJECTED)


async def test_history_names_only_the_fields_that_changed(
    startups: Startups, store: FakeStartups, outbox: RecordingOutbox
) -> None:
    """An edit form sends every field: clearing fields never filled in is no change, so
    the history and the event name the renamed field alone (QA finding 7)."""
    startup = await startups.register(FOUNDER, fields(website="https://rau.vn"))
    await startups.update(
        FOUNDER,
        startup.id,
        StartupChanges.model_validate(
            {
                "version": 1,
                "name": "Rau Sạch Hạnh Thông",
                "summary": "Giao rau sạch từ vườn tới bếp trong ngày",
                "sector": "agritech",
                "founding_date": None,
                "founder_birth_year": None,
                "tax_code": None,
                "website": "https://rau.vn/",
            }
        ),
    )
    event = outbox.events()[-1]
    assert isinstance(event, StartupUpdatedV1)
    assert list(event.changed) == ["name"]
    assert store.startups[startup.id]["history"][-1]["changed"] == ["name"]

    # Clearing a field that holds a value is a change.
    await startups.update(
        FOUNDER, startup.id, StartupChanges.model_validate({"version": 2, "website": None})
    )
    event = outbox.events()[-1]
    assert isinstance(event, StartupUpdatedV1) and list(event.changed) == ["website"]


async def test_typed_words_find_a_startup_by_the_start_of_its_words(
    startups: Startups, search: StartupSearch
) -> None:
    """Search as you type reads the indexed keys ("rau s" is a word pair), accents and case
    aside; a visitor sees a submitted startup only once staff verify it."""
    mine = await startups.register(FOUNDER, fields())
    await startups.register(OTHER_FOUNDER, fields(name="Cà Phê Muối", summary="Quán cà phê"))

    found = await search.search(STAFF, SearchStartups(q="RAU s"))
    assert [item.id for item in found.items] == [mine.id]
    assert (await search.search(None, SearchStartups(q="rau sach"))).items == []

    await startups.change_status(STAFF, mine.id, StartupStatus.VERIFIED)
    seen = await search.search(None, SearchStartups(q="gò vấp"))
    assert [item.id for item in seen.items] == [mine.id]
    assert not seen.total_is_estimate


async def test_startups_stored_before_search_keys_are_numbered_and_found(
    startups: Startups, search: StartupSearch, store: FakeStartups
) -> None:
    """The start-up backfill gives older startups (no `search_keys`) a number and keys."""
    startup = await startups.register(FOUNDER, fields())
    older = store.startups[startup.id]
    del older["search_keys"], older["search_seq"]
    assert (await search.search(STAFF, SearchStartups(q="rau"))).items == []

    assert await search.index_for_search(batch=10) == 1

    assert store.startups[startup.id]["search_seq"] == 2
    found = await search.search(STAFF, SearchStartups(q="rau"))
    assert [item.id for item in found.items] == [startup.id]
    assert await search.index_for_search() == 0
