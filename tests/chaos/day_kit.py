"""The pieces of the day-of-work test (issue 13): a careful API client, the stack's movable
notifications clock, the people it signs up, and how inbox and email counts are read."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from services.notifications.domain import RULES, Channel, Kind
from shared.infra.clock import write_offset
from shared.localtime import HCMC
from tests.chaos.conftest import LaunchedStack, poll

API = "/api/v1"
PASSWORD = "mat-khau-mot-ngay-2026"
#: How long a client keeps retrying a request that found no answer (a killed copy).
RETRY_SECONDS = 90.0


@dataclass
class Account:
    email: str
    id: str
    headers: dict[str, str]


@dataclass
class Client:
    """The API as a careful client uses it: every POST carries an Idempotency-Key and is
    retried with the same key after a broken connection, a 5xx or a 409 "in progress"."""

    http: httpx.Client
    retried: int = 0

    def send(
        self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        sent = dict(headers or {})
        if method == "POST":
            sent["Idempotency-Key"] = uuid.uuid4().hex
        deadline = time.monotonic() + RETRY_SECONDS
        while True:
            try:
                response: httpx.Response | None = self.http.request(
                    method, f"{API}{path}", headers=sent, **kwargs
                )
            except httpx.TransportError:
                response = None
            if response is not None and not (
                response.status_code >= 500
                or (
                    response.status_code == 409
                    and response.json().get("code") == "idempotency_key_in_progress"
                )
            ):
                return response
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} {path}: no answer within {RETRY_SECONDS} s")
            self.retried += 1
            time.sleep(0.25)  # a client's retry backoff, not a wait for a condition

    def ok(
        self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> Any:
        response = self.send(method, path, headers, **kwargs)
        assert response.status_code in (200, 201, 202), f"{path}: {response.text}"
        return response.json()

    def until(
        self, method: str, path: str, headers: dict[str, str], status: int, **kwargs: Any
    ) -> Any:
        """Repeat the request until it answers `status`: another service has not yet
        learned what it needs from an event (read models are eventually consistent)."""
        found = poll(
            lambda: self.send(method, path, headers, **kwargs),
            until=lambda r: r.status_code == status,
            timeout=60,
        )
        return found.json()

    def login(self, email: str, password: str) -> dict[str, str]:
        tokens = self.ok("POST", "/auth/login", json={"email": email, "password": password})
        return {"Authorization": f"Bearer {tokens['access_token']}"}


def local_at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=HCMC)


class StackClock:
    """The notifications clock of the stack: real time plus the offset in its file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0.0

    def set_to(self, moment: datetime) -> None:
        """Make the stack's notifications clock read `moment` now (and run on from it)."""
        self.offset = (moment - datetime.now(UTC)).total_seconds()
        write_offset(self.path, self.offset)

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset)


def staff_account(api: Client, admin: dict[str, str], email: str, role: str, org: str) -> Account:
    body = {
        "email": email,
        "password": PASSWORD,
        "full_name": "Phan Thanh Tùng",
        "role": role,
        "organization": org,
    }
    created = api.ok("POST", "/admin/users", admin, json=body)
    return Account(email, created["id"], api.login(email, PASSWORD))


def founder(api: Client, n: int) -> Account:
    email = f"sanglap{n}@example.vn"
    body = {"email": email, "password": PASSWORD, "full_name": f"Lê Thị Hồng {n}", "consent": True}
    created = api.ok("POST", "/auth/register", json=body)
    return Account(email, created["id"], api.login(email, PASSWORD))


def startup_body(n: int) -> dict[str, Any]:
    return {
        "name": f"Nông Sản Sạch Gò Vấp {n}",
        "summary": "Kết nối bếp ăn trường học với nông trại sạch quanh Gò Vấp.",
        "sector": "agriculture",
        "stage": "mvp",
        "ward": "go-vap",
        "women_led": n % 2 == 0,
        "youth_led": n == 1,
        "needs": ["legal"],
    }


def inbox_counts(stack: LaunchedStack) -> Counter[tuple[str, str]]:
    """Inbox items by (recipient id, kind), read from the notifications database."""
    docs = stack.database("notifications").notifications.find({}, {"recipient_id": 1, "kind": 1})
    return Counter((doc["recipient_id"], doc["kind"]) for doc in docs)


def emailed(kind: str) -> bool:
    """Whether a kind goes out by email by default (the recipients here chose no channels)."""
    return Channel.EMAIL in RULES[Kind(kind)].channels


def expected_emails(
    inbox: Counter[tuple[str, str]], digest_users: set[str], user_id: str
) -> tuple[int, int]:
    """(immediate emails, digest emails) one person should receive for their inbox: one per
    emailed item, except that a digest user's non-immediate items make one digest."""
    immediate = digested = 0
    for (recipient, kind), count in inbox.items():
        if recipient != user_id or not emailed(kind):
            continue
        if user_id in digest_users and not RULES[Kind(kind)].immediate:
            digested += count
        else:
            immediate += count
    return immediate, (1 if digested else 0)
