"""The registry's contact read model on the real database server (issue 13): identity events
carry the account's version, the highest is kept, an older one is ignored, and after the
person's erasure a tombstone keeps any late update from recreating them (PDPL 91/2025)."""

from __future__ import annotations

from datetime import UTC, datetime

from pymongo import AsyncMongoClient

from services.registry.repository import INDEXES, StartupStore
from services.registry.service import Registry
from shared.contracts.events.identity import UserDeletionRequestedV1
from shared.infra.mongo import Document, ensure_indexes
from shared.infra.settings import Settings


def fields(name: str) -> dict[str, str]:
    return {"full_name": name, "email": "lan@example.vn", "role": "founder"}


async def test_the_highest_version_is_kept_and_erasure_is_final(
    mongo: AsyncMongoClient[Document], settings: Settings
) -> None:
    db = mongo[settings.database_name("registry")]
    await ensure_indexes(db, INDEXES)
    registry = Registry(StartupStore(db), outbox=None)  # type: ignore[arg-type]

    await registry.contact_saved("u1", fields("Nguyễn Thị Lan"), 1)
    await registry.contact_saved("u1", fields("Nguyễn Thị Lan Anh"), 3)
    await registry.contact_saved("u1", fields("Tên cũ"), 2)  # delivered late: older
    await registry.contact_saved("u1", fields("Nguyễn Thị Lan Anh"), 3)  # redelivered
    contact = await registry.store.contact("u1")
    assert contact is not None
    assert (contact["full_name"], contact["version"]) == ("Nguyễn Thị Lan Anh", 3)

    await registry.erase_person(
        UserDeletionRequestedV1(user_id="u1", request_id="r1", requested_at=datetime.now(UTC))
    )
    assert await registry.store.contact("u1") is None
    await registry.contact_saved("u1", fields("Nguyễn Thị Lan Anh"), 4)  # late update
    await registry.contact_saved("u1", fields("Nguyễn Thị Lan Anh"), None)  # unversioned
    assert await registry.store.contact("u1") is None
    kept = await db.contacts.find_one({"_id": "u1"})
    assert kept is not None
    assert "email" not in kept  # the tombstone holds no personal data
    assert (await registry.personal_data("u1"))["contact"] is None

    # an account without versions (older events) still gets its latest contact
    await registry.contact_saved("u2", fields("Trần Văn Minh"), None)
    await registry.contact_saved("u2", fields("Trần Minh"), None)
    assert (await registry.store.contact("u2") or {})["full_name"] == "Trần Minh"
