"""Use cases: the contact directory, who hears of each event, delivery, reminders, inbox."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from services.notifications import domain, event_notices, messages
from services.notifications.delivery import Message, Sender
from services.notifications.domain import Channel, Contact, Kind
from services.notifications.ports import NotificationRepository
from shared.contracts.base import Actor, Forbidden, Invalid, NotFound, Role
from shared.contracts.events.competitions import (
    CompetitionPublishedV1,
    EntrySubmittedV1,
    InitiativeCouncilAssignedV1,
    InitiativeDecidedV1,
    InitiativeFiledV1,
    JudgeAssignedV1,
    ResultsPublishedV1,
)
from shared.contracts.events.identity import (
    UserDeletionRequestedV1,
    UserRegisteredV1,
    UserUpdatedV1,
)
from shared.contracts.events.mentoring import (
    FeedbackRecordedV1,
    MatchAcceptedV1,
    MatchDeclinedV1,
    MatchProposedV1,
    RequestOpenedV1,
    SessionCancelledV1,
    SessionScheduledV1,
)
from shared.contracts.events.reference import SectorSavedV1, WardSavedV1
from shared.contracts.events.registry import (
    StartupRegisteredV1,
    StartupStatus,
    StartupStatusChangedV1,
)
from shared.contracts.rpc.notifications import (
    ChannelChoice,
    InboxItem,
    InboxPage,
    KindInfo,
    ListInbox,
    MarkedRead,
    MarkRead,
    NotificationPreferences,
    PreferencesView,
    QuietHoursSetting,
)
from shared.infra.logging import get_logger
from shared.infra.personal_data import clear_contact
from shared.infra.runtime import replaying_history
from shared.localtime import local_date

log = get_logger(__name__)
LEASE = timedelta(minutes=2)
#: How long the copy sending a digest waits for another copy to release an item it claimed.
DIGEST_GATHER_SECONDS = 2.0
REMINDER_BEFORE_SESSION = timedelta(hours=24)
MODES = {
    "in_person": {
        "mode_vi": "trực tiếp tại Điểm tư vấn",
        "mode_en": "in person at the Consultation Point",
    },
    "online": {"mode_vi": "trực tuyến", "mode_en": "online"},
}
REPORT_RECIPIENTS = [Role.ORGANIZER.value, Role.ADMIN.value]
REPORT_LABELS = {
    "monthly": ("tháng", "monthly"),
    "half_year": ("6 tháng", "half-year"),
    "annual": ("năm", "annual"),
}


class RecipientNotYetKnown(LookupError):
    """An event names someone the contact directory does not know yet; raised so the event
    is redelivered later (DESIGN §4 redelivery with backoff, issue 13)."""

    def __init__(self, user_id: str) -> None:
        super().__init__(f"recipient {user_id} is not in the contact directory yet")
        self.user_id = user_id


def _contact(event: UserRegisteredV1 | UserUpdatedV1) -> Contact:
    """The directory entry from an opened identity event (`PersonKeys.opening`)."""
    clear = clear_contact(event)
    return Contact(
        user_id=event.user_id,
        email=clear.email,
        full_name=clear.full_name,
        role=event.role.value,
        locale=event.locale,
        organization=event.organization,
        phone=clear.phone,
    )


class Notifications:
    """Who hears what (DESIGN §2: notifications consume every service's events): an event
    becomes one inbox item per recipient at once, and outward deliveries (email, SMS, Zalo)
    planned by preferences and quiet hours, sent by `deliver_due`. Redelivered events write
    nothing new. `senders` by channel; `instance` names this copy in claims; `clock` gives
    aware UTC moments. Raises `Forbidden`, `NotFound`, `Invalid` to RPC callers."""

    def __init__(
        self,
        store: NotificationRepository,
        senders: dict[Channel, Sender],
        *,
        instance: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.senders = senders
        self.instance = instance
        self.clock = clock
        self.wakeup = asyncio.Event()

    # --- who hears what ------------------------------------------------------------------

    async def notify(self, kind: Kind, contact: Contact, *, event_id: str, **data: object) -> bool:
        """Inbox at once; outbound deliveries planned by preferences and quiet hours.
        Exactly one per (event, recipient, channel), however often the event arrives.
        Nothing for history replayed into a rebuilt database: people heard at the time."""
        if replaying_history():
            return False
        now = self.clock()
        notification = messages.compose(kind, contact, event_id=event_id, at=now, **data)
        created = await self.store.add(notification)
        preferences = await self._preferences(contact.user_id)
        for delivery in domain.deliveries(notification, contact, preferences, now):
            if delivery.channel in self.senders:
                await self.store.add_delivery(delivery)
        if created:
            log.info("notification.created", kind=kind.value, recipient_id=contact.user_id)
            self.wakeup.set()
        return created

    async def user_registered(self, event_id: str, event: UserRegisteredV1) -> None:
        """Keep the new account's contact and welcome them."""
        contact = _contact(event)
        await self.store.save_contact(contact)
        await self.notify(Kind.WELCOME, contact, event_id=event_id)

    async def user_updated(self, event: UserUpdatedV1) -> None:
        """Keep the account's changed contact details."""
        await self.store.save_contact(_contact(event))

    async def label_saved(self, event: WardSavedV1 | SectorSavedV1) -> None:
        """Keep a ward's or sector's display name, to write it in messages."""
        if isinstance(event, WardSavedV1):
            await self.store.save_label(f"ward:{event.code}", event.name)
        else:
            await self.store.save_label(f"sector:{event.code}", event.name_vi)

    async def startup_registered(self, event_id: str, event: StartupRegisteredV1) -> None:
        """Tell the founder their startup was received, and every Consultation Point staff
        member that one awaits verification.
        """
        startup = event.startup
        data = {
            "startup": startup.name,
            "ward": await self.store.label(f"ward:{startup.ward}") or startup.ward,
            "sector": await self.store.label(f"sector:{startup.sector}") or startup.sector,
            "when": startup.registered_at,
        }
        founder = await self._recipient(startup.owner_id)
        if founder:
            await self.notify(Kind.STARTUP_RECEIVED, founder, event_id=event_id, **data)
        for staff in await self.store.contacts_with_roles([Role.ASSOCIATION_STAFF.value]):
            await self.notify(Kind.STARTUP_AWAITS_VERIFICATION, staff, event_id=event_id, **data)

    async def startup_status_changed(self, event_id: str, event: StartupStatusChangedV1) -> None:
        """Tell the founder their startup was verified or rejected (with the reason); other
        changes say nothing.
        """
        kinds = {
            StartupStatus.VERIFIED: Kind.STARTUP_VERIFIED,
            StartupStatus.REJECTED: Kind.STARTUP_REJECTED,
        }
        kind = kinds.get(event.to_status)
        if kind is None:
            return
        founder = await self._recipient(event.startup.owner_id)
        if founder is None:
            return
        await self.notify(
            kind,
            founder,
            event_id=event_id,
            startup=event.startup.name,
            reason=event.reason or "",
        )

    async def _to_staff(self, kind: Kind, event_id: str, **data: object) -> None:
        for staff in await self.store.contacts_with_roles([Role.ASSOCIATION_STAFF.value]):
            await self.notify(kind, staff, event_id=event_id, **data)

    async def _recipient(self, user_id: str) -> Contact | None:
        """The person's contact; None for someone erased, or not known yet while history is
        replayed (nothing is told then). Raises `RecipientNotYetKnown`
        when their identity event has not arrived yet (it travels on another stream): the
        event is redelivered after a backoff and the notice waits, never dropped."""
        contact = await self.store.contact(user_id)
        if contact is not None or await self.store.is_erased(user_id):
            return contact
        if replaying_history():
            # History replayed into a rebuilt database tells no one (`notify`): waiting for
            # the person's identity event (another stream, whose contact is opened with a
            # key asked of the gateway) would only park the event among the dead letters.
            return None
        raise RecipientNotYetKnown(user_id)

    async def _to(self, user_id: str, kind: Kind, event_id: str, **data: object) -> None:
        contact = await self._recipient(user_id)
        if contact is not None:
            await self.notify(kind, contact, event_id=event_id, **data)

    async def _name(self, user_id: str) -> str:
        contact = await self.store.contact(user_id)
        return contact.full_name if contact else ""

    async def request_opened(self, event_id: str, event: RequestOpenedV1) -> None:
        """Tell staff a consultation was requested, with the startup and topics."""
        # Codes of the canonical topics; each reader sees their labels (template filter).
        topics = list(event.topics)
        startup = event.startup_name or ""
        await self._to_staff(Kind.CONSULTATION_REQUESTED, event_id, startup=startup, topics=topics)

    async def feedback_recorded(self, event_id: str, event: FeedbackRecordedV1) -> None:
        """Tell the mentor a founder rated a session they held (issue 14: mentors were never
        told of their feedback)."""
        founder = await self._name(event.founder_id)
        await self._to(
            event.mentor_id, Kind.FEEDBACK_RECEIVED, event_id, founder=founder, rating=event.rating
        )

    async def match_proposed(self, event_id: str, event: MatchProposedV1) -> None:
        """Tell the founder and the proposed mentor about the proposal."""
        mentor = await self._name(event.mentor_id)
        data = {"startup": event.startup_name, "mentor": mentor}
        await self._to(event.founder_id, Kind.MATCH_PROPOSED, event_id, **data)
        await self._to(event.mentor_id, Kind.MATCH_PROPOSED_TO_MENTOR, event_id, **data)

    async def match_answered(self, event_id: str, event: MatchAcceptedV1 | MatchDeclinedV1) -> None:
        """An accepted match is told to the founder; a declined one to staff, who propose again."""
        data = {"startup": event.startup_name, "mentor": await self._name(event.mentor_id)}
        if isinstance(event, MatchAcceptedV1):
            await self._to(event.founder_id, Kind.MATCH_ACCEPTED, event_id, **data)
        else:
            await self._to_staff(Kind.MATCH_DECLINED, event_id, **data)

    async def session_scheduled(self, event_id: str, event: SessionScheduledV1) -> None:
        """Tell the founder and the mentor, and schedule a reminder before the session (when
        still ahead).
        """
        data = {
            "startup": event.startup_name,
            "starts_at": event.starts_at.isoformat(),
            **MODES[event.mode.value],
        }
        for user_id in (event.founder_id, event.mentor_id):
            await self._to(user_id, Kind.SESSION_SCHEDULED, event_id, **data)
        due = event.starts_at - REMINDER_BEFORE_SESSION
        if due > self.clock():
            payload = {**data, "recipients": [event.founder_id, event.mentor_id]}
            await self.store.schedule(
                f"session-reminder:{event.session_id}", "session_reminder", due, payload
            )

    # --- mentoring: sessions called off (issue 17) -----------------------------------------

    async def session_cancelled(self, event_id: str, event: SessionCancelledV1) -> None:
        """Tell the other party (both, when staff called it off) and staff that a session is
        off, with the reason; its reminder is retired (made first if the scheduling event is
        still to come, so it can never fire)."""
        data = {
            "startup": event.startup_name,
            "starts_at": event.starts_at.isoformat(),
            "reason": event.reason,
            "by": await self._name(event.cancelled_by),
        }
        for user_id in (event.founder_id, event.mentor_id):
            if user_id != event.cancelled_by:
                await self._to(user_id, Kind.SESSION_CANCELLED, event_id, **data)
        await self._to_staff(Kind.SESSION_CANCELLED, event_id, **data)
        job_id = f"session-reminder:{event.session_id}"
        await self.store.schedule(job_id, "session_reminder", event.starts_at, {"recipients": []})
        await self.store.job_done(job_id, self.clock())

    # --- competitions ---------------------------------------------------------------------

    async def competition_seen(self, event: CompetitionPublishedV1 | EntrySubmittedV1) -> None:
        """Remember titles and who entered what, to address judges and entrants later."""
        if isinstance(event, CompetitionPublishedV1):
            await self.store.save_label(f"competition:{event.competition_id}", event.title)
        else:
            await self.store.save_label(f"entry:{event.entry_id}", event.title)
            await self.store.save_label(f"entrant:{event.entry_id}", event.entrant_id)

    async def judge_assigned(self, event_id: str, event: JudgeAssignedV1) -> None:
        """Tell the judge which competition and how many entries are theirs."""
        if not event.entry_ids:
            return
        title = await self.store.label(f"competition:{event.competition_id}") or ""
        await self._to(
            event.judge_id,
            Kind.JUDGE_ASSIGNED,
            event_id,
            competition=event.competition_title or title,
            count=len(event.entry_ids),
            deadline=event.judging_deadline,
            round=event.round,
        )

    async def results_published(self, event_id: str, event: ResultsPublishedV1) -> None:
        """Tell each entrant their entry's rank and prize: one notice per entry (issue 14:
        a founder with two entries gets both), each keyed by the event and the entry."""
        total = len(event.ranking)
        for row in event.ranking:
            entrant = await self.store.label(f"entrant:{row.entry_id}")
            if entrant is None:
                continue
            await self._to(
                entrant,
                Kind.RESULTS_PUBLISHED,
                f"{event_id}:{row.entry_id}",
                competition=event.title,
                entry=await self.store.label(f"entry:{row.entry_id}") or "",
                rank=row.rank,
                total=total,
                prize=row.prize,
            )

    async def initiative_decided(self, event_id: str, event: InitiativeDecidedV1) -> None:
        """Tell whoever filed the initiative the decision."""
        if event.filed_by is None:
            return
        await self._to(
            event.filed_by,
            Kind.INITIATIVE_DECIDED,
            event_id,
            initiative=event.title,
            recognised=event.recognised,
            scope=event.scope or "",
            reasons=event.reasons or "",
            votes_for=event.votes_for,
            council_size=event.council_size,
        )

    # --- competitions depth (issue 14/17): organizers, authors and councils are told ------------

    async def entry_submitted(self, event_id: str, event: EntrySubmittedV1) -> None:
        """Remember who entered what, and tell the competition's organizer of the entry."""
        await self.competition_seen(event)
        if event.organizer_id is None:
            return
        title = event.competition_title or await self.store.label(
            f"competition:{event.competition_id}"
        )
        await self._to(
            event.organizer_id,
            Kind.ENTRY_RECEIVED,
            event_id,
            competition=title or "",
            entry=event.title,
            submitted_at=event.submitted_at,
        )

    async def initiative_filed(self, event_id: str, event: InitiativeFiledV1) -> None:
        """Tell whoever filed an initiative that it was received."""
        await self._to(
            event.filed_by,
            Kind.INITIATIVE_RECEIVED,
            event_id,
            initiative=event.title,
            filed_at=event.filed_at,
        )

    async def council_appointed(self, event_id: str, event: InitiativeCouncilAssignedV1) -> None:
        """Tell each member newly appointed to an initiative's council."""
        for member_id in event.appointed:
            await self._to(
                member_id,
                Kind.COUNCIL_APPOINTED,
                event_id,
                initiative=event.title,
                members=len(event.member_ids),
            )

    async def erase_person(self, event: UserDeletionRequestedV1) -> None:
        """Delete everything held about the person (PDPL 91/2025): contact, preferences, inbox
        and deliveries.
        """
        erased = await self.store.erase(event.user_id)
        log.info("person.erased", user_id=event.user_id, notifications=erased)

    async def export_personal_data(self, user_id: str) -> dict[str, Any]:
        """What notifications hold about the person (PDPL 91/2025 access request): contact,
        inbox and preferences.
        """
        return await self.store.personal_data(user_id)

    # --- delivery --------------------------------------------------------------------------

    async def deliver_due(self, now: datetime | None = None) -> int:
        """Send what is due; a failure is retried with backoff and finally marked failed.
        Runs beside the inbox, so a dead mail server never holds up anyone's inbox."""
        sent = 0
        at = now or self.clock()
        while delivery := await self.store.claim_due_delivery(at, self.instance, LEASE):
            done = await self._deliver_or_stand_back(delivery, at)
            if done is None:
                break  # another copy is sending that person's digest: try again next tick
            sent += done
        return sent

    async def _deliver(self, delivery: dict[str, Any], at: datetime) -> int:
        """Send one claimed delivery (with the rest of its digest); how many went out."""
        return await self._deliver_or_stand_back(delivery, at) or 0

    async def _deliver_or_stand_back(self, delivery: dict[str, Any], at: datetime) -> int | None:
        """Send a claimed delivery; None when it belongs to a digest another copy is
        sending (the claim is released so that copy's batch takes it)."""
        contact = await self.store.contact(delivery["recipient_id"])
        sender = self.senders.get(Channel(delivery["channel"]))
        if contact is None or sender is None:
            await self.store.failed(delivery["_id"], at, "no contact or channel", None)
            return 0
        if not delivery.get("digest"):
            return await self._send(contact, sender, delivery, [delivery], at)
        # One digest per person (issue 13): with two copies each may claim a different item
        # of the same digest at once; the one that holds the person's digest sends it all,
        # the other stands back and releases its item.
        token = f"{self.instance}:{delivery['_id']}"
        if not await self.store.hold_digest(contact.user_id, token, at, LEASE):
            await self.store.unclaim(delivery["_id"], self.instance)
            return None
        try:
            batch = await self._claim_digest(contact.user_id, at, token)
            others = [item for item in batch if item["_id"] != delivery["_id"]]
            return await self._send(contact, sender, delivery, [delivery, *others], at)
        finally:
            await self.store.drop_digest_hold(contact.user_id, token)

    async def _claim_digest(
        self, recipient_id: str, at: datetime, token: str
    ) -> list[dict[str, Any]]:
        """Claim the person's due digest items under `token`, waiting (up to
        `DIGEST_GATHER_SECONDS`) for a copy that claimed one of them to stand back; an item
        whose claimant died stays out and goes at its lease's end."""
        deadline = asyncio.get_running_loop().time() + DIGEST_GATHER_SECONDS
        mine = [token, self.instance]
        batch: list[dict[str, Any]] = []
        while True:
            # Look first, then claim: done once no one else holds an item and the claim
            # after that look found nothing new (an item released meanwhile is taken).
            elsewhere = await self.store.digest_claimed_elsewhere(recipient_id, at, mine)
            claimed = await self.store.claim_digest_batch(recipient_id, at, token, LEASE)
            if not elsewhere and len(claimed) == len(batch):
                return claimed
            batch = claimed
            if asyncio.get_running_loop().time() > deadline:
                return batch
            if elsewhere:
                await asyncio.sleep(0.05)  # the other copy is releasing its claim

    async def _send(
        self,
        contact: Contact,
        sender: Sender,
        delivery: dict[str, Any],
        batch: list[dict[str, Any]],
        at: datetime,
    ) -> int:
        message = await self._message(contact, batch)
        try:
            await sender.send(contact, message)
        except Exception as exc:  # any transport failure: retry later, never forever
            attempts = int(delivery.get("attempts", 0)) + 1
            retry = domain.retry_at(at, attempts)
            # A digest's items are retried together, so the retry is again one email.
            for item in batch:
                await self.store.failed(item["_id"], at, f"{type(exc).__name__}: {exc}", retry)
            log.warning(
                "delivery.failed",
                channel=delivery["channel"],
                attempts=attempts,
                gave_up=retry is None,
                error=str(exc)[:200],
            )
            return 0
        await self.store.delivered([item["_id"] for item in batch], at)
        return len(batch)

    async def _message(self, contact: Contact, batch: list[dict[str, Any]]) -> Message:
        notifications = [await self.store.find(item["notification_id"]) for item in batch]
        found = [n for n in notifications if n]
        # What this email delivers: sent again after a crash, it is the same email.
        key = ",".join(sorted(str(item["_id"]) for item in batch))
        if len(found) == 1:
            return Message(title=found[0]["title"], body=found[0]["body"], key=key)
        title = (
            f"InnoHub: {len(found)} thông báo trong ngày"
            if contact.locale.value == "vi"
            else f"InnoHub: {len(found)} notifications today"
        )
        body = "\n\n".join(f"• {n['title']}\n{n['body']}" for n in found)
        return Message(title=title, body=body, key=key)

    # --- scheduled reminders ---------------------------------------------------------------

    async def plan_report_reminders(self, now: datetime | None = None) -> int:
        """Keep a reminder job for every report deadline of the coming year (idempotent)."""
        today = local_date(now or self.clock())
        planned = 0
        for deadline in domain.report_deadlines(today, today + timedelta(days=370)):
            due_at = domain.reminder_time(deadline)
            payload = {
                "due": deadline.due.isoformat(),
                "period": deadline.period,
                "kind": deadline.kind,
            }
            job_id = f"report-deadline:{deadline.due.isoformat()}:{deadline.kind}"
            planned += await self.store.schedule(job_id, "report_deadline", due_at, payload)
        return planned

    async def run_due_jobs(self, now: datetime | None = None) -> int:
        """Fire what is due. A job is claimed atomically, so with two copies of the service
        each fires once; a claim whose holder died is taken over after the lease."""
        at = now or self.clock()
        fired = 0
        while job := await self.store.claim_due_job(at, self.instance, LEASE):
            if job["kind"] == "report_deadline":
                await self._remind_report(job)
            elif job["kind"] == event_notices.REMINDER_JOB:
                await event_notices.remind(self, job)
            elif job["kind"] == "session_reminder":
                payload = dict(job["payload"])
                for user_id in payload.pop("recipients"):
                    await self._to(user_id, Kind.SESSION_REMINDER, job["_id"], **payload)
            await self.store.job_done(job["_id"], at)
            fired += 1
        return fired

    async def _remind_report(self, job: dict[str, Any]) -> None:
        payload = job["payload"]
        label_vi, label_en = REPORT_LABELS[payload["kind"]]
        for contact in await self.store.contacts_with_roles(REPORT_RECIPIENTS):
            await self.notify(
                Kind.REPORT_DEADLINE,
                contact,
                event_id=job["_id"],
                due=payload["due"],
                period=payload["period"],
                label_vi=label_vi,
                label_en=label_en,
            )

    async def tick(self, now: datetime | None = None) -> None:
        """Fire due jobs, then send due deliveries, as of `now` (default: the clock)."""
        at = now or self.clock()
        await self.run_due_jobs(at)
        await self.deliver_due(at)

    async def run(self, interval: float, stop: asyncio.Event) -> None:
        """The delivery and reminder loop: wakes on each new notification or every interval."""
        last_plan: datetime | None = None
        while not stop.is_set():
            try:
                now = self.clock()
                if last_plan is None or now - last_plan > timedelta(hours=6):
                    await self.plan_report_reminders(now)
                    last_plan = now
                await self.tick(now)
            except Exception:
                log.exception("notifications.tick_failed")
            self.wakeup.clear()
            waiters = [
                asyncio.ensure_future(self.wakeup.wait()),
                asyncio.ensure_future(stop.wait()),
            ]
            await asyncio.wait(waiters, timeout=interval, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()

    # --- inbox and preferences ---------------------------------------------------------------

    async def list_inbox(self, request: ListInbox) -> InboxPage:
        """One page of the caller's inbox, newest first, with the unread count. Raises
        `Forbidden` without an actor.
        """
        actor = _require_actor(request.actor)
        skip = (request.page - 1) * request.page_size
        docs, total, unread = await self.store.inbox(
            actor, skip=skip, limit=request.page_size, unread_only=request.unread_only
        )
        return InboxPage(
            items=[InboxItem.model_validate({**doc, "id": doc["_id"]}) for doc in docs],
            total=total,
            unread=unread,
            page=request.page,
            page_size=request.page_size,
        )

    async def mark_read(self, request: MarkRead) -> MarkedRead:
        """Mark one of the caller's items read; returns the unread count after. Raises
        `Forbidden` (no actor, or someone else's item), `NotFound`.
        """
        actor = _require_actor(request.actor)
        doc = await self.store.find(request.notification_id)
        if doc is None:
            raise NotFound("không tìm thấy thông báo", notification_id=request.notification_id)
        if doc["recipient_id"] != actor:
            raise Forbidden("thông báo này thuộc về người khác")
        await self.store.mark_read(request.notification_id)
        _, _, unread = await self.store.inbox(actor, skip=0, limit=1, unread_only=True)
        return MarkedRead(id=request.notification_id, read=True, unread=unread)

    async def preferences(self, actor: Actor | None) -> PreferencesView:
        """The caller's channel choices, digest and quiet hours, and every kind's defaults.
        Raises `Forbidden` without an actor.
        """
        user_id = _require_actor(actor)
        stored = await self.store.preferences(user_id) or {}
        return PreferencesView(
            channels={k: ChannelChoice(**v) for k, v in stored.get("channels", {}).items()},
            digest=stored.get("digest", False),
            quiet_hours=QuietHoursSetting(**stored.get("quiet_hours", {})),
            kinds=[
                KindInfo(kind=k.value, urgent=r.urgent, channels=[c.value for c in r.channels])
                for k, r in domain.RULES.items()
            ],
        )

    async def save_preferences(
        self, actor: Actor | None, preferences: NotificationPreferences
    ) -> PreferencesView:
        """Replace the caller's preferences; the in-app inbox cannot be turned off. Raises
        `Forbidden`, `Invalid` (an unknown kind, or the inbox off).
        """
        user_id = _require_actor(actor)
        unknown = sorted(set(preferences.channels) - {k.value for k in Kind})
        if unknown:
            raise Invalid("loại thông báo không tồn tại", kinds=unknown)
        if any(not choice.inbox for choice in preferences.channels.values()):
            raise Invalid("hộp thư trong ứng dụng không thể tắt", field="inbox")
        await self.store.save_preferences(user_id, preferences.model_dump())
        return await self.preferences(actor)

    async def _preferences(self, user_id: str) -> domain.Preferences:
        stored = await self.store.preferences(user_id) or {}
        quiet = stored.get("quiet_hours") or {}
        return domain.Preferences(
            choices=stored.get("channels", {}),
            digest=bool(stored.get("digest")),
            quiet_hours=domain.QuietHours(
                start=time.fromisoformat(quiet.get("start", "22:00")),
                end=time.fromisoformat(quiet.get("end", "07:00")),
            ),
        )


def _require_actor(actor: Actor | None) -> str:
    if actor is None:
        raise Forbidden("cần đăng nhập để xem thông báo")
    return actor.id
