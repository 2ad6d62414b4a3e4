"""Reference data use cases: wards (with validity and predecessors), schools, sectors and
the organizations accounts belong to."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
import uuid
from datetime import UTC, date, datetime
from typing import Any

from faststream.nats import NatsBroker

from services.gateway import seed
from services.gateway.repository import (
    ORGANIZATIONS,
    SCHOOLS,
    SECTORS,
    WARDS,
    CodeTaken,
    ReferenceStore,
)
from shared.contracts.base import Conflict, Envelope, Event, Invalid, NotFound
from shared.contracts.events.reference import (
    OrganizationSavedV1,
    SchoolSavedV1,
    SectorSavedV1,
    WardSavedV1,
)
from shared.infra.broker import publish_event
from shared.infra.logging import get_logger
from shared.infra.mongo import Document
from shared.infra.outbox import OutboxRelay

log = get_logger(__name__)

EVENTS: dict[str, type[Event]] = {
    WARDS: WardSavedV1,
    SCHOOLS: SchoolSavedV1,
    SECTORS: SectorSavedV1,
    ORGANIZATIONS: OrganizationSavedV1,
}
_REPLAY_NAMESPACE = uuid.UUID("0e3f6c1a-8d1e-4f7b-9a53-2f8b1c7d4e60")
#: How long one gateway copy reuses its read of every ward or every sector: pages render
#: their filters and names from them on every request, which cost four database calls
#: and half a startup page's time (issue 19's profile). This copy's own writes drop the
#: copy at once; another copy's write shows here within this many seconds.
LIST_SECONDS = 2.0


def _to_doc(fields: dict[str, Any]) -> Document:
    """Dates are stored as ISO text (BSON has no date), which sorts and compares correctly."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in fields.items()}


def _event(kind: str, doc: Document) -> Event:
    return EVENTS[kind].model_validate({**doc, "code": doc["_id"]})


def _envelope(kind: str, doc: Document) -> Envelope:
    """One id per (kind, code, version): a republish of the same state is a duplicate."""
    event_id = str(uuid.uuid5(_REPLAY_NAMESPACE, f"{kind}:{doc['_id']}:{doc['version']}"))
    return Envelope.wrap(_event(kind, doc), aggregate_id=doc["_id"], event_id=event_id)


def ward_valid_on(doc: Document, day: date) -> bool:
    on = day.isoformat()
    return bool(doc["valid_from"] <= on and (doc.get("valid_to") is None or on <= doc["valid_to"]))


