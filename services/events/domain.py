"""The rules of events and registrations: pure, no I/O (issue 18).

Every refusal a person can meet carries a catalogue message id (`detail.event_*`, in
Vietnamese and English) and a stable `reason` in its details, so clients tell them apart.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from shared.contracts.base import Actor, Conflict, Forbidden, Invalid, Role
from shared.contracts.events.events import EventStatus, RegistrationStatus
from shared.contracts.rpc.events.announcements import EventFields, SittingFields
from shared.contracts.rpc.events.registrations import RegistrationFields
from shared.localtime import HCMC, local_date, utc

#: Roles that may announce events (DESIGN §9: organizer, staff, admin).
ANNOUNCERS = frozenset({Role.ORGANIZER, Role.ASSOCIATION_STAFF, Role.ADMIN})
#: Youth, as the Youth Union counts it: 16 to 30 years old in the event's year.
YOUTH_AGES = range(16, 31)
MAX_SITTING = timedelta(hours=24)
_NOT_CODE = re.compile(r"[^A-Z2-7]")


def refuse(kind: type[Conflict] | type[Invalid] | type[Forbidden], reason: str) -> Exception:
    """A refusal with the catalogue message `detail.event_<reason>` and a stable `reason`."""
    return kind(f"detail.event_{reason}", reason=reason)


def new_ticket_code() -> str:
    """A fresh ticket code: 80 random bits in RFC 4648 base32 (16 characters, A–Z and 2–7,
    no 0/O or 1/l to confuse), unguessable and short enough to type from a phone."""
    return base64.b32encode(secrets.token_bytes(10)).decode()


def normalise_code(typed: str) -> str:
    """A ticket code as stored, from what staff typed or scanned: upper case, spaces and
    hyphens dropped (`abcd-efgh …` → `ABCDEFGH…`)."""
    return _NOT_CODE.sub("", typed.upper())


def new_event(event_id: str, fields: EventFields, actor: Actor, now: datetime) -> dict[str, Any]:
    """The stored draft of a new event. Raises `Forbidden` for a role that may not announce,
    `Invalid` when the first sitting is already past or registration closes after it."""
    if actor.role not in ANNOUNCERS:
        raise refuse(Forbidden, "not_organizer")
    if fields.place is None and fields.online_link is None:
        raise refuse(Invalid, "place_needed")
    sittings = check_sittings(fields.sittings)
    if fields.min_sittings is not None and fields.min_sittings > len(sittings):
        raise refuse(Invalid, "min_sittings")
    opens = fields.registration_opens_at
    if opens and fields.registration_closes_at and fields.registration_closes_at <= opens:
        raise refuse(Invalid, "window_order")
    quotas = [q.organization for q in fields.quotas]
    if len(set(quotas)) < len(quotas) or sum(q.seats for q in fields.quotas) > fields.capacity:
        raise refuse(Invalid, "quota_over_capacity")
    first = sittings[0].starts_at
    if first <= now:
        raise refuse(Invalid, "starts_in_past")
    closes = fields.registration_closes_at or first
    if closes > first:
        raise refuse(Invalid, "closes_after_start")
    return {
        "_id": event_id,
        "title": fields.title,
        "kind": fields.kind.value,
        "organizers": list(fields.organizers),
        "description": fields.description,
        "place": fields.place,
        "online_link": fields.online_link,
        "sittings": [{"starts_at": utc(s.starts_at), "ends_at": utc(s.ends_at)} for s in sittings],
        "starts_at": utc(first),
        "ends_at": utc(max(s.ends_at for s in sittings)),
        "capacity": fields.capacity,
        # The seat counter: taken with one conditional update (`seats_free > 0`), so under
        # any number of concurrent registrations no more than `capacity` seats go out.
        "seats_free": fields.capacity,
        # Waitlist places are numbered by one atomic increment: the order of arrival.
        "waitlist_seq": 0,
        "audience": fields.audience.model_dump(mode="json"),
        "registration_opens_at": utc(fields.registration_opens_at)
        if fields.registration_opens_at
        else None,
        "registration_closes_at": utc(closes),
        "certificate": fields.certificate,
        "min_sittings": fields.min_sittings or len(sittings),
        "quotas": [q.model_dump() for q in fields.quotas],
        "status": EventStatus.DRAFT.value,
        "created_by": actor.id,
        "created_at": now,
        "version": 1,
    }


def check_sittings(sittings: Sequence[SittingFields]) -> list[SittingFields]:
    """The sittings in time order. Raises `Invalid` when one ends before it starts or lasts
    more than 24 hours (`sitting_order`), or two overlap (`sittings_overlap`)."""
    ordered = sorted(sittings, key=lambda s: s.starts_at)
    for sitting in ordered:
        if not timedelta(0) < sitting.ends_at - sitting.starts_at <= MAX_SITTING:
            raise refuse(Invalid, "sitting_order")
    if any(after.starts_at < before.ends_at for before, after in pairwise(ordered)):
        raise refuse(Invalid, "sittings_overlap")
    return ordered


def quota_of(event: Mapping[str, Any], actor: Actor) -> dict[str, Any]:
    """The quota of the actor's unit. Raises `Forbidden` (`no_quota`) unless the actor is
    an announcer of a unit the event gave a quota to."""
    for quota in event.get("quotas") or []:
        if actor.role in ANNOUNCERS and quota["organization"] == actor.organization:
            return dict(quota)
    raise refuse(Forbidden, "no_quota")


def may_manage(actor: Actor, event: Mapping[str, Any]) -> bool:
    """Its creator, an admin, or an organizer or staff member of one of its organizing
    units manages an event (registrations, check-in, close)."""
    if actor.role == Role.ADMIN or actor.id == event["created_by"]:
        return True
    return actor.role in ANNOUNCERS and actor.organization in event["organizers"]


def check_manager(actor: Actor, event: Mapping[str, Any]) -> None:
    """Raises `Forbidden` unless `may_manage`."""
    if not may_manage(actor, event):
        raise refuse(Forbidden, "not_organizer")


def check_status(event: Mapping[str, Any], *allowed: EventStatus) -> None:
    """Raises `Conflict` (reason `status`) unless the event is in one of `allowed`."""
    if event["status"] not in {s.value for s in allowed}:
        raise refuse(Conflict, "status")


def check_can_register(
    event: Mapping[str, Any], actor: Actor, fields: RegistrationFields, now: datetime
) -> None:
    """The rules a registration must pass before a seat is sought (issue 18): the event is
    published (a cancelled one is refused as cancelled), its window is open, and the actor
    is in its audience. Raises `Conflict`, `Forbidden` or `Invalid` with the reason."""
    check_open(event, now)
    check_audience(event, actor, fields.ward)


def check_open(event: Mapping[str, Any], now: datetime) -> None:
    """Raises `Conflict` unless the event is published and its registration window open."""
    status = event["status"]
    if status == EventStatus.CANCELLED.value:
        raise refuse(Conflict, "cancelled")
    if status != EventStatus.PUBLISHED.value:
        raise refuse(Conflict, "not_open")
    opens = event.get("registration_opens_at")
    if opens is not None and now < utc(opens):
        raise refuse(Conflict, "not_yet_open")
    if now >= min(utc(event["registration_closes_at"]), utc(event["starts_at"])):
        raise refuse(Conflict, "registration_closed")


def check_audience(event: Mapping[str, Any], actor: Actor, ward: str | None) -> None:
    """Raises `Forbidden` (`outside_audience`) when the actor's role, organization or
    declared ward is outside the event's audience, `Invalid` (`ward_needed`) when the event
    is for given wards and no ward is declared."""
    audience = event.get("audience") or {}
    if audience.get("roles") and actor.role.value not in audience["roles"]:
        raise refuse(Forbidden, "outside_audience")
    if audience.get("organizations") and actor.organization not in audience["organizations"]:
        raise refuse(Forbidden, "outside_audience")
    if audience.get("wards"):
        if ward is None:
            raise refuse(Invalid, "ward_needed")
        if ward not in audience["wards"]:
            raise refuse(Forbidden, "outside_audience")


def pick_sitting(sittings: Sequence[Mapping[str, Any]], now: datetime) -> int:
    """The sitting (from 1) a check-in without a number is for: the one on today's local
    date (the latest started, if several), else the next to come, else the last."""
    today = local_date(now)
    todays = [i for i, s in enumerate(sittings, 1) if local_date(s["starts_at"]) == today]
    if todays:
        started = [i for i in todays if utc(sittings[i - 1]["starts_at"]) <= now]
        return started[-1] if started else todays[0]
    ahead = [i for i, s in enumerate(sittings, 1) if utc(s["starts_at"]) > now]
    return ahead[0] if ahead else len(sittings)


def qualifies(attended: Iterable[int], min_sittings: int) -> bool:
    """Whether an attendee earned a certificate of attendance (sittings ≥ the minimum)."""
    return len(set(attended)) >= min_sittings


def is_youth(birth_year: int | None, on: datetime) -> bool:
    """Youth (16–30) in the year of `on`; unknown is not counted."""
    return birth_year is not None and on.year - birth_year in YOUTH_AGES


def local_date_text(moment: datetime) -> str:
    """A moment's date as people write it in Gò Vấp: dd/mm/yyyy (DESIGN §7)."""
    return utc(moment).astimezone(HCMC).strftime("%d/%m/%Y")


