"""Certificates of attendance in MongoDB: one per attendee and event (a unique index), by
code; revoked once, keeping the first reason."""

from __future__ import annotations

from datetime import datetime

from pymongo import DESCENDING

from services.events.repository.schema import CERTIFICATES, HIDDEN
from shared.infra.mongo import AggregateCollection, AlreadyExists, Database, Document


class MongoCertificateStore:
    """The `certificates` collection, behind the `ports.CertificateStore` protocol."""

    def __init__(self, db: Database) -> None:
        self.certificates = AggregateCollection(db[CERTIFICATES], HIDDEN)

    async def insert_certificate(self, doc: Document) -> bool:
        """Store a certificate; False when the attendee already has one for the event."""
        try:
            await self.certificates.insert(doc, None)
        except AlreadyExists:
            return False
        return True

    async def certificate(self, code: str) -> Document | None:
        """A certificate by its code, or None."""
        return await self.certificates.get(code)

    async def certificate_for(self, event_id: str, holder_id: str) -> Document | None:
        """The attendee's certificate for the event, or None."""
        found = await self.certificates.find(
            {"subject_id": event_id, "holder_id": holder_id}, limit=1
        )
        return found[0] if found else None

    async def page_certificates(
        self, holder_id: str, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        """A holder's certificates, newest first, and how many."""
        return await self.certificates.page(
            {"holder_id": holder_id}, sort=[("issued_at", DESCENDING)], skip=skip, limit=limit
        )

    async def revoke_certificate(self, code: str, reason: str, at: datetime) -> None:
        """Mark a certificate revoked, keeping the first reason."""
        await self.certificates.collection.update_one(
            {"_id": code, "revoked": False},
            {"$set": {"revoked": True, "revoked_reason": reason, "revoked_at": at}},
        )
