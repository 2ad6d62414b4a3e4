"""Who hears what, when, and what it says: pure rules, no I/O.

A *kind* of notification has a template per locale, an urgency, and the channels it goes
out on by default. The inbox always gets it at once; email, SMS and Zalo respect the
recipient's preferences and quiet hours unless the kind is urgent.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from shared.contracts.base import Locale
from shared.localtime import HCMC


class Channel(StrEnum):
    """Where a notification goes: the in-app inbox, or outward by email, SMS or Zalo."""

    INBOX = "inbox"
    EMAIL = "email"
    SMS = "sms"
    ZALO = "zalo"


OUTBOUND = (Channel.EMAIL, Channel.SMS, Channel.ZALO)


class Kind(StrEnum):
    """A kind of notification; each has a template per locale and a `KindRule`."""

    WELCOME = "welcome"
    STARTUP_RECEIVED = "startup_received"
    STARTUP_AWAITS_VERIFICATION = "startup_awaits_verification"
    STARTUP_VERIFIED = "startup_verified"
    STARTUP_REJECTED = "startup_rejected"
    REPORT_DEADLINE = "report_deadline"
    CONSULTATION_REQUESTED = "consultation_requested"
    MATCH_PROPOSED = "match_proposed"
    MATCH_PROPOSED_TO_MENTOR = "match_proposed_to_mentor"
    MATCH_ACCEPTED = "match_accepted"
    MATCH_DECLINED = "match_declined"
    SESSION_SCHEDULED = "session_scheduled"
    SESSION_REMINDER = "session_reminder"
    JUDGE_ASSIGNED = "judge_assigned"
    RESULTS_PUBLISHED = "results_published"
    INITIATIVE_DECIDED = "initiative_decided"
    FEEDBACK_RECEIVED = "feedback_received"
    # events (issue 18)
    EVENT_REGISTERED = "event_registered"
    EVENT_WAITLISTED = "event_waitlisted"
    EVENT_PROMOTED = "event_promoted"
    EVENT_REMINDER = "event_reminder"
    EVENT_REMINDER_SOON = "event_reminder_soon"
    EVENT_CHANGED = "event_changed"
    EVENT_CANCELLED = "event_cancelled"
    # --- mentoring: sessions called off (issue 17) ---
    SESSION_CANCELLED = "session_cancelled"
    # --- competitions depth (issue 14/17) ---
    ENTRY_RECEIVED = "entry_received"
    INITIATIVE_RECEIVED = "initiative_received"
    COUNCIL_APPOINTED = "council_appointed"


@dataclass(frozen=True)
class KindRule:
    """How a kind goes out: `urgent` ignores quiet hours and the digest; `requested` is
    transactional mail the person has just asked for themself (a welcome, a password
    reset), which waits for neither (issue 14); `channels` are the default ones when the
    recipient has made no choice."""

    urgent: bool = False
    requested: bool = False

    @property
    def immediate(self) -> bool:
        """Whether it goes out at once, past quiet hours and the digest."""
        return self.urgent or self.requested

    channels: tuple[Channel, ...] = (Channel.INBOX, Channel.EMAIL)


RULES: dict[Kind, KindRule] = {
    # The answer to the person's own sign-up (the password-reset email goes out by
    # `transactional`, outside the inbox).
    Kind.WELCOME: KindRule(requested=True),
    Kind.STARTUP_RECEIVED: KindRule(channels=(Channel.INBOX,)),
    Kind.STARTUP_AWAITS_VERIFICATION: KindRule(),
    Kind.STARTUP_VERIFIED: KindRule(),
    Kind.STARTUP_REJECTED: KindRule(),
    Kind.REPORT_DEADLINE: KindRule(),
    Kind.CONSULTATION_REQUESTED: KindRule(),
    Kind.MATCH_PROPOSED: KindRule(),
    Kind.MATCH_PROPOSED_TO_MENTOR: KindRule(),
    Kind.MATCH_ACCEPTED: KindRule(),
    Kind.MATCH_DECLINED: KindRule(channels=(Channel.INBOX,)),
    Kind.SESSION_SCHEDULED: KindRule(),
    # A reminder the evening before is worth waking a phone for.
    Kind.SESSION_REMINDER: KindRule(
        urgent=True, channels=(Channel.INBOX, Channel.EMAIL, Channel.SMS)
    ),
    Kind.JUDGE_ASSIGNED: KindRule(),
    Kind.RESULTS_PUBLISHED: KindRule(),
    Kind.INITIATIVE_DECIDED: KindRule(),
    Kind.FEEDBACK_RECEIVED: KindRule(channels=(Channel.INBOX,)),
    # events (issue 18): a seat freed, a change or a cancellation is worth a phone's attention
    Kind.EVENT_REGISTERED: KindRule(),
    Kind.EVENT_WAITLISTED: KindRule(channels=(Channel.INBOX,)),
    Kind.EVENT_PROMOTED: KindRule(urgent=True),
    Kind.EVENT_REMINDER: KindRule(),
    Kind.EVENT_REMINDER_SOON: KindRule(urgent=True, channels=(Channel.INBOX, Channel.SMS)),
    Kind.EVENT_CHANGED: KindRule(urgent=True, channels=(Channel.INBOX, Channel.EMAIL, Channel.SMS)),
    Kind.EVENT_CANCELLED: KindRule(
        urgent=True, channels=(Channel.INBOX, Channel.EMAIL, Channel.SMS)
    ),
    # --- mentoring: sessions called off (issue 17) ---
    Kind.SESSION_CANCELLED: KindRule(),
    # --- competitions depth (issue 14/17): an entry is news for the inbox alone ---
    Kind.ENTRY_RECEIVED: KindRule(channels=(Channel.INBOX,)),
    Kind.INITIATIVE_RECEIVED: KindRule(),
    Kind.COUNCIL_APPOINTED: KindRule(),
}

# Email retries: after each failed attempt wait this long; then give up and mark it failed.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
DIGEST_TIME = time(18, 0)


@dataclass(frozen=True)
class Contact:
    """What the service keeps of an account to reach it, from identity events."""

    user_id: str
    email: str
    full_name: str
    role: str
    locale: Locale
    organization: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class QuietHours:
    """A daily span of Asia/Ho_Chi_Minh wall-clock time, [start, end), that may wrap
    past midnight; 22:00–07:00 by default."""

    start: time = time(22, 0)
    end: time = time(7, 0)

    def contains(self, moment: time) -> bool:
        """Whether the local wall-clock time `moment` falls in the quiet span."""
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


@dataclass(frozen=True)
class Preferences:
    """Per kind, the user's choice of outbound channels (unset: the kind's defaults).
    The inbox cannot be switched off."""

    choices: dict[str, dict[str, bool]] = field(default_factory=dict)
    quiet_hours: QuietHours = field(default_factory=QuietHours)
    digest: bool = False

    def wants(self, kind: Kind, channel: Channel) -> bool:
        """Whether the person gets `kind` on `channel`: the inbox always, others as chosen
        or, unset, the kind's default channels."""
        if channel == Channel.INBOX:
            return True
        default = channel in RULES[kind].channels
        return self.choices.get(kind.value, {}).get(channel.value, default)


