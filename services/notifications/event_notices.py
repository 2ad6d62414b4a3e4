"""Who hears what of the events service (issue 18): registration confirmed or waitlisted,
promoted from the waitlist, reminders the day before and two hours before, the event
changed or cancelled. Functions over the `Notices` use cases, like the other event
reactions.

A reminder is a scheduled job per (event, person, moment). When it fires it checks what it
learned since: the person still holds a seat (`event-seat:` label) and the event still
starts when the job was planned (`event-start:` label), so a cancelled registration, a
cancelled event or a new time silences the old reminder (the new time plans its own)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from services.notifications.domain import Kind
from services.notifications.service import Notices
from shared.contracts.events.events import (
    EventCancelledV1,
    EventChangedV1,
    EventSummary,
    RegistrationCancelledV1,
    RegistrationConfirmedV1,
    RegistrationPromotedV1,
    RegistrationStatus,
)
from shared.infra.runtime import replaying_history

REMINDER_JOB = "event_reminder"
#: The day before and two hours before the first sitting (issue 18).
REMINDERS = (("day", timedelta(days=1)), ("2h", timedelta(hours=2)))


def _seat_key(event_id: str, user_id: str) -> str:
    return f"event-seat:{event_id}:{user_id}"


def _start_key(event_id: str) -> str:
    return f"event-start:{event_id}"


def _data(event: EventSummary) -> dict[str, Any]:
    return {
        "title": event.title,
        "place": event.place or event.online_link or "",
        "starts_at": event.starts_at.isoformat(),
    }


async def _plan_reminders(n: Notices, event: EventSummary, user_id: str) -> None:
    if replaying_history():
        return
    now = n.clock()
    for tag, before in REMINDERS:
        due: datetime = event.starts_at - before
        if due <= now:
            continue
        job_id = f"event-reminder:{event.event_id}:{user_id}:{tag}:{event.starts_at.isoformat()}"
        payload = {**_data(event), "event_id": event.event_id, "user_id": user_id, "tag": tag}
        await n.store.schedule(job_id, REMINDER_JOB, due, payload)


async def confirmed(n: Notices, event_id: str, event: RegistrationConfirmedV1) -> None:
    """A seat: confirmed, with reminders planned. A waitlist place: told its position."""
    summary = event.event
    await n.store.save_label(_seat_key(summary.event_id, event.user_id), event.status.value)
    if event.status == RegistrationStatus.SEAT:
        await n.tell(event.user_id, Kind.EVENT_REGISTERED, event_id, **_data(summary))
        await _plan_reminders(n, summary, event.user_id)
    else:
        data = {**_data(summary), "position": event.position or 0}
        await n.tell(event.user_id, Kind.EVENT_WAITLISTED, event_id, **data)


async def promoted(n: Notices, event_id: str, event: RegistrationPromotedV1) -> None:
    """A seat freed up and the person got it: told, with reminders planned."""
    summary = event.event
    await n.store.save_label(_seat_key(summary.event_id, event.user_id), "seat")
    await n.tell(event.user_id, Kind.EVENT_PROMOTED, event_id, **_data(summary))
    await _plan_reminders(n, summary, event.user_id)


async def registration_cancelled(n: Notices, event: RegistrationCancelledV1) -> None:
    """The person gave up their place: their reminders stay silent."""
    await n.store.save_label(_seat_key(event.event_id, event.user_id), "cancelled")


async def changed(n: Notices, event_id: str, event: EventChangedV1) -> None:
    """A new time or place: every registrant is told; seats get reminders at the new time."""
    summary = event.event
    await n.store.save_label(_start_key(summary.event_id), summary.starts_at.isoformat())
    for user_id in event.registrant_ids:
        await n.tell(user_id, Kind.EVENT_CHANGED, event_id, **_data(summary))
        if await n.store.label(_seat_key(summary.event_id, user_id)) == "seat":
            await _plan_reminders(n, summary, user_id)


async def cancelled(n: Notices, event_id: str, event: EventCancelledV1) -> None:
    """The event is cancelled: every registrant is told why; reminders stay silent."""
    summary = event.event
    await n.store.save_label(_start_key(summary.event_id), "cancelled")
    for user_id in event.registrant_ids:
        await n.tell(user_id, Kind.EVENT_CANCELLED, event_id, reason=event.reason, **_data(summary))


async def remind(n: Notices, job: dict[str, Any]) -> None:
    """Fire one reminder job, unless the seat or the start it was planned for is gone."""
    payload = dict(job["payload"])
    event_id, user_id = payload.pop("event_id"), payload.pop("user_id")
    tag = payload.pop("tag")
    if await n.store.label(_seat_key(event_id, user_id)) != "seat":
        return
    start = await n.store.label(_start_key(event_id))
    if start is not None and start != payload["starts_at"]:
        return
    kind = Kind.EVENT_REMINDER if tag == "day" else Kind.EVENT_REMINDER_SOON
    await n.tell(user_id, kind, job["_id"], **payload)
