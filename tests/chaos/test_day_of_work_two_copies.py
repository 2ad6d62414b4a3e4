"""Issue 13, "two copies of everything": a day of work on `INNOHUB_REPLICAS=2`, counted exactly.

The stack runs as `make run` starts it, two copies of every service, with a real SMTP server
in the test that receives every email and the notifications clock moved by a file
(`INNOHUB_TEST_CLOCK_FILE`, test only). The day: staff and judges are created, six founders
sign up (two choose the daily digest), register startups that staff verify; midway one copy of
each service is killed with kill -9 and the launcher starts it again; a consultation is
requested, matched, accepted, one session recorded as held and one booked for tomorrow 10:00;
the clock moves two hours on and the 24-hour reminder goes out; two founders take a seat at
a training tomorrow; a competition runs from entries through judging to results; the clock
moves past 18:00: the digests and the training's day-before reminder go out.

Then everything is counted: one welcome per account, one inbox item per recipient and fact,
one email per emailed item (one digest for the digest users), one reminder per party, one
result notice per entry, and the month's district report equals what was done.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.notifications.domain import RULES, Kind
from shared.localtime import HCMC
from tests.chaos.conftest import ADMIN, LaunchedStack, SmtpSink, launch, poll, report
from tests.chaos.day_kit import (
    Account,
    Client,
    StackClock,
    emailed,
    expected_emails,
    founder,
    inbox_counts,
    local_at,
    staff_account,
    startup_body,
)
from tests.chaos.test_kill_and_restart import drained

pytestmark = pytest.mark.chaos

FOUNDERS = 6
DIGEST_USERS = 2  # founders 0 and 1 choose the daily digest
ENTRANTS = (0, 1, 3)  # founders whose startups enter the competition
CONSULTING = 2  # the founder who asks for a consultation
TRAINEES = (3, 4)  # founders (no digest) who take a seat at a training tomorrow
KILLED = ("registry-1", "mentoring-1", "competitions-1", "notifications-1", "events-1")
#: Entries close this long after the competition is created (competitions' real clock).
ENTRY_WINDOW = timedelta(seconds=75)
RUBRIC = {
    "criteria": [
        {"name": "Tính sáng tạo", "weight": 0.6},
        {"name": "Tính khả thi", "weight": 0.4},
    ],
    "min_score": 0,
    "max_score": 10,
}


def test_a_day_of_work_on_two_copies_counts_every_effect_once(tmp_path: Path) -> None:
    started = time.monotonic()
    smtp = SmtpSink().start()
    clock = StackClock(tmp_path / "clock-offset")
    # The notifications clock starts at 09:00 of today (local): a working day, no quiet hours,
    # the digest due at 18:00, tomorrow's session reminder due at 10:00.
    today = datetime.now(HCMC).date()
    clock.set_to(local_at(today, 9))
    month = datetime.now(HCMC).strftime("%Y-%m")
    stack = launch(
        tmp_path,
        replicas="2",
        smtp_host="127.0.0.1",
        smtp_port=str(smtp.port),
        test_clock_file=str(clock.path),
    )
    try:
        launched_s = time.monotonic() - started
        with httpx.Client(base_url=stack.base_url, timeout=30) as http:
            api = Client(http)
            day(stack, api, clock, today, month, smtp, launched_s)
    finally:
        code = stack.stop()
        smtp.stop()
    assert code == 0, stack.log_path.read_text()[-3000:]


def day(
    stack: LaunchedStack,
    api: Client,
    clock: StackClock,
    today: date,
    month: str,
    smtp: SmtpSink,
    launched_s: float,
) -> None:
    began = time.monotonic()
    admin = api.login(*ADMIN)
    chief = Account(ADMIN[0], api.ok("GET", "/me", admin)["id"], admin)
    staff = staff_account(
        api, admin, "canbo@hdn.govap.vn", "association_staff", "business_association"
    )
    mentor = staff_account(api, admin, "chuyengia@hdn.govap.vn", "mentor", "business_association")
    organizer = staff_account(api, admin, "btc@quandoan.govap.vn", "organizer", "youth_union")
    judges = [
        staff_account(api, admin, f"giamkhao{n}@example.vn", "judge", "economic_division")
        for n in range(2)
    ]

    # A competition for startups, open for entries a while (the competitions service's real
    # clock); the founders enter once their startups are verified.
    now = datetime.now(UTC)
    entry_deadline = now + ENTRY_WINDOW
    competition = api.ok(
        "POST",
        "/competitions",
        organizer.headers,
        json={
            "title": "Cuộc thi Khởi nghiệp Đổi mới Sáng tạo Gò Vấp",
            "kind": "youth_startup",
            "description": "Cuộc thi dành cho các dự án khởi nghiệp của quận.",
            "eligibility": {"entrants": "startup"},
            "entry_deadline": entry_deadline.isoformat(),
            "judging_deadline": (now + timedelta(hours=2)).isoformat(),
            "rubric": RUBRIC,
            "judges_per_entry": 2,
            "winners": 1,
        },
    )
    cid = competition["id"]
    api.ok("POST", f"/competitions/{cid}/publish", organizer.headers)
    for judge in judges:
        api.until(
            "POST",
            f"/competitions/{cid}/judges",
            organizer.headers,
            200,
            json={"user_id": judge.id},
        )

    founders = [founder(api, n) for n in range(FOUNDERS)]
    for person in founders[:DIGEST_USERS]:
        api.ok("PUT", "/notification-preferences", person.headers, json={"digest": True})

    # Startups: the registry learns the wards and sectors from the gateway's events first.
    db = stack.database("registry")
    poll(
        lambda: (db.wards.count_documents({}), db.sectors.count_documents({})),
        until=lambda n: n[0] >= 6 and n[1] >= 10,
        timeout=60,
    )
    # Midway, while founders are registering startups and the services are still working
    # through the events before: kill -9 one copy of each (from another thread, so the kill
    # lands between or during requests); the launcher starts each again while the other
    # copy serves.
    killed: dict[str, int] = {}
    back_after: dict[str, float] = {}

    def kill_one_copy_of_each() -> None:
        """kill -9, then note when the launcher has each copy running again."""
        killed.update({name: stack.kill(name) for name in KILLED})
        at = time.monotonic()
        while len(back_after) < len(killed) and time.monotonic() < at + 90:
            try:
                pids = stack.state().get("pids", {})
            except ValueError:  # stack.json being rewritten
                pids = {}
            for name, old in killed.items():
                if name not in back_after and pids.get(name, old) != old:
                    back_after[name] = time.monotonic() - at
            time.sleep(0.1)  # the sampling interval of the watch, not a wait for a result

    killer = threading.Timer(0.05, kill_one_copy_of_each)
    startups = []
    for n, person in enumerate(founders):
        if n == FOUNDERS // 2:
            killer.start()
        startups.append(
            api.until("POST", "/startups", person.headers, 201, json=startup_body(n))["id"]
        )

    for startup_id in startups:
        verified = api.ok("POST", f"/startups/{startup_id}/verify", staff.headers)
        assert verified["status"] == "verified"

    # A training tomorrow 14:00: two founders take a seat; the reminder the day before is due
    # at 14:00 today, which the notifications clock passes in the evening.
    tomorrow = today + timedelta(days=1)
    training = api.ok(
        "POST",
        "/events",
        organizer.headers,
        json={
            "title": "Lớp tập huấn gọi vốn cho dự án khởi nghiệp",
            "kind": "training",
            "organizers": ["youth_union"],
            "place": "Hội trường Quận Đoàn Gò Vấp",
            "sittings": [
                {
                    "starts_at": local_at(tomorrow, 14).isoformat(),
                    "ends_at": local_at(tomorrow, 16).isoformat(),
                }
            ],
            "capacity": 30,
            "audience": {"wards": ["go-vap"]},
        },
    )
    api.ok("POST", f"/events/{training['id']}/publish", organizer.headers)
    for n in TRAINEES:
        path = f"/events/{training['id']}/registrations"
        seat = api.until("POST", path, founders[n].headers, 201, json={"ward": "go-vap"})
        assert seat["status"] == "seat"

    entries = {}
    for n in ENTRANTS:
        body = {
            "startup_id": startups[n],
            "title": f"Dự án dự thi số {n}",
            "description": "Giảm chi phí thực phẩm sạch cho bếp ăn trường học.",
        }
        path = f"/competitions/{cid}/entries"
        entries[n] = api.until("POST", path, founders[n].headers, 201, json=body)["id"]
    entries_left_s = (entry_deadline - datetime.now(UTC)).total_seconds()

    # The Consultation Point: a request, a proposed mentor who accepts, one session recorded
    # as held earlier today and one booked for tomorrow 10:00 (the notifications clock's
    # tomorrow: 25 hours ahead of it).
    profile = {
        "expertise": ["legal", "ip"],
        "sectors": ["agriculture"],
        "stages": ["mvp"],
        "monthly_capacity": 4,
        "bio": "Luật sư, hơn mười năm tư vấn cho doanh nghiệp nhỏ.",
    }
    api.until("POST", "/mentors", mentor.headers, 201, json=profile)
    slots = [{"weekday": d, "start": "08:00", "end": "17:00"} for d in range(7)]
    api.ok("PUT", f"/mentors/{mentor.id}/availability", mentor.headers, json={"slots": slots})
    asking = founders[CONSULTING]
    request = api.until(
        "POST",
        "/consultations",
        asking.headers,
        201,
        json={
            "startup_id": startups[CONSULTING],
            "topics": ["legal"],
            "message": "Chúng tôi cần tư vấn về hợp đồng với nông trại.",
        },
    )
    match = api.ok(
        "POST",
        f"/consultations/{request['id']}/match",
        staff.headers,
        json={"mentor_id": mentor.id},
    )
    assert api.ok("POST", f"/matches/{match['id']}/accept", mentor.headers)["status"] == "accepted"
    real_now = datetime.now(UTC)
    month_start = datetime.now(HCMC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    held_from = max(real_now - timedelta(hours=2), month_start.astimezone(UTC))
    held_to = held_from + min(timedelta(hours=1), (real_now - held_from) / 2)
    held = api.ok(
        "POST",
        "/sessions",
        mentor.headers,
        json={
            "match_id": match["id"],
            "starts_at": held_from.isoformat(),
            "ends_at": held_to.isoformat(),
            "mode": "in_person",
        },
    )
    held_minutes = 45
    outcome = {"notes": "Rà soát mẫu hợp đồng cung ứng nông sản.", "duration_minutes": held_minutes}
    api.ok("POST", f"/sessions/{held['id']}/complete", mentor.headers, json=outcome)
    booked = api.ok(
        "POST",
        "/sessions",
        asking.headers,
        json={
            "match_id": match["id"],
            "starts_at": local_at(tomorrow, 10).isoformat(),
            "ends_at": local_at(tomorrow, 11).isoformat(),
            "mode": "online",
        },
    )
    assert booked["status"] == "scheduled"
    parties = (asking.id, mentor.id)

    # Both parties hear of the booking; the reminder is then a job waiting for 10:00 today
    # (written after the inbox items: the clock moves only once it is there).
    poll(
        lambda: inbox_counts(stack),
        until=lambda c: all(c[(who, "session_scheduled")] == 2 for who in parties),
        timeout=60,
    )
    jobs = stack.database("notifications").schedules
    job = poll(
        lambda: jobs.find_one({"_id": f"session-reminder:{booked['id']}"}),
        until=lambda found: found is not None,
        timeout=30,
    )
    assert job["status"] == "pending"
    assert all(inbox_counts(stack)[(who, "session_reminder")] == 0 for who in parties)

    # Two hours on: the 24-hour reminder is due, and fires once for each party.
    clock.set_to(clock.now() + timedelta(hours=2))
    try:
        poll(
            lambda: inbox_counts(stack),
            until=lambda c: all(c[(who, "session_reminder")] >= 1 for who in parties),
            timeout=30,
        )
    except AssertionError:
        found = list(jobs.find({"kind": "session_reminder"}))
        raise AssertionError(f"no reminder at {clock.now()}; jobs: {found}") from None
    reminder_s = time.monotonic() - began

    # Judging began by itself at the entry deadline; each judge scores what is theirs.
    for n, judge in enumerate(judges):

        def assignments(judge: Account = judge) -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = api.ok("GET", "/judging/assignments", judge.headers)[
                "items"
            ]
            return found

        items = poll(
            assignments,
            until=lambda found: len(found) == len(ENTRANTS),
            timeout=ENTRY_WINDOW.total_seconds() + 60,
        )
        for item in items:
            mark = 6 + n + (item["entry_id"] == entries[ENTRANTS[0]]) * 3
            scores = {"scores": {"Tính sáng tạo": mark, "Tính khả thi": mark}}
            api.ok("POST", f"/entries/{item['entry_id']}/scores", judge.headers, json=scores)
    api.ok("POST", f"/competitions/{cid}/results/publish", organizer.headers)
    entrants = [founders[n].id for n in ENTRANTS]
    poll(
        lambda: inbox_counts(stack),
        until=lambda c: all(c[(who, "results_published")] >= 1 for who in entrants),
        timeout=60,
    )

    # Every killed copy is back (the watch thread saw each new pid).
    killer.join()
    assert set(back_after) == set(killed) == set(KILLED), (killed, back_after)
    poll(stack.ready, until=bool, timeout=60)

    # The evening: past 18:00 the digests go out; the training's reminder (due 14:00) too.
    clock.set_to(local_at(today, 18, 5))
    trainees = [founders[n].id for n in TRAINEES]
    poll(
        lambda: inbox_counts(stack),
        until=lambda c: all(c[(who, "event_reminder")] >= 1 for who in trainees),
        timeout=30,
    )
    digest_users = {person.id for person in founders[:DIGEST_USERS]}
    accounts = [staff, mentor, organizer, *judges, *founders]
    by_email = {person.email: person.id for person in [*accounts, chief]}

    def all_sent() -> int:
        pending = stack.database("notifications").deliveries.count_documents(
            {"channel": "email", "status": {"$ne": "sent"}}
        )
        return int(pending)

    poll(all_sent, until=lambda n: n == 0, timeout=60)
    lagging = asyncio.run(drained(stack.nats_login(), timeout=60))
    assert not any(lagging.values()), lagging
    inbox = inbox_counts(stack)

    def mail() -> Counter[str]:
        return Counter(by_email.get(to, to) for to, _ in smtp.received())

    def mail_expected() -> dict[str, int]:
        everyone = [*accounts, chief]
        return {p.id: sum(expected_emails(inbox, digest_users, p.id)) for p in everyone}

    poll(mail, until=lambda m: all(m[i] >= n for i, n in mail_expected().items()), timeout=30)
    received = mail()
    subjects = smtp.received()
    digests = Counter(
        by_email.get(to, to) for to, subject in subjects if subject.startswith("InnoHub:")
    )

    # The report of the month, as the admin reads it (the year's, should the day have run
    # past midnight into another month).
    if datetime.now(HCMC).strftime("%Y-%m") != month:
        month = month[:4]
    figures = poll(
        lambda: api.ok("GET", "/reports/district", admin, params={"period": month}),
        until=lambda r: all(r.get(s) for s in ("startups", "consultations", "competitions")),
        timeout=30,
    )
    startups_fig, consult_fig, comp_fig = (
        figures["startups"],
        figures["consultations"],
        figures["competitions"],
    )
    report(
        "a day of work on two copies (INNOHUB_REPLICAS=2)",
        accounts=len(accounts),
        startups=len(startups),
        entries=len(entries),
        inbox_items=sum(inbox.values()),
        emails=len(subjects),
        emails_resent=smtp.resent(),
        digests=sum(digests.values()),
        reminders=sum(inbox[(who, "session_reminder")] for who in parties),
        client_retries=api.retried,
        killed=len(killed),
        slowest_restart_s=round(max(back_after.values()), 1),
        entry_window_left_s=round(entries_left_s, 1),
        launch_s=round(launched_s, 1),
        reminder_at_s=round(reminder_s, 1),
        total_s=round(time.monotonic() - began + launched_s, 1),
    )

    # Exactly once, everywhere: the whole inbox is what the day made, item by item.
    expected: Counter[tuple[str, str]] = Counter()
    for person in accounts:
        expected[(person.id, "welcome")] = 1
    for person in founders:
        expected[(person.id, "startup_received")] = 1
        expected[(person.id, "startup_verified")] = 1
    expected[(staff.id, "startup_awaits_verification")] = FOUNDERS
    expected[(staff.id, "consultation_requested")] = 1
    expected[(asking.id, "match_proposed")] = 1
    expected[(asking.id, "match_accepted")] = 1
    expected[(mentor.id, "match_proposed_to_mentor")] = 1
    for who in parties:
        expected[(who, "session_scheduled")] = 2  # the one held earlier, tomorrow's
        expected[(who, "session_reminder")] = 1
    expected[(organizer.id, "entry_received")] = len(ENTRANTS)
    for judge in judges:
        expected[(judge.id, "judge_assigned")] = 1
    for who in entrants:
        expected[(who, "results_published")] = 1
    for n in TRAINEES:
        expected[(founders[n].id, "event_registered")] = 1
        expected[(founders[n].id, "event_reminder")] = 1
    # The first admin's own items (a welcome, report deadlines) are theirs to have.
    delivered = Counter({key: n for key, n in inbox.items() if key[0] != chief.id})
    assert delivered == expected, (delivered - expected, expected - delivered)
    # one email per emailed item, one digest per digest user, nothing to anyone else
    assert {p.id: received[p.id] for p in [*accounts, chief]} == mail_expected()
    # Sent again under the same Message-ID, at most: the email the killed notifications
    # copy had in flight (each copy sends one at a time), and one whose lease the test's
    # clock jumped past while a live copy sent it. Two copies sending everything twice, or
    # a digest twice, would show dozens.
    assert smtp.resent() <= 2, smtp.resent()
    assert set(received) <= {p.id for p in [*accounts, chief]}
    assert {who: digests[who] for who in digest_users} == dict.fromkeys(digest_users, 1)
    # each digest holds every non-urgent emailed item of the day (verified, result)
    digest_subjects = {
        by_email[to]: subject for to, subject in subjects if subject.startswith("InnoHub:")
    }
    held_back = {
        who: sum(
            n
            for (recipient, kind), n in inbox.items()
            if recipient == who and emailed(kind) and not RULES[Kind(kind)].immediate
        )
        for who in digest_users
    }
    assert digest_subjects == {
        who: f"InnoHub: {n} thông báo trong ngày" for who, n in held_back.items()
    }
    notices = stack.database("notifications").notifications

    def emails_titled(kind: str) -> Counter[str]:
        """Emails whose subject is the recipient's own inbox title of `kind`."""
        titles = {(d["recipient_id"], d["title"]) for d in notices.find({"kind": kind})}
        return Counter(
            by_email[to] for to, subject in subjects if (by_email.get(to), subject) in titles
        )

    reminder_emails = emails_titled("session_reminder")
    assert {who: reminder_emails[who] for who in parties} == dict.fromkeys(parties, 1), subjects
    training_emails = emails_titled("event_reminder")
    assert {who: training_emails[who] for who in trainees} == dict.fromkeys(trainees, 1)
    welcome_emails = emails_titled("welcome")
    assert {p.id: welcome_emails[p.id] for p in accounts} == {p.id: 1 for p in accounts}
    # The month's report equals what was done.
    assert (startups_fig["registered"], startups_fig["verified"]) == (FOUNDERS, FOUNDERS)
    assert (startups_fig["women_led"], startups_fig["youth_led"]) == (3, 1)
    assert (consult_fig["requests"], consult_fig["matched"], consult_fig["sessions_held"]) == (
        1,
        1,
        1,
    )
    assert consult_fig["hours"] == pytest.approx(held_minutes / 60, abs=0.01)
    assert (comp_fig["held"], comp_fig["entries"], comp_fig["winners"]) == (1, len(ENTRANTS), 1)
