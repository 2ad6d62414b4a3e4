"""kill -9 under load, against the stack as `make run` starts it (issue 11).

Each case counts what was acknowledged before, during and after the kill and checks that
nothing acknowledged is lost and nothing is done twice; the figures are printed at the end.
Clients behave as a careful client would: every POST carries an Idempotency-Key and is
retried with the same key after a 5xx, a 409 "in progress" or a broken connection.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest

from tests.chaos.conftest import LaunchedStack, launch, poll, report

pytestmark = pytest.mark.chaos

API = "/api/v1"
RETRY_FOR_SECONDS = 120.0
CONCURRENCY = 8


async def post_until_answered(
    http: httpx.AsyncClient, path: str, body: dict[str, Any], key: str, **headers: str
) -> httpx.Response:
    """POST with `Idempotency-Key: key`, retrying on anything but a final answer."""
    deadline = time.monotonic() + RETRY_FOR_SECONDS
    while True:
        try:
            response = await http.post(path, json=body, headers={"Idempotency-Key": key, **headers})
        except httpx.TransportError:
            response = None
        retry = (
            response is None
            or response.status_code >= 500
            or (
                response.status_code == 409
                and response.json().get("code") == "idempotency_key_in_progress"
            )
        )
        if not retry:
            assert response is not None
            return response
        if time.monotonic() > deadline:
            raise AssertionError(f"no final answer for {key} within {RETRY_FOR_SECONDS} s")
        await asyncio.sleep(0.25)  # a client's retry backoff, not a wait for a condition


def person(n: int, prefix: str) -> dict[str, Any]:
    return {
        "email": f"{prefix}{n}@example.vn",
        "password": "mat-khau-du-dai-2026",
        "full_name": f"Nguyễn Văn Thử {n}",
        "consent": True,
    }


async def register_many(
    http: httpx.AsyncClient, count: int, prefix: str, kill_after: int, kill: Any
) -> dict[str, str]:
    """Register `count` people, `CONCURRENCY` at a time; call `kill()` once `kill_after` of
    them are answered. Returns email → user id of every 201."""
    registered: dict[str, str] = {}
    limit = asyncio.Semaphore(CONCURRENCY)
    killed = asyncio.Event()

    async def one(n: int) -> None:
        async with limit:
            body = person(n, prefix)
            response = await post_until_answered(
                http, f"{API}/auth/register", body, f"{prefix}-{n}"
            )
        assert response.status_code == 201, response.text
        registered[body["email"]] = response.json()["id"]
        if len(registered) >= kill_after and not killed.is_set():
            killed.set()
            kill()

    await asyncio.gather(*(one(n) for n in range(count)))
    return registered


async def token(http: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    response = await http.post(f"{API}/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def startup_body(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "summary": "Nền tảng kết nối các bếp ăn trường học với nông trại sạch ở Gò Vấp.",
        "sector": "agriculture",
        "stage": "mvp",
        "ward": "go-vap",
        "needs": ["legal"],
    }


def reference_known(stack: LaunchedStack) -> None:
    db = stack.database("registry")
    poll(
        lambda: (db.wards.count_documents({}), db.sectors.count_documents({})),
        until=lambda n: n[0] >= 6 and n[1] >= 10,
        timeout=60,
    )


def welcomes_for(stack: LaunchedStack, registered: dict[str, str], timeout: float) -> Counter[str]:
    """Welcome items per recipient, once every registered person (email → id) has one."""
    inbox = stack.database("notifications").notifications

    def welcomes() -> Counter[str]:
        found = inbox.find({"kind": "welcome"}, {"recipient_id": 1})
        return Counter(doc["recipient_id"] for doc in found)

    return poll(welcomes, until=lambda c: set(registered.values()) <= set(c), timeout=timeout)


async def test_notifications_killed_during_a_burst_of_registrations(stack: LaunchedStack) -> None:
    killed: list[int] = []
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as http:
        started = time.monotonic()
        registered = await register_many(
            http, 200, "dot", kill_after=60, kill=lambda: killed.append(stack.kill("notifications"))
        )
        stack.wait_restarted("notifications", killed[0])
        inbox = stack.database("notifications").notifications
        counted = welcomes_for(stack, registered, timeout=90)
        caught_up = time.monotonic() - started
        lost = [uid for uid in registered.values() if counted[uid] == 0]
        doubled = [uid for uid, n in counted.items() if n > 1]
        report(
            "notifications kill -9 in 200 registrations",
            registered=len(registered),
            lost=len(lost),
            duplicated=len(doubled),
            all_welcomed_after_s=round(caught_up, 1),
        )
        assert (lost, doubled) == ([], [])

        # Someone registered before the kill still hears of what happens next.
        reference_known(stack)
        early = next(iter(registered))
        headers = await token(http, early, "mat-khau-du-dai-2026")
        created = await post_until_answered(
            http,
            f"{API}/startups",
            startup_body("Bếp Sạch Trước Sự Cố"),
            "early-startup",
            **headers,
        )
        assert created.status_code == 201, created.text
        poll(
            lambda: inbox.count_documents(
                {"recipient_id": registered[early], "kind": "startup_received"}
            ),
            until=lambda n: n == 1,
            timeout=30,
        )


async def test_registry_killed_while_startups_are_created(stack: LaunchedStack) -> None:
    reference_known(stack)
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as http:
        founders = []
        for n in range(4):
            body = person(n, "sanglap")
            assert (await http.post(f"{API}/auth/register", json=body)).status_code == 201
            founders.append(await token(http, body["email"], body["password"]))
        poll(
            lambda: stack.database("registry").contacts.count_documents({}),
            until=lambda n: n >= 4,
            timeout=30,
        )
        answered: dict[int, str] = {}
        killed: list[int] = []
        limit = asyncio.Semaphore(CONCURRENCY)

        async def one(n: int) -> None:
            async with limit:
                response = await post_until_answered(
                    http,
                    f"{API}/startups",
                    startup_body(f"Dự Án Thử Nghiệm Số {n}"),
                    f"startup-{n}",
                    **founders[n % 4],
                )
            assert response.status_code == 201, response.text
            answered[n] = response.json()["id"]
            if len(answered) >= 30 and not killed:
                killed.append(stack.kill("registry"))

        await asyncio.gather(*(one(n) for n in range(100)))
        stack.wait_restarted("registry", killed[0])
        owned = []
        for headers in founders:
            listed = await http.get(f"{API}/startups", params={"page_size": 100}, headers=headers)
            assert listed.status_code == 200, listed.text
            owned += [item["id"] for item in listed.json()["items"]]
        missing = set(answered.values()) - set(owned)
        twice = len(owned) - len(set(owned)) + len(set(owned) - set(answered.values()))
        report(
            "registry kill -9 in 100 startup creations",
            answered_201=len(answered),
            missing=len(missing),
            duplicated=twice,
        )
        assert len(set(answered.values())) == 100
        assert (missing, twice) == (set(), 0)
        after = await http.post(
            f"{API}/startups", json=startup_body("Sau Khi Khởi Động Lại"), headers=founders[0]
        )
        assert after.status_code == 201, after.text


async def test_database_server_killed_under_load(stack: LaunchedStack) -> None:
    killed: list[int] = []
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=60) as http:
        registered = await register_many(
            http, 100, "csdl", kill_after=30, kill=lambda: killed.append(stack.kill("database"))
        )
    new_pid = stack.wait_restarted("database", killed[0])
    users = stack.database("gateway").users
    kept = {
        doc["_id"] for doc in users.find({"_id": {"$in": list(registered.values())}}, {"_id": 1})
    }
    lost = set(registered.values()) - kept
    report(
        "database server kill -9 in 100 registrations",
        acknowledged=len(registered),
        lost=len(lost),
        restarted_pid=new_pid,
    )
    assert len(registered) == 100
    assert lost == set()


async def consumers_caught_up(login: dict[str, Any]) -> dict[str, int]:
    """Messages each durable consumer has not yet had acknowledged, by `STREAM/consumer`."""
    client = await nats.connect(**login)
    try:
        js = client.jetstream()
        behind = {}
        for stream in await js.streams_info():
            name = stream.config.name
            if not name or name == "DLQ":
                continue
            for consumer in await js.consumers_info(name):
                behind[f"{name}/{consumer.name}"] = (consumer.num_pending or 0) + (
                    consumer.num_ack_pending or 0
                )
        return behind
    finally:
        await client.close()


async def drained(login: dict[str, Any], timeout: float) -> dict[str, int]:
    """Each consumer's lag, polled until every one is drained or `timeout` s pass; the
    caller reports the figures, then asserts."""
    deadline = time.monotonic() + timeout
    lagging = await consumers_caught_up(login)
    while any(lagging.values()) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        lagging = await consumers_caught_up(login)
    return lagging


async def test_nats_server_killed_and_restarted(stack: LaunchedStack) -> None:
    login = stack.nats_login()
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as http:
        before = await register_many(http, 20, "truoc", kill_after=10**6, kill=lambda: None)
        old = stack.kill("nats-server")
        stack.wait_restarted("nats-server", old)
        back = time.monotonic()
        inbox = stack.database("notifications").notifications
        # The first registration after the restart: how long until its welcome arrives is
        # how long the publishers and the consumers took to resume.
        first = await register_many(http, 1, "dau", kill_after=10**6, kill=lambda: None)
        poll(
            lambda: inbox.count_documents({"recipient_id": {"$in": list(first.values())}}),
            until=lambda n: n == 1,
            timeout=60,
        )
        resumed = time.monotonic() - back
        during = await register_many(http, 20, "sau", kill_after=10**6, kill=lambda: None)
        registered = {**before, **first, **during}

        def welcomed() -> int:
            ids = list(registered.values())
            return len(
                inbox.distinct("recipient_id", {"kind": "welcome", "recipient_id": {"$in": ids}})
            )

        poll(welcomed, until=lambda n: n == len(registered), timeout=60)
        lagging = await drained(login, timeout=60)
    report(
        "nats-server kill -9 and restart",
        acknowledged=len(registered),
        welcomed=welcomed(),
        consumers=len(lagging),
        time_to_resume_s=round(resumed, 1),
    )
    assert not any(lagging.values()), lagging


async def test_two_copies_of_every_service_share_the_work_once(tmp_path: Path) -> None:
    """`INNOHUB_REPLICAS=2`: two copies of each service; one copy of notifications is
    killed mid-burst and each person still gets exactly one welcome."""
    scaled = launch(tmp_path, replicas="2")
    try:
        pids = scaled.state()["pids"]
        assert {"notifications-1", "notifications-2", "registry-1", "registry-2"} <= set(pids)
        killed: list[int] = []
        async with httpx.AsyncClient(base_url=scaled.base_url, timeout=30) as http:
            registered = await register_many(
                http,
                40,
                "doi",
                kill_after=15,
                kill=lambda: killed.append(scaled.kill("notifications-1")),
            )
        counted = welcomes_for(scaled, registered, timeout=90)
        doubled = [uid for uid, n in counted.items() if n > 1]
        report(
            "two copies, one notifications copy killed",
            registered=len(registered),
            duplicated=len(doubled),
        )
        assert doubled == []
        scaled.wait_restarted("notifications-1", killed[0])
    finally:
        assert scaled.stop() == 0
