"""Who hears what of mentoring (the Startup Consultation Point): a consultation requested,
a match proposed, accepted or declined, a session scheduled (with a reminder before it) or
called off, feedback given. Functions over the `Notices` use cases, like the other event
reactions.

A session's reminder is a scheduled job (`session-reminder:<session>`), fired by
`reminders.Reminders` through `remind`; a session called off retires it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.notifications.domain import Kind
from services.notifications.service import Notices
from shared.contracts.events.mentoring import (
    FeedbackRecordedV1,
    MatchAcceptedV1,
    MatchDeclinedV1,
    MatchProposedV1,
    RequestOpenedV1,
    SessionCancelledV1,
    SessionScheduledV1,
)

REMINDER_JOB = "session_reminder"
REMINDER_BEFORE_SESSION = timedelta(hours=24)
MODES = {
    "in_person": {
        "mode_vi": "trực tiếp tại Điểm tư vấn",
        "mode_en": "in person at the Consultation Point",
    },
    "online": {"mode_vi": "trực tuyến", "mode_en": "online"},
}


def _reminder_id(session_id: str) -> str:
    return f"session-reminder:{session_id}"


async def request_opened(n: Notices, event_id: str, event: RequestOpenedV1) -> None:
    """Tell staff a consultation was requested, with the startup and topics."""
    # Codes of the canonical topics; each reader sees their labels (template filter).
    topics = list(event.topics)
    startup = event.startup_name or ""
    await n.tell_staff(Kind.CONSULTATION_REQUESTED, event_id, startup=startup, topics=topics)


async def feedback_recorded(n: Notices, event_id: str, event: FeedbackRecordedV1) -> None:
    """Tell the mentor a founder rated a session they held (issue 14: mentors were never
    told of their feedback)."""
    founder = await n.full_name(event.founder_id)
    await n.tell(
        event.mentor_id, Kind.FEEDBACK_RECEIVED, event_id, founder=founder, rating=event.rating
    )


async def match_proposed(n: Notices, event_id: str, event: MatchProposedV1) -> None:
    """Tell the founder and the proposed mentor about the proposal."""
    mentor = await n.full_name(event.mentor_id)
    data = {"startup": event.startup_name, "mentor": mentor}
    await n.tell(event.founder_id, Kind.MATCH_PROPOSED, event_id, **data)
    await n.tell(event.mentor_id, Kind.MATCH_PROPOSED_TO_MENTOR, event_id, **data)


async def match_answered(
    n: Notices, event_id: str, event: MatchAcceptedV1 | MatchDeclinedV1
) -> None:
    """An accepted match is told to the founder; a declined one to staff, who propose again."""
    data = {"startup": event.startup_name, "mentor": await n.full_name(event.mentor_id)}
    if isinstance(event, MatchAcceptedV1):
        await n.tell(event.founder_id, Kind.MATCH_ACCEPTED, event_id, **data)
    else:
        await n.tell_staff(Kind.MATCH_DECLINED, event_id, **data)


async def session_scheduled(n: Notices, event_id: str, event: SessionScheduledV1) -> None:
    """Tell the founder and the mentor, and schedule a reminder before the session (when
    still ahead).
    """
    data = {
        "startup": event.startup_name,
        "starts_at": event.starts_at.isoformat(),
        **MODES[event.mode.value],
    }
    for user_id in (event.founder_id, event.mentor_id):
        await n.tell(user_id, Kind.SESSION_SCHEDULED, event_id, **data)
    due = event.starts_at - REMINDER_BEFORE_SESSION
    if due > n.clock():
        payload = {**data, "recipients": [event.founder_id, event.mentor_id]}
        await n.store.schedule(_reminder_id(event.session_id), REMINDER_JOB, due, payload)


# --- sessions called off (issue 17) ----------------------------------------------------------


async def session_cancelled(n: Notices, event_id: str, event: SessionCancelledV1) -> None:
    """Tell the other party (both, when staff called it off) and staff that a session is
    off, with the reason; its reminder is retired (made first if the scheduling event is
    still to come, so it can never fire)."""
    data = {
        "startup": event.startup_name,
        "starts_at": event.starts_at.isoformat(),
        "reason": event.reason,
        "by": await n.full_name(event.cancelled_by),
    }
    for user_id in (event.founder_id, event.mentor_id):
        if user_id != event.cancelled_by:
            await n.tell(user_id, Kind.SESSION_CANCELLED, event_id, **data)
    await n.tell_staff(Kind.SESSION_CANCELLED, event_id, **data)
    job_id = _reminder_id(event.session_id)
    await n.store.schedule(job_id, REMINDER_JOB, event.starts_at, {"recipients": []})
    await n.store.job_done(job_id, n.clock())


async def remind(n: Notices, job: dict[str, Any]) -> None:
    """Fire one session reminder job: each of its recipients is reminded."""
    payload = dict(job["payload"])
    for user_id in payload.pop("recipients"):
        await n.tell(user_id, Kind.SESSION_REMINDER, job["_id"], **payload)
