"""`/inbox`: the reader's notices, newest first, with mark read (a form; htmx swaps the
item in place when scripts run), and `/inbox/preferences`: channels per kind, digest,
quiet hours."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import ValidationError

from services.gateway.access import ANYONE
from services.gateway.web.kit import Web, WebRoute, web
from shared.contracts.rpc.notifications import (
    ChannelChoice,
    GetPreferences,
    ListInbox,
    MarkRead,
    NotificationPreferences,
    QuietHoursSetting,
    SavePreferences,
)
from shared.infra.broker import RpcFailure

router = APIRouter(include_in_schema=False, dependencies=[ANYONE], route_class=WebRoute)
Page = Annotated[Web, Depends(web)]
PAGE_SIZE = 20


@router.get("/inbox")
async def inbox(page: Page, p: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    """The reader's notices with the unread count."""
    page.require()
    found = await page.call(ListInbox(page=p, page_size=PAGE_SIZE))
    page.unread = found.unread
    pages = max(1, -(-found.total // PAGE_SIZE))
    return page.render("inbox.html", inbox=found, number=p, pages=pages)


@router.post("/inbox/{notification_id}/read")
async def mark_read(page: Page, notification_id: str) -> Response:
    """Mark one notice read; back to the inbox (or the updated item for htmx)."""
    page.require()
    await page.form()
    try:
        marked = await page.call(MarkRead(notification_id=notification_id[:64]))
    except (ValidationError, RpcFailure):
        return page.redirect("/inbox")
    if page.request.headers.get("hx-request"):
        # The item, now read, and both counts (the header's badge and the inbox's line)
        # at once, as out-of-band swaps.
        page.unread = marked.unread
        found = await page.call(ListInbox(page=1, page_size=100))
        item = next((n for n in found.items if n.id == marked.id), None)
        return page.render("_marked.html", n=item)
    return page.redirect("/inbox")


CHANNELS = ("inbox", "email", "sms", "zalo")


@router.get("/inbox/preferences")
async def preferences_form(page: Page) -> Response:
    """Channels per kind, daily digest and quiet hours."""
    page.require()
    await page.load_unread()
    found = await page.call(GetPreferences())
    return page.render("preferences.html", prefs=found, channels=CHANNELS, errors=None)


@router.post("/inbox/preferences")
async def save_preferences(page: Page) -> Response:
    """Save them; the inbox itself cannot be switched off (the service keeps it on)."""
    page.require()
    form = await page.form()
    current = await page.call(GetPreferences())
    try:
        chosen = NotificationPreferences(
            channels={
                info.kind: ChannelChoice(
                    **{channel: form.flag(f"{info.kind}:{channel}") for channel in CHANNELS}
                )
                for info in current.kinds
            },
            digest=form.flag("digest"),
            quiet_hours=QuietHoursSetting(
                start=form.get("quiet_start") or "22:00", end=form.get("quiet_end") or "07:00"
            ),
        )
        await page.call(SavePreferences(preferences=chosen))
    except (ValidationError, RpcFailure) as error:
        await page.load_unread()
        return page.render(
            "preferences.html",
            status=422,
            prefs=current,
            channels=CHANNELS,
            errors=page.errors_of(error),
        )
    return page.redirect("/inbox/preferences?saved=1")
