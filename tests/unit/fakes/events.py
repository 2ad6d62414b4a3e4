"""An in-memory `EventsRepository` for the events use cases' unit tests: one store of dicts
playing every part, the same conditional writes (seat counter, status-matched moves,
check-in once), and a recording outbox for the events each write queues."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from services.events.ports import EventsRepository
from shared.contracts.base import Envelope
from shared.infra.mongo import AlreadyExists, Document
from tests.unit.fakes.outbox import RecordingOutbox


class FakeEventsStore:
    """Events, registrations, certificates and people in dicts; `repository()` hands it to
    the use cases as every part of their `EventsRepository`."""

    def __init__(self, outbox: RecordingOutbox) -> None:
        self.outbox = outbox
        self.events: dict[str, Document] = {}
        self.registrations: dict[str, Document] = {}
        self.certificates: dict[str, Document] = {}
        self.people: dict[str, Document] = {}
        self.organizations: set[str] = set()
        self.closed_organizations: set[str] = set()
        self.quotas: dict[tuple[str, str], int] = {}
        self.quota_moves: dict[tuple[str, str], int] = {}

    def repository(self) -> EventsRepository:
        """This store as each part of the use cases' storage (they share its dicts, as the
        MongoDB parts share one database)."""
        return EventsRepository(
            events=self,
            seats=self,
            quotas=self,
            registrations=self,
            certificates=self,
            people=self,
            organizations=self,
        )

    async def insert_event(self, doc: Document, events: Sequence[Envelope]) -> None:
        if doc["_id"] in self.events:
            raise AlreadyExists(doc["_id"])
        self.events[doc["_id"]] = copy.deepcopy(doc)
        self.outbox.queue("events", doc["_id"], events)

    async def get_event(self, event_id: str) -> Document | None:
        found = self.events.get(event_id)
        return copy.deepcopy(found) if found else None

    async def update_event(
        self,
        event_id: str,
        version: int,
        changes: Document,
        events: Sequence[Envelope],
        *,
        seats_delta: int = 0,
    ) -> Document | None:
        doc = self.events.get(event_id)
        if doc is None or doc["version"] != version:
            return None
        if seats_delta < 0 and doc["seats_free"] < -seats_delta:
            return None
        doc.update(copy.deepcopy(changes))
        doc["version"] += 1
        doc["seats_free"] += seats_delta
        doc["seat_moves"] = doc.get("seat_moves", 0) + (1 if seats_delta else 0)
        self.outbox.queue("events", event_id, events)
        return copy.deepcopy(doc)

    async def take_seat(self, event_id: str) -> bool:
        doc = self.events[event_id]
        if doc["status"] != "published" or doc["seats_free"] <= 0:
            return False
        doc["seats_free"] -= 1
        doc["seat_moves"] = doc.get("seat_moves", 0) + 1
        return True

    async def give_back_seat(self, event_id: str) -> None:
        doc = self.events[event_id]
        doc["seats_free"] += 1
        doc["seat_moves"] = doc.get("seat_moves", 0) + 1

    async def seat_counters(self) -> list[Document]:
        fields = ("_id", "capacity", "seats_free", "seat_moves")
        return [
            {k: doc[k] for k in fields if k in doc}
            for doc in self.events.values()
            if doc["status"] == "published"
        ]

    async def reset_seats(self, event_id: str, seat_moves: int, seats_free: int) -> bool:
        doc = self.events[event_id]
        if doc["status"] != "published" or doc.get("seat_moves", 0) != seat_moves:
            return False
        doc["seats_free"] = seats_free
        doc["seat_moves"] = seat_moves + 1
        return True

    async def next_waitlist_number(self, event_id: str) -> int:
        self.events[event_id]["waitlist_seq"] += 1
        return int(self.events[event_id]["waitlist_seq"])

    async def take_quota(self, event_id: str, organization: str, seats: int) -> bool:
        left = self.quotas.setdefault((event_id, organization), seats)
        if left <= 0:
            return False
        self.quotas[(event_id, organization)] = left - 1
        self._moved(event_id, organization)
        return True

    async def give_back_quota(self, event_id: str, organization: str) -> None:
        self.quotas[(event_id, organization)] += 1
        self._moved(event_id, organization)

    def _moved(self, event_id: str, organization: str) -> None:
        key = (event_id, organization)
        self.quota_moves[key] = self.quota_moves.get(key, 0) + 1

    async def quotas_left(self, event_id: str) -> dict[str, int]:
        return {org: left for (ev, org), left in self.quotas.items() if ev == event_id}

    async def quota_counters(self) -> list[Document]:
        found = []
        for (event_id, organization), left in self.quotas.items():
            event = self.events.get(event_id) or {}
            seats = {q["organization"]: q["seats"] for q in event.get("quotas") or []}
            if event.get("status") == "published" and organization in seats:
                found.append(
                    {
                        "_id": f"{event_id}:{organization}",
                        "event_id": event_id,
                        "organization": organization,
                        "left": left,
                        "moves": self.quota_moves.get((event_id, organization), 0),
                        "seats": seats[organization],
                    }
                )
        return found

    async def reset_quota(self, key: str, moves: int, left: int) -> bool:
        event_id, organization = key.split(":", 1)
        if self.quota_moves.get((event_id, organization), 0) != moves:
            return False
        self.quotas[(event_id, organization)] = left
        self.quota_moves[(event_id, organization)] = moves + 1
        return True

    async def count_unit_registrations(self, event_id: str, organization: str) -> int:
        return sum(
            1
            for doc in self.registrations.values()
            if doc["event_id"] == event_id
            and (doc.get("registered_by") or {}).get("organization") == organization
            and doc["status"] in ("seat", "waitlist")
        )

    async def page_events(
        self, query: Document, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        found = sorted(self.events.values(), key=lambda d: d["starts_at"])
        return [copy.deepcopy(d) for d in found[skip : skip + limit]], len(found)

    async def held_between(self, start: datetime, end: datetime) -> list[Document]:
        return [
            copy.deepcopy(d)
            for d in self.events.values()
            if d.get("held") and start <= d["ends_at"] < end
        ]

    async def insert_registration(self, doc: Document, events: Sequence[Envelope]) -> None:
        if any(
            r["event_id"] == doc["event_id"] and r["user_id"] == doc["user_id"]
            for r in self.registrations.values()
        ):
            raise AlreadyExists(doc["_id"])
        self.registrations[doc["_id"]] = copy.deepcopy(doc)
        self.outbox.queue("registrations", doc["_id"], events)

    async def registration_of(self, event_id: str, user_id: str) -> Document | None:
        for r in self.registrations.values():
            if r["event_id"] == event_id and r["user_id"] == user_id:
                return copy.deepcopy(r)
        return None

    async def registration_by_code(self, code: str) -> Document | None:
        for r in self.registrations.values():
            if r.get("code") == code:
                return copy.deepcopy(r)
        return None

    async def move_registration(
        self,
        registration_id: str,
        expected: str,
        changes: Document,
        events: Sequence[Envelope],
        unset: Sequence[str] = (),
    ) -> Document | None:
        doc = self.registrations.get(registration_id)
        if doc is None or doc["status"] != expected:
            return None
        doc.update(copy.deepcopy(changes))
        for key in unset:
            doc.pop(key, None)
        self.outbox.queue("registrations", registration_id, events)
        return copy.deepcopy(doc)

    async def check_in(self, registration_id: str, sitting: int, at: datetime) -> Document | None:
        doc = self.registrations[registration_id]
        if doc["status"] != "seat" or sitting in doc["attended"]:
            return None
        doc["attended"].append(sitting)
        return copy.deepcopy(doc)

    def _of(self, event_id: str, status: str) -> list[Document]:
        return [
            r
            for r in self.registrations.values()
            if r["event_id"] == event_id and r["status"] == status
        ]

    async def first_waiting(self, event_id: str) -> Document | None:
        waiting = sorted(self._of(event_id, "waitlist"), key=lambda r: r["waitlist_number"])
        return copy.deepcopy(waiting[0]) if waiting else None

    async def waiting_before(self, event_id: str, number: int) -> int:
        return sum(1 for r in self._of(event_id, "waitlist") if r["waitlist_number"] < number)

    async def count_registrations(self, event_id: str, status: str) -> int:
        return len(self._of(event_id, status))

    async def page_registrations(
        self, event_id: str, status: str | None, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        found = [
            r
            for r in self.registrations.values()
            if r["event_id"] == event_id and (status is None or r["status"] == status)
        ]
        found.sort(
            key=lambda r: (r["status_order"], r.get("waitlist_number") or 0, r["registered_at"])
        )
        return [copy.deepcopy(r) for r in found[skip : skip + limit]], len(found)

    async def page_mine(self, user_id: str, skip: int, limit: int) -> tuple[list[Document], int]:
        found = [r for r in self.registrations.values() if r["user_id"] == user_id]
        found.sort(key=lambda r: r["registered_at"], reverse=True)
        return [copy.deepcopy(r) for r in found[skip : skip + limit]], len(found)

    async def registrants(self, event_id: str) -> list[str]:
        return [
            r["user_id"]
            for r in self.registrations.values()
            if r["event_id"] == event_id and r["status"] in ("seat", "waitlist")
        ]

    async def attendees(self, event_id: str) -> list[Document]:
        return [copy.deepcopy(r) for r in self._of(event_id, "seat") if r["attended"]]

    async def set_certificate_code(self, registration_id: str, code: str) -> None:
        self.registrations[registration_id]["certificate_code"] = code

    async def seats_of(self, event_ids: list[str]) -> list[Document]:
        return [
            copy.deepcopy(r)
            for r in self.registrations.values()
            if r["event_id"] in event_ids and r["status"] == "seat"
        ]

    async def insert_certificate(self, doc: Document) -> bool:
        if any(
            c["subject_id"] == doc["subject_id"] and c["holder_id"] == doc["holder_id"]
            for c in self.certificates.values()
        ):
            return False
        self.certificates[doc["_id"]] = copy.deepcopy(doc)
        return True

    async def certificate(self, code: str) -> Document | None:
        found = self.certificates.get(code)
        return copy.deepcopy(found) if found else None

    async def certificate_for(self, event_id: str, holder_id: str) -> Document | None:
        for c in self.certificates.values():
            if c["subject_id"] == event_id and c["holder_id"] == holder_id:
                return copy.deepcopy(c)
        return None

    async def page_certificates(
        self, holder_id: str, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        found = [c for c in self.certificates.values() if c["holder_id"] == holder_id]
        return [copy.deepcopy(c) for c in found[skip : skip + limit]], len(found)

    async def revoke_certificate(self, code: str, reason: str, at: datetime) -> None:
        doc = self.certificates[code]
        if not doc["revoked"]:
            doc.update(revoked=True, revoked_reason=reason, revoked_at=at)

    async def save_organization(self, code: str, fields: Document, version: int) -> None:
        if fields.get("active") is False:
            self.organizations.discard(code)
            self.closed_organizations.add(code)
        else:
            self.organizations.add(code)
            self.closed_organizations.discard(code)

    async def unknown_organizations(self, codes: list[str]) -> list[str]:
        if not self.organizations and not self.closed_organizations:
            return []
        return [c for c in codes if c not in self.organizations]

    async def save_person(self, user_id: str, fields: Document, version: int | None) -> None:
        current = self.people.get(user_id)
        if current and current.get("erased"):
            return
        if current and version is not None and (current.get("version") or 0) >= version:
            return
        self.people[user_id] = {**fields, "version": version}

    async def person(self, user_id: str) -> Document | None:
        return self.people.get(user_id)

    async def people_named(self, user_ids: list[str]) -> dict[str, str]:
        return {
            u: self.people[u]["full_name"]
            for u in user_ids
            if u in self.people and self.people[u].get("full_name")
        }

    async def erase_person(self, user_id: str, alias: str) -> None:
        self.people[user_id] = {"erased": True}
        for r in self.registrations.values():
            if r["user_id"] == user_id:
                r["user_id"] = alias
                r.pop("full_name", None)
        for c in self.certificates.values():
            if c["holder_id"] == user_id:
                c.update(holder_id=alias, holder_name="—")

    async def personal_data(self, user_id: str) -> dict[str, Any]:
        return {
            "registrations": [r for r in self.registrations.values() if r["user_id"] == user_id],
            "certificates": [c for c in self.certificates.values() if c["holder_id"] == user_id],
        }