@dataclass(frozen=True)
class Notification:
    """An inbox item: one per (event, recipient); `created_at` is aware UTC."""

    id: str
    recipient_id: str
    kind: Kind
    title: str
    body: str
    event_id: str
    created_at: datetime
    urgent: bool = False
    read: bool = False


@dataclass(frozen=True)
class Delivery:
    """A queued outward send of one notification on one channel, due at `due_at`
    (aware UTC); `digest` deliveries are batched into one message."""

    id: str
    notification_id: str
    recipient_id: str
    channel: Channel
    due_at: datetime
    digest: bool = False


_NAMESPACE = uuid.UUID("5f0d7a3e-9a52-4c4e-8f0e-6d1b8d3f2a10")


def notification_id(event_id: str, recipient_id: str, channel: Channel) -> str:
    """Deterministic: a redelivered event can only ever write the same notification."""
    return str(uuid.uuid5(_NAMESPACE, f"{event_id}:{recipient_id}:{channel.value}"))


def format_date(value: date | datetime | str) -> str:
    """dd/mm/yyyy in Asia/Ho_Chi_Minh."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(HCMC).date()
    return value.strftime("%d/%m/%Y")


def format_time(value: datetime | str) -> str:
    """HH:MM dd/mm/yyyy in Asia/Ho_Chi_Minh."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(HCMC).strftime("%H:%M %d/%m/%Y")


