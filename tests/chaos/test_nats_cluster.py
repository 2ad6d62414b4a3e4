"""The stack on a three-node JetStream cluster with two copies of every service; one NATS
node is killed with kill -9 mid-burst and comes back (issue 20)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest

from tests.chaos.conftest import ADMIN, LaunchedStack, launch, poll, report
from tests.chaos.test_kill_and_restart import (
    drained,
    person,
    register_many,
    startup_body,
    welcomes_for,
)
from tests.integration.test_competitions import competition

pytestmark = pytest.mark.chaos


async def probe_publishing(login: dict[str, Any], stop: asyncio.Event) -> list[float]:
    """Publish to JetStream every 50 ms until `stop`; the times of the acknowledged ones.
    The longest gap between two acknowledgements is how long publishing stalled."""
    client = await nats.connect(**login)
    js = client.jetstream(timeout=5)
    acked: list[float] = []
    try:
        n = 0
        while not stop.is_set():
            with contextlib.suppress(nats.errors.Error, TimeoutError):
                await js.publish("dlq.chaos.probe", f"{n}".encode(), stream="DLQ")
                acked.append(time.monotonic())
            n += 1
            await asyncio.sleep(0.05)  # the probe's own pace, not a wait for a condition
    finally:
        await client.close()
    return acked


API = "/api/v1"
FOUNDERS = 3


async def login(http: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    answer = await http.post(f"{API}/auth/login", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def prepare_a_day(http: httpx.AsyncClient, stack: LaunchedStack) -> dict[str, Any]:
    """Accounts for the day: founders, a Consultation Point officer, an organizer with a
    published startup contest open for a while."""
    admin = await login(http, *ADMIN)
    people: dict[str, Any] = {"founders": []}
    for email, role, organization in (
        ("canbo@hdn.govap.vn", "association_staff", "business_association"),
        ("btc@quandoan.govap.vn", "organizer", "youth_union"),
    ):
        body = {
            "email": email,
            "password": "mat-khau-can-bo-2026",
            "full_name": "Lê Văn Tâm",
            "role": role,
            "organization": organization,
        }
        created = await http.post(f"{API}/admin/users", json=body, headers=admin)
        assert created.status_code == 201, created.text
        people[role] = await login(http, email, "mat-khau-can-bo-2026")
    for n in range(FOUNDERS):
        body = person(n, "sanglapcum")
        assert (await http.post(f"{API}/auth/register", json=body)).status_code == 201
        people["founders"].append(await login(http, body["email"], body["password"]))
    contest = {
        **competition(seconds=900),
        "kind": "youth_startup",
        "title": "Cuộc thi Khởi nghiệp Thanh niên Gò Vấp",
        "eligibility": {"entrants": "startup"},
    }
    made = await http.post(f"{API}/competitions", json=contest, headers=people["organizer"])
    assert made.status_code == 201, made.text
    cid = made.json()["id"]
    published = await http.post(f"{API}/competitions/{cid}/publish", headers=people["organizer"])
    assert published.status_code == 200, published.text
    people["competition"] = cid
    poll(
        lambda: stack.database("registry").contacts.count_documents({}),
        until=lambda n: n >= FOUNDERS,
        timeout=60,
    )
    return people


async def until_final(send: Any) -> httpx.Response:
    """Send until the answer is final: a service still learning a record (404/422 from a
    read model behind), a 5xx or a broken connection are retried with the same key."""
    deadline = time.monotonic() + 120
    while True:
        try:
            answer: httpx.Response | None = await send()
        except httpx.TransportError:
            answer = None
        if answer is not None and answer.status_code < 300:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(answer.text if answer is not None else "no answer")
        await asyncio.sleep(0.25)  # a client's retry backoff, not a wait for a condition


async def a_day_of_work(http: httpx.AsyncClient, day: dict[str, Any]) -> dict[str, int]:
    """Each founder registers a startup, staff verify it, the founder asks for advice and
    enters the contest: every POST with an Idempotency-Key, retried until final."""
    done = {"startups": 0, "consultations": 0, "entries": 0}
    for n, founder in enumerate(day["founders"]):
        body = startup_body(f"Dự Án Cụm Máy Số {n}")

        def post(path: str, json: dict[str, Any], key: str, who: dict[str, str]) -> Any:
            return lambda: http.post(path, json=json, headers={**who, "Idempotency-Key": key})

        made = await until_final(post(f"{API}/startups", body, f"s-{n}", founder))
        startup_id = made.json()["id"]
        done["startups"] += 1
        await until_final(
            post(f"{API}/startups/{startup_id}/verify", {}, f"v-{n}", day["association_staff"])
        )
        advice = {"startup_id": startup_id, "topics": ["legal"], "message": "Xin tư vấn pháp lý."}
        await until_final(post(f"{API}/consultations", advice, f"c-{n}", founder))
        done["consultations"] += 1
        entry = {
            "startup_id": startup_id,
            "title": "Bếp sạch cho trường học",
            "description": "Kết nối nông trại sạch với bếp ăn trường học.",
        }
        await until_final(
            post(f"{API}/competitions/{day['competition']}/entries", entry, f"e-{n}", founder)
        )
        done["entries"] += 1
    return done


async def what_is_kept(http: httpx.AsyncClient, day: dict[str, Any]) -> dict[str, int]:
    """What the services hold after the node came back, counted through the API."""
    staff = day["association_staff"]
    startups = await http.get(f"{API}/startups", params={"page_size": 100}, headers=staff)
    consultations = await http.get(f"{API}/consultations", params={"page_size": 100}, headers=staff)
    entries = await http.get(
        f"{API}/competitions/{day['competition']}/entries", headers=day["organizer"]
    )
    return {
        "startups": startups.json()["total"],
        "consultations": consultations.json()["total"],
        "entries": entries.json()["total"],
    }


async def stream_leader(login: dict[str, Any], stream: str) -> str:
    """The server name (the launcher's child name) leading `stream`."""
    client = await nats.connect(**login)
    try:
        info = await client.jetstream().stream_info(stream)
        assert info.cluster is not None and info.cluster.leader
        return str(info.cluster.leader)
    finally:
        await client.close()


async def replicas_current(login: dict[str, Any]) -> list[str]:
    """Streams with a replica that is not current (the returning node still catching up)."""
    client = await nats.connect(**login)
    try:
        js = client.jetstream()
        behind = []
        for stream in await js.streams_info():
            cluster = stream.cluster
            replicas = (cluster.replicas or []) if cluster else []
            if len(replicas) < 2 or not all(r.current for r in replicas):
                behind.append(str(stream.config.name))
        return behind
    finally:
        await client.close()


async def test_a_nats_node_lost_and_back_under_load(tmp_path: Path) -> None:
    stack = launch(tmp_path, nats_cluster="3", replicas="2")
    try:
        login = stack.nats_login()
        assert len(login["servers"]) == 3
        stop = asyncio.Event()
        probe = asyncio.create_task(probe_publishing(login, stop))
        # Kill the leader of the stream the probe writes to, so its leader must change.
        leader = await stream_leader(login, "DLQ")
        killed: list[int] = []
        async with httpx.AsyncClient(base_url=stack.base_url, timeout=60) as http:
            day = await prepare_a_day(http, stack)
            registered, work = await asyncio.gather(
                register_many(
                    http,
                    60,
                    "cum",
                    kill_after=20,
                    kill=lambda: killed.append(stack.kill(leader)),
                ),
                a_day_of_work(http, day),
            )
            stack.wait_restarted(leader, killed[0])
            kept = await what_is_kept(http, day)
        stop.set()
        acked = await probe
        stall = max(later - earlier for earlier, later in itertools.pairwise(acked))
        inbox = stack.database("notifications").notifications
        counted = welcomes_for(stack, registered, timeout=120)
        doubled = [uid for uid, n in counted.items() if n > 1]

        lagging = await drained(login, timeout=90)
        deadline = time.monotonic() + 90
        behind = await replicas_current(login)
        while behind and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            behind = await replicas_current(login)
        report(
            "3-node NATS cluster, 2 copies of every service, one node kill -9",
            registered=len(registered),
            duplicated=len(doubled),
            publish_stall_s=round(stall, 2),
            probes_acked=len(acked),
            streams_behind=len(behind),
            startups=work["startups"],
            consultations=work["consultations"],
            entries=work["entries"],
            killed=leader,
        )
        assert doubled == []
        assert kept == work, (kept, work)
        verified = Counter(doc["recipient_id"] for doc in inbox.find({"kind": "startup_verified"}))
        assert sum(verified.values()) == work["startups"], verified
        assert not any(lagging.values()), lagging
        assert behind == []
    finally:
        assert stack.stop() == 0