def reminder_times(starts_at: datetime) -> tuple[datetime, datetime]:
    """The day before and two hours before a start (issue 18)."""
    return starts_at - timedelta(days=1), starts_at - timedelta(hours=2)


def figures(
    events: Sequence[Mapping[str, Any]], registrations: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """The events section of the district report from the events held in the period and
    their registrations that kept a seat (see `EventsFigures`)."""
    by_id = {e["_id"]: e for e in events}
    kept = [
        r
        for r in registrations
        if r["event_id"] in by_id and r["status"] == RegistrationStatus.SEAT.value
    ]
    attendees = [r for r in kept if r.get("attended")]
    ward = Counter(r.get("ward") or "unknown" for r in attendees)
    organization = Counter(r.get("organization") or "unknown" for r in attendees)
    return {
        "events_held": len(events),
        "by_kind": dict(Counter(e["kind"] for e in events)),
        "by_organizer": dict(Counter(e["organizers"][0] for e in events)),
        "registrations": len(kept),
        "attendees": len(attendees),
        "check_ins": sum(len(r.get("attended") or []) for r in kept),
        "certificates": sum(1 for r in kept if r.get("certificate_code")),
        "attendees_by_ward": dict(ward),
        "attendees_by_organization": dict(organization),
        "women": sum(1 for r in attendees if r.get("gender") == "female"),
        "youth": sum(
            1
            for r in attendees
            if is_youth(r.get("birth_year"), utc(by_id[r["event_id"]]["starts_at"]))
        ),
    }
