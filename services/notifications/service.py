"""Who hears what (DESIGN §2: notifications consume every service's events): a notice
becomes one inbox item per recipient at once, and outward deliveries (email, SMS, Zalo)
planned by the person's preferences and quiet hours, which `deliveries.Deliveries` sends.

`Notices` is what every event's reaction (`directory`, `startup_notices`,
`mentoring_notices`, `competition_notices`, `event_notices`, `transactional`) and every
reminder (`reminders`) tells people through; redelivered events write nothing new."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, time

from services.notifications import domain, messages
from services.notifications.delivery import Sender
from services.notifications.domain import Channel, Contact, Kind
from services.notifications.ports import NotificationRepository
from shared.contracts.base import Role
from shared.infra.logging import get_logger
from shared.infra.runtime import replaying_history

log = get_logger(__name__)


class RecipientNotYetKnown(LookupError):
    """An event names someone the contact directory does not know yet; raised so the event
    is redelivered later (DESIGN §4 redelivery with backoff, issue 13)."""

    def __init__(self, user_id: str) -> None:
        super().__init__(f"recipient {user_id} is not in the contact directory yet")
        self.user_id = user_id


class Notices:
    """Tells people: an inbox item at once, outward deliveries planned on the channels that
    have a sender. `senders` by channel; `clock` gives aware UTC moments; `wakeup` is set
    when a new item was written, so the delivery loop (`reminders.Reminders.run`) sends it
    without waiting for its interval."""

    def __init__(
        self,
        store: NotificationRepository,
        senders: dict[Channel, Sender],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.senders = senders
        self.clock = clock
        self.wakeup = asyncio.Event()

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

    async def recipient(self, user_id: str) -> Contact | None:
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

    async def tell(self, user_id: str, kind: Kind, event_id: str, **data: object) -> None:
        """Notify the person `user_id` (see `recipient`: nothing for someone erased; raises
        `RecipientNotYetKnown` for someone not known yet)."""
        contact = await self.recipient(user_id)
        if contact is not None:
            await self.notify(kind, contact, event_id=event_id, **data)

    async def tell_staff(self, kind: Kind, event_id: str, **data: object) -> None:
        """Notify every Consultation Point staff member (`association_staff`)."""
        for staff in await self.store.contacts_with_roles([Role.ASSOCIATION_STAFF.value]):
            await self.notify(kind, staff, event_id=event_id, **data)

    async def full_name(self, user_id: str) -> str:
        """The person's full name, to write in a message; empty when not known."""
        contact = await self.store.contact(user_id)
        return contact.full_name if contact else ""

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
