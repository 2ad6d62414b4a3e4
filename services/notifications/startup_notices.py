"""Who hears what of the registry: a startup received (its founder, and every Consultation
Point staff member, who verify it) and a startup verified or rejected (its founder).
Functions over the `Notices` use cases, like the other event reactions."""

from __future__ import annotations

from services.notifications.domain import Kind
from services.notifications.service import Notices
from shared.contracts.events.registry import (
    StartupRegisteredV1,
    StartupStatus,
    StartupStatusChangedV1,
)


async def startup_registered(n: Notices, event_id: str, event: StartupRegisteredV1) -> None:
    """Tell the founder their startup was received, and every Consultation Point staff
    member that one awaits verification.
    """
    startup = event.startup
    data = {
        "startup": startup.name,
        "ward": await n.store.label(f"ward:{startup.ward}") or startup.ward,
        "sector": await n.store.label(f"sector:{startup.sector}") or startup.sector,
        "when": startup.registered_at,
    }
    founder = await n.recipient(startup.owner_id)
    if founder:
        await n.notify(Kind.STARTUP_RECEIVED, founder, event_id=event_id, **data)
    await n.tell_staff(Kind.STARTUP_AWAITS_VERIFICATION, event_id, **data)


async def startup_status_changed(n: Notices, event_id: str, event: StartupStatusChangedV1) -> None:
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
    founder = await n.recipient(event.startup.owner_id)
    if founder is None:
        return
    await n.notify(
        kind,
        founder,
        event_id=event_id,
        startup=event.startup.name,
        reason=event.reason or "",
    )
