"""`/inbox`: the reader's notices, newest first, with mark read (a form; htmx swaps the
item in place when scripts run)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import ValidationError

from services.gateway.access import ANYONE
from services.gateway.web.kit import Web, web
from shared.contracts.rpc.notifications import ListInbox, MarkRead
from shared.infra.broker import RpcFailure

router = APIRouter(include_in_schema=False, dependencies=[ANYONE])
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
        # The item, now read, and the header's count (an out-of-band swap).
        page.unread = marked.unread
        found = await page.call(ListInbox(page=1, page_size=100))
        item = next((n for n in found.items if n.id == marked.id), None)
        if item is None:
            return page.render("_unread.html")
        return page.render("_marked.html", n=item)
    return page.redirect("/inbox")