def next_local(moment: datetime, at: time) -> datetime:
    """The next instant at local time `at` on or after `moment`."""
    local = moment.astimezone(HCMC)
    candidate = datetime.combine(local.date(), at, tzinfo=HCMC)
    if candidate < local:
        candidate += timedelta(days=1)
    return candidate


def send_at(now: datetime, quiet: QuietHours, *, urgent: bool) -> datetime:
    """Email and SMS wait for the end of quiet hours unless urgent."""
    if urgent or not quiet.contains(now.astimezone(HCMC).time()):
        return now
    return next_local(now, quiet.end)


def deliveries(
    notification: Notification, contact: Contact, preferences: Preferences, now: datetime
) -> list[Delivery]:
    """The outbound deliveries of one notification (the inbox is the notification itself)."""
    planned = []
    rule = RULES[notification.kind]
    for channel in OUTBOUND:
        if not preferences.wants(notification.kind, channel):
            continue
        if channel == Channel.EMAIL and not contact.email:
            continue
        if channel in (Channel.SMS, Channel.ZALO) and not contact.phone:
            continue
        digest = channel == Channel.EMAIL and preferences.digest and not rule.immediate
        due = (
            next_local(now, DIGEST_TIME)
            if digest
            else send_at(now, preferences.quiet_hours, urgent=rule.immediate)
        )
        planned.append(
            Delivery(
                id=notification_id(notification.event_id, contact.user_id, channel),
                notification_id=notification.id,
                recipient_id=contact.user_id,
                channel=channel,
                due_at=due,
                digest=digest,
            )
        )
    return planned


def retry_at(now: datetime, attempts: int) -> datetime | None:
    """When to try again after `attempts` failures; None once the retries are used up."""
    if attempts > len(RETRY_DELAYS):
        return None
    return now + RETRY_DELAYS[attempts - 1]


# --- the plan's reporting calendar -------------------------------------------------------

REMINDER_LEAD = timedelta(days=3)
REMINDER_TIME = time(8, 0)


@dataclass(frozen=True)
class ReportDeadline:
    """One reporting deadline of the plan's calendar (DESIGN §8): its due date, the
    period reported on and the report's kind."""

    due: date
    period: str  # "2026-11", "2026-H1", "2026"
    kind: str  # "monthly" | "half_year" | "annual"


def report_deadlines(start: date, end: date) -> list[ReportDeadline]:
    """Deadlines in [start, end]: monthly by the 5th (for the month before), half-year by
    10 June, annual by 10 November (DESIGN §8)."""
    found: list[ReportDeadline] = []
    year, month = start.year, start.month
    while date(year, month, 1) <= end:
        monthly = date(year, month, 5)
        previous = (year, month - 1) if month > 1 else (year - 1, 12)
        found.append(ReportDeadline(monthly, f"{previous[0]}-{previous[1]:02d}", "monthly"))
        if month == 6:
            found.append(ReportDeadline(date(year, 6, 10), f"{year}-H1", "half_year"))
        if month == 11:
            found.append(ReportDeadline(date(year, 11, 10), f"{year}", "annual"))
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return sorted((d for d in found if start <= d.due <= end), key=lambda d: d.due)


def reminder_time(deadline: ReportDeadline) -> datetime:
    """The reminder's moment: 08:00 Asia/Ho_Chi_Minh, 3 days before the due date."""
    return datetime.combine(deadline.due - REMINDER_LEAD, REMINDER_TIME, tzinfo=HCMC)
