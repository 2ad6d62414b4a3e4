"""Certificates of competitions (issue 17): winners, participants and judges, issued when
results are published, kept here and answered on `rpc.competitions.certificates.*`.

The code (`CT-` + 120 random bits) is the document's id: unguessable, so the public
verification by code shows nothing anyone could enumerate. One certificate per competition,
kind and holder (a unique key), so issuing again after a crash issues nothing twice."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from services.competitions import domain
from services.competitions.ports import CompetitionRepository
from services.competitions.records import stale
from services.competitions.repository import (
    CERTIFICATES,
    COMPETITIONS,
    ENTRIES,
    PEOPLE,
    SCHOOLS,
)
from services.competitions.results import public_name
from shared.contracts.base import Actor, NotFound, Page
from shared.contracts.rpc.certificates import (
    CertificateKind,
    CertificateView,
    new_certificate_code,
)
from shared.i18n import enum_label
from shared.infra.logging import get_logger
from shared.infra.mongo import AlreadyExists, Document
from shared.infra.periodic import run_every
from shared.localtime import local_date

log = get_logger(__name__)
ISSUER = "Gò Vấp InnoHub"


def certificate_view(doc: Document) -> CertificateView:
    """A stored certificate as the contract's view."""
    return CertificateView.model_validate({**doc, "code": doc["_id"]})


class Certificates:
    """Issue, read, list and revoke competition certificates. `store` is the repository
    port, `clock` gives aware UTC moments."""

    def __init__(self, store: CompetitionRepository, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock

    async def issue_for(self, competition: Document) -> int:
        """Issue the certificates of a competition whose results are published: a winner's
        (with the prize) for each winning entry, a participant's for every other entry not
        withdrawn, a judge's for every judge of every round. Idempotent; how many were new.
        """
        winners = {
            row["entry_id"]: row for row in competition.get("results") or [] if row.get("winner")
        }
        entries = await self.store.find(ENTRIES, {"competition_id": competition["_id"]})
        issued = 0
        for entry in entries:
            if entry.get("withdrawn"):
                continue
            row = winners.get(entry["_id"])
            kind = CertificateKind.WINNER if row else CertificateKind.PARTICIPANT
            holder_id = entry["entrant_id"] if entry.get("startup_id") else None
            issued += await self._issue(
                competition,
                kind,
                key=entry["_id"],
                holder_id=holder_id,
                owner_id=entry["entrant_id"],
                holder_name=await self._entrant_name(entry),
                detail=row.get("prize") if row else entry["title"],
            )
        judges = {
            j["id"]
            for r in [*(competition.get("past_rounds") or []), competition]
            for j in r.get("judges") or []
        }
        for judge_id in sorted(judges):
            person = await self.store.read_model(PEOPLE, judge_id)
            if person is None or not person.get("full_name"):
                continue  # erased, or never known: nobody to name
            issued += await self._issue(
                competition,
                CertificateKind.JUDGE,
                key=judge_id,
                holder_id=judge_id,
                owner_id=judge_id,
                holder_name=str(person["full_name"]),
                detail=None,
            )
        marked = {"certificates_issued_at": self.clock()}
        # Marked done (a lost race leaves it for the sweep, which issues nothing twice).
        await self.store.update(
            COMPETITIONS, competition["_id"], competition["version"], marked, []
        )
        log.info("certificates.issued", competition_id=competition["_id"], issued=issued)
        return issued

    async def issue_pending(self) -> int:
        """Issue the certificates of every competition whose results are out but whose
        certificates were never marked issued (a crash right after publishing); how many
        certificates were new."""
        issued = 0
        for competition in await self.store.competitions_awaiting_certificates():
            issued += await self.issue_for(competition)
        return issued

    async def run(self, interval: float, stop: asyncio.Event) -> None:
        """Run `issue_pending` every `interval` seconds until `stop` is set; a failed sweep
        is logged (`certificates.sweep.failed`) and the next one tries again."""
        await run_every(interval, stop, self.issue_pending, "certificates.sweep")

    async def _entrant_name(self, entry: Document) -> str:
        if entry.get("startup_id"):
            person = await self.store.read_model(PEOPLE, entry["entrant_id"])
            name = (person or {}).get("full_name")
            startup = entry.get("startup_name") or entry["title"]
            return f"{name} — {startup}" if name else str(startup)
        school = await self.store.read_model(SCHOOLS, str(entry.get("school")))
        return public_name(entry, (school or {}).get("name"))

    async def _issue(
        self,
        competition: Document,
        kind: CertificateKind,
        *,
        key: str,
        holder_id: str | None,
        owner_id: str | None,
        holder_name: str,
        detail: str | None,
    ) -> int:
        organization = competition.get("organization")
        issuer = (enum_label("Referral", organization, "vi") if organization else None) or ISSUER
        doc: Document = {
            "_id": new_certificate_code("CT"),
            "key": f"{competition['_id']}:{kind.value}:{key}",
            "kind": kind.value,
            "holder_id": holder_id,
            "owner_id": owner_id,
            "holder_name": holder_name,
            "subject_id": competition["_id"],
            "subject_title": competition["title"],
            "detail": detail,
            "issuer": issuer,
            "issued_on": local_date(self.clock()).isoformat(),
            "organizer_id": competition.get("organizer_id"),
            "organization": organization,
            "revoked": False,
            "issued_at": self.clock(),
            "version": 1,
        }
        try:
            await self.store.insert(CERTIFICATES, doc, [])
        except AlreadyExists:
            return 0
        return 1

    async def get(self, code: str) -> CertificateView:
        """The certificate with `code`. Raises `NotFound`."""
        doc = await self.store.get(CERTIFICATES, code)
        if doc is None:
            raise NotFound("không tìm thấy chứng nhận", code=code)
        return certificate_view(doc)

    async def mine(self, user_id: str, page: int, page_size: int) -> Page[CertificateView]:
        """The certificates of one account (issued to them, or to the school team they
        entered), newest first."""
        query = {"owner_id": user_id}
        docs = await self.store.find(
            CERTIFICATES,
            query,
            sort=[("issued_at", -1)],
            skip=(page - 1) * page_size,
            limit=page_size,
        )
        total = await self.store.count(CERTIFICATES, query)
        return Page[CertificateView](
            items=[certificate_view(d) for d in docs], total=total, page=page, page_size=page_size
        )

    async def revoke(self, actor: Actor, code: str, reason: str) -> CertificateView:
        """Revoke a certificate with a reason: the competition's managers only. A second
        revocation keeps the first reason. Raises `NotFound`, `Forbidden`, `Conflict` (a
        concurrent change)."""
        doc = await self.store.get(CERTIFICATES, code)
        if doc is None:
            raise NotFound("không tìm thấy chứng nhận", code=code)
        domain.check_manager(actor, doc)
        if doc.get("revoked"):
            return certificate_view(doc)
        changes = {
            "revoked": True,
            "revoked_reason": reason,
            "revoked_at": self.clock(),
            "revoked_by": actor.id,
        }
        saved = await self.store.update(CERTIFICATES, code, doc["version"], changes, [])
        if saved is None:
            raise stale()
        log.info("certificate.revoked", code=code)
        return certificate_view(saved)