class ReferenceData:
    def __init__(self, store: ReferenceStore, outbox: OutboxRelay, broker: NatsBroker) -> None:
        self.store = store
        self.outbox = outbox
        self.broker = broker
        # kind → (monotonic time read, every item): see LIST_SECONDS.
        self._lists: dict[str, tuple[float, list[Document]]] = {}
        self._reading: dict[str, asyncio.Future[list[Document]]] = {}
        self._writes = 0

    async def _every(self, kind: str) -> list[Document]:
        """Every item of `kind` by code, read at most LIST_SECONDS ago (or written since
        by this copy). Callers arriving while it is being read share that one read; a
        read that overlapped one of this copy's writes is not kept."""
        kept = self._lists.get(kind)
        if kept is not None and time.monotonic() - kept[0] < LIST_SECONDS:
            return list(kept[1])
        reading = self._reading.get(kind)
        if reading is None:
            reading = self._reading[kind] = asyncio.ensure_future(self._read(kind))
            reading.add_done_callback(functools.partial(self._read_done, kind))
        return list(await asyncio.shield(reading))

    def _read_done(self, kind: str, reading: asyncio.Future[list[Document]]) -> None:
        if self._reading.get(kind) is reading:
            del self._reading[kind]

    async def _read(self, kind: str) -> list[Document]:
        started, writes = time.monotonic(), self._writes
        items, _ = await self.store.find(kind, {}, sort="_id")
        if writes == self._writes:
            self._lists[kind] = (started, items)
        return items

    def _changed(self) -> None:
        # A read under way may predate the write: later callers start their own.
        self._writes += 1
        self._lists.clear()
        self._reading.clear()

    async def seed_if_empty(self) -> None:
        seeds: dict[str, list[dict[str, Any]]] = {
            WARDS: seed.wards(),
            SECTORS: [dict(s) for s in seed.SECTORS],
            SCHOOLS: [
                {"code": code, "name": name, "level": level.value, "ward": ward, "active": True}
                for code, name, level, ward in seed.SCHOOLS
            ],
            ORGANIZATIONS: seed.organizations(),
        }
        for kind, items in seeds.items():
            if await self.store.count(kind):
                continue
            for item in items:
                await self._create(kind, item)
            log.info("reference.seeded", kind=kind, count=len(items))

    async def republish_all(self) -> int:
        """Publish every item's current state, so read models survive stream retention.

        Event ids derive from (kind, code, version): inside the duplicate window JetStream
        drops the repeat, and beyond it consumers skip ids they have seen.
        """
        published = 0
        for kind in EVENTS:
            items, _ = await self.store.find(kind, {}, sort="_id")
            for doc in items:
                event_id = str(
                    uuid.uuid5(_REPLAY_NAMESPACE, f"{kind}:{doc['_id']}:{doc['version']}")
                )
                envelope = Envelope.wrap(
                    _event(kind, doc), aggregate_id=doc["_id"], event_id=event_id
                )
                await publish_event(self.broker, envelope)
                published += 1
        return published

    async def _create(self, kind: str, fields: dict[str, Any]) -> Document:
        doc = _to_doc({k: v for k, v in fields.items() if k != "code"})
        doc.update(_id=fields["code"], version=1, updated_at=datetime.now(UTC))
        envelope = _envelope(kind, doc)
        try:
            await self.store.insert(kind, doc, [envelope])
        except CodeTaken:
            raise Conflict("detail.code_taken", code_taken=fields["code"]) from None
        finally:
            self._changed()
        await self.outbox.flush(kind, doc["_id"])
        return await self.get(kind, doc["_id"])

    async def get(self, kind: str, code: str) -> Document:
        doc = await self.store.get(kind, code)
        if doc is None:
            raise NotFound("detail.reference_not_found", kind=kind, code=code)
        return doc

    async def create(self, kind: str, fields: dict[str, Any]) -> Document:
        await self._check(kind, fields)
        created = await self._create(kind, fields)
        if kind == SCHOOLS and not await self.store.existing_codes(ORGANIZATIONS, [created["_id"]]):
            # A new school is an organization its advisors' accounts can belong to.
            await self._create(
                ORGANIZATIONS,
                {
                    "code": created["_id"],
                    "name": created["name"],
                    "kind": "school",
                    "ward": created["ward"],
                    "active": True,
                },
            )
        return created

    async def update(self, kind: str, code: str, version: int, fields: dict[str, Any]) -> Document:
        current = await self.get(kind, code)
        await self._check(kind, {**current, **fields, "code": code})
        changes = _to_doc(fields)
        changes["updated_at"] = datetime.now(UTC)
        merged = {**current, **changes, "version": version + 1}
        envelope = _envelope(kind, merged)
        try:
            updated = await self.store.replace(kind, code, version, changes, [envelope])
        finally:
            self._changed()
        if updated is None:
            raise Conflict("detail.reference_changed", current_version=current["version"])
        await self.outbox.flush(kind, code)
        saved = await self.get(kind, code)
        if kind == SCHOOLS:
            await self._follow_school(current, saved)
        return saved

    async def _follow_school(self, before: Document, school: Document) -> None:
        """The organization a school became (same code, kind `school`) takes what this edit
        changed of the school's name, ward and active flag, so its advisors' unit reads as
        the school does; what the edit left alone is not copied (an admin may have renamed
        or closed the unit on its own). Its own versioned write after the school's (one
        aggregate per write); a concurrent edit of the organization is read again, up to
        three times. An organization an admin has given another kind is left as it is."""

        def shown(doc: Document) -> dict[str, Any]:
            return {
                "name": doc.get("name"),
                "ward": doc.get("ward"),
                "active": doc.get("active", True) is not False,
            }

        old, new = shown(before), shown(school)
        wanted = {key: value for key, value in new.items() if old[key] != value}
        if not wanted:
            return
        for _attempt in range(3):
            unit = await self.store.get(ORGANIZATIONS, school["_id"])
            if unit is None or unit.get("kind") != "school":
                return
            if all(unit.get(key) == value for key, value in wanted.items()):
                return
            with contextlib.suppress(Conflict):
                await self.update(ORGANIZATIONS, school["_id"], unit["version"], wanted)
                return
        log.warning("reference.school_organization_behind", code=school["_id"])

    async def _check(self, kind: str, fields: dict[str, Any]) -> None:
        if kind == WARDS:
            valid_from, valid_to = str(fields["valid_from"]), fields.get("valid_to")
            if valid_to is not None and str(valid_to) < valid_from:
                raise Invalid("detail.valid_to_after_from", field="valid_to")
            predecessors = list(fields.get("predecessors") or [])
            missing = set(predecessors) - await self.store.existing_codes(WARDS, predecessors)
            if missing:
                raise Invalid("detail.predecessor_missing", missing=sorted(missing))
        ward = fields.get("ward")
        if (
            kind in (SCHOOLS, ORGANIZATIONS)
            and ward
            and not await self.store.existing_codes(WARDS, [ward])
        ):
            raise Invalid("detail.ward_missing", field="ward", ward=fields["ward"])

    async def wards(self, *, on: date | None, ward_set: str | None) -> list[Document]:
        if ward_set:
            items, _ = await self.store.find(WARDS, {"ward_set": ward_set}, sort="_id")
        else:
            items = await self._every(WARDS)
        if on is not None:
            items = [doc for doc in items if ward_valid_on(doc, on)]
        return sorted(items, key=lambda d: (d["valid_from"], _natural(d["name"])))

    async def schools(
        self, *, ward: str | None, level: str | None, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        query: Document = {}
        if ward:
            query["ward"] = ward
        if level:
            query["level"] = level
        return await self.store.find(SCHOOLS, query, sort="name", skip=skip, limit=limit)

    async def organizations(
        self, *, kind: str | None, skip: int, limit: int, active: bool | None = None
    ) -> tuple[list[Document], int]:
        """Organizations by code, of `kind` if given, only the active (`active=True`) or
        the deactivated (`active=False`) ones if asked, and how many in all."""
        query: Document = {"kind": kind} if kind else {}
        if active is not None:
            # Organizations made before the flag existed have none: they are active.
            query["active"] = {"$ne": False} if active else False
        return await self.store.find(ORGANIZATIONS, query, sort="_id", skip=skip, limit=limit)

    async def organization_active(self, code: str) -> bool | None:
        """Whether the organization `code` is active; `None` when there is none."""
        doc = await self.store.get(ORGANIZATIONS, code)
        return None if doc is None else doc.get("active", True) is not False

    async def sectors(self) -> list[Document]:
        return await self._every(SECTORS)


def _natural(name: str) -> tuple[str, int]:
    """`Phường 3` before `Phường 10`."""
    head, _, tail = name.rpartition(" ")
    return (head, int(tail)) if tail.isdigit() else (name, 0)
