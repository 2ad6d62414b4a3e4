"""The registry's contact read model on the real database server (issue 13): identity events
carry the account's version, the highest is kept, an older one is ignored, and after the
person's erasure a tombstone keeps any late update from recreating them (PDPL 91/2025)."""

from __future__ import annotations

from datetime import UTC, datetime

from pymongo import AsyncMongoClient

from services.registry.personal_data import PersonalData
from services.registry.read_models import ReadModels
from services.registry.repository import INDEXES, StartupStore
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
    store = StartupStore(db)
    models, personal = ReadModels(store), PersonalData(store)

    await models.contact_saved("u1", fields("Nguyễn Thị Lan"), 1)
    await models.contact_saved("u1", fields("Nguyễn Thị Lan Anh"), 3)
    await models.contact_saved("u1", fields("Tên cũ"), 2)  # delivered late: older
    await models.contact_saved("u1", fields("Nguyễn Thị Lan Anh"), 3)  # redelivered
    contact = await store.contact("u1")
    assert contact is not None
    assert (contact["full_name"], contact["version"]) == ("Nguyễn Thị Lan Anh", 3)

    await personal.erase(
        UserDeletionRequestedV1(user_id="u1", request_id="r1", requested_at=datetime.now(UTC))
    )
    assert await store.contact("u1") is None
    await models.contact_saved("u1", fields("Nguyễn Thị Lan Anh"), 4)  # late update
    await models.contact_saved("u1", fields("Nguyễn Thị Lan Anh"), None)  # unversioned
    assert await store.contact("u1") is None
    kept = await db.contacts.find_one({"_id": "u1"})
    assert kept is not None
    assert "email" not in kept  # the tombstone holds no personal data
    assert (await personal.export("u1"))["contact"] is None

    # an account without versions (older events) still gets its latest contact
    await models.contact_saved("u2", fields("Trần Văn Minh"), None)
    await models.contact_saved("u2", fields("Trần Minh"), None)
    assert (await store.contact("u2") or {})["full_name"] == "Trần Minh"
