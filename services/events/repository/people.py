"""The read models kept from other services' events in MongoDB: people (from identity
events, with a tombstone once erased) and organizations (from reference events); and a
person's data across the events database, exported or erased."""

from __future__ import annotations

from typing import Any

from services.events.repository.schema import (
    CERTIFICATES,
    HIDDEN,
    ORGANIZATIONS,
    PEOPLE,
    REGISTRATIONS,
)
from shared.infra.mongo import AggregateCollection, Database, Document


class MongoPeopleStore:
    """The `people` read model, and each person's registrations and certificates, behind
    the `ports.PeopleStore` protocol."""

    def __init__(self, db: Database) -> None:
        self.people = AggregateCollection(db[PEOPLE], HIDDEN)
        self.registrations = AggregateCollection(db[REGISTRATIONS], HIDDEN)
        self.certificates = AggregateCollection(db[CERTIFICATES], HIDDEN)

    async def save_person(self, user_id: str, fields: Document, version: int | None) -> None:
        """Keep a person's name and organization, unless a newer version or a tombstone
        is kept (an erased person is never recreated)."""
        current = await self.people.get(user_id)
        if current and current.get("erased"):
            return
        if version is None:
            if current is None or current.get("version") is None:
                await self.people.upsert(user_id, fields)
            return
        await self.people.upsert_if_newer(user_id, fields, version)

    async def person(self, user_id: str) -> Document | None:
        """What is known of a person, or None (a tombstone has `erased`)."""
        return await self.people.get(user_id)

    async def people_named(self, user_ids: list[str]) -> dict[str, str]:
        """Id → full name of those known."""
        found = await self.people.find({"_id": {"$in": user_ids}})
        return {doc["_id"]: doc["full_name"] for doc in found if doc.get("full_name")}

    async def erase_person(self, user_id: str, alias: str) -> None:
        """Keep only a tombstone of the person; their registrations and certificates keep
        the figures under `alias` with nothing that points back to them."""
        await self.people.collection.replace_one(
            {"_id": user_id}, {"_id": user_id, "erased": True, "version": 1 << 62}, upsert=True
        )
        await self.registrations.collection.update_many(
            {"user_id": user_id},
            {"$set": {"user_id": alias}, "$unset": {"full_name": "", "check_ins": ""}},
        )
        await self.certificates.collection.update_many(
            {"holder_id": user_id},
            {"$set": {"holder_id": alias, "holder_name": "—"}},
        )

    async def personal_data(self, user_id: str) -> dict[str, Any]:
        """Everything kept about a person: registrations and certificates."""
        registrations = await self.registrations.find({"user_id": user_id})
        certificates = await self.certificates.find({"holder_id": user_id})
        return {"registrations": registrations, "certificates": certificates}


class MongoOrganizationStore:
    """The `organizations` read model, by code, behind the `ports.OrganizationStore`
    protocol."""

    def __init__(self, db: Database) -> None:
        self.organizations = AggregateCollection(db[ORGANIZATIONS], HIDDEN)

    async def save_organization(self, code: str, fields: Document, version: int) -> None:
        """Keep an organization's snapshot unless a newer version is already kept."""
        await self.organizations.upsert_if_newer(code, fields, version)

    async def unknown_organizations(self, codes: list[str]) -> list[str]:
        """The codes the organizations read model does not hold as an active organization
        (unknown, or deactivated by the Economic Division), once it holds any (until then
        every well-formed code is accepted: the registry is not there yet)."""
        if await self.organizations.count() == 0:
            return []
        known = await self.organizations.find(
            {"_id": {"$in": codes}, "active": {"$ne": False}}, projection={"_id": 1}
        )
        found = {doc["_id"] for doc in known}
        return [code for code in codes if code not in found]
