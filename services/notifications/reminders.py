"""Scheduled reminders (DESIGN §2, §8): a reminder before each report deadline of the
coming year, before a consultation session (`mentoring_notices`) and before an event
(`event_notices`), each a job fired once however many copies run; and the loop that fires
what is due, then sends the due deliveries (`deliveries.Deliveries`)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from services.notifications import domain, event_notices, mentoring_notices
from services.notifications.deliveries import LEASE, Deliveries
from services.notifications.domain import Kind
from services.notifications.service import Notices
from shared.contracts.base import Role
from shared.infra.logging import get_logger
from shared.localtime import local_date

log = get_logger(__name__)
REPORT_RECIPIENTS = [Role.ORGANIZER.value, Role.ADMIN.value]
REPORT_LABELS = {
    "monthly": ("tháng", "monthly"),
    "half_year": ("6 tháng", "half-year"),
    "annual": ("năm", "annual"),
}


class Reminders:
    """Plans and fires the scheduled jobs through `notices`, and runs the loop that also
    sends what `deliveries` has due; jobs are claimed in this copy's name, as deliveries
    are (`Deliveries.instance`)."""

    def __init__(self, notices: Notices, deliveries: Deliveries) -> None:
        self.notices = notices
        self.deliveries = deliveries
        self.instance = deliveries.instance
        self.store = notices.store
        self.clock = notices.clock

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
                await event_notices.remind(self.notices, job)
            elif job["kind"] == mentoring_notices.REMINDER_JOB:
                await mentoring_notices.remind(self.notices, job)
            await self.store.job_done(job["_id"], at)
            fired += 1
        return fired

    async def _remind_report(self, job: dict[str, Any]) -> None:
        payload = job["payload"]
        label_vi, label_en = REPORT_LABELS[payload["kind"]]
        for contact in await self.store.contacts_with_roles(REPORT_RECIPIENTS):
            await self.notices.notify(
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
        await self.deliveries.deliver_due(at)

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
            self.notices.wakeup.clear()
            waiters = [
                asyncio.ensure_future(self.notices.wakeup.wait()),
                asyncio.ensure_future(stop.wait()),
            ]
            await asyncio.wait(waiters, timeout=interval, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
