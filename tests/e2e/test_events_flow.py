"""Issue 18 end to end, on the processes as `make run` starts them, over HTTP: a ward
committee announces a training, 30 people register for 20 seats, 3 cancel, the waitlist
moves up, 18 are checked in, certificates of attendance go to those who qualify, and the
month's district report shows those figures."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import nats
import pytest

from shared.infra.launcher import Stack
from shared.localtime import HCMC

pytestmark = pytest.mark.e2e
ADMIN = {"email": "admin@govap.gov.vn", "password": "quan-tri-vien-2026"}
PASSWORD = "mat-khau-nguoi-hoc"
#: Time enough to register 30 people and cancel 3 before the training starts.
LEAD = timedelta(seconds=60)


def poll(check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.2)


def certificate(stack: Stack, code: str) -> dict[str, Any]:
    """Ask the events service for a certificate on its own subject, as the gateway's
    `/certificates/{code}` does by the code's prefix."""

    async def ask() -> dict[str, Any]:
        client = await nats.connect(stack.nats_url.split(","), **stack.operator_login())
        reply = await client.request(
            "rpc.events.certificates.get", json.dumps({"code": code}).encode(), timeout=5
        )
        await client.close()
        answer: dict[str, Any] = json.loads(reply.data)
        return answer

    return asyncio.run(ask())


def test_a_ward_training_from_announcement_to_certificates_and_the_report(stack: Stack) -> None:
    with httpx.Client(base_url=stack.base_url, timeout=15) as http:

        def token(email: str, password: str) -> dict[str, str]:
            body = {"email": email, "password": password}
            response = http.post("/api/v1/auth/login", json=body)
            assert response.status_code == 200, response.text
            return {"Authorization": f"Bearer {response.json()['access_token']}"}

        admin = token(**ADMIN)
        http.post(
            "/api/v1/admin/users",
            json={
                "email": "uyban@annhon.govap.vn",
                "password": "uy-ban-phuong-2026",
                "full_name": "Trần Thị Mai",
                "role": "organizer",
                "organization": "ward-committee-an-nhon",
            },
            headers=admin,
        ).raise_for_status()
        committee = token("uyban@annhon.govap.vn", "uy-ban-phuong-2026")
        people = []
        for n in range(30):
            email = f"hocvien{n:02d}@example.vn"
            http.post(
                "/api/v1/auth/register",
                json={
                    "email": email,
                    "password": PASSWORD,
                    "full_name": f"Học Viên {n:02d}",
                    "consent": True,
                },
            ).raise_for_status()
            people.append(token(email, PASSWORD))

        start = datetime.now(UTC) + LEAD
        created = http.post(
            "/api/v1/events",
            json={
                "title": "Lớp tập huấn kỹ năng khởi nghiệp cho người dân phường An Nhơn",
                "kind": "training",
                "organizers": ["ward-committee-an-nhon"],
                "place": "Hội trường UBND phường An Nhơn",
                "sittings": [
                    {
                        "starts_at": start.isoformat(),
                        "ends_at": (start + timedelta(minutes=30)).isoformat(),
                    }
                ],
                "capacity": 20,
                "audience": {"wards": ["an-nhon", "go-vap"]},
                "certificate": True,
            },
            headers=committee,
        )
        assert created.status_code == 201, created.text
        event_id = created.json()["id"]
        path = f"/api/v1/events/{event_id}"
        assert http.post(f"{path}/publish", headers=committee).status_code == 200

        outsider = http.post(
            f"{path}/registrations", json={"ward": "hanh-thong"}, headers=people[0]
        )
        assert outsider.status_code == 403
        statuses = []
        for n, headers in enumerate(people):
            body: dict[str, Any] = {"ward": "an-nhon" if n % 3 else "go-vap"}
            if n < 12:  # twelve told their gender and year of birth, with consent
                year = datetime.now(HCMC).year - (25 if n % 2 else 40)
                body.update(gender="male" if n % 2 else "female", birth_year=year, consent=True)
            answer = http.post(f"{path}/registrations", json=body, headers=headers)
            assert answer.status_code == 201, answer.text
            statuses.append((answer.json()["status"], answer.json()["position"]))
        assert statuses[:20] == [("seat", None)] * 20
        assert statuses[20:] == [("waitlist", p) for p in range(1, 11)]

        for headers in people[:3]:
            assert http.delete(f"{path}/registrations/me", headers=headers).status_code == 200
        event = http.get(path).json()
        assert (event["seats_taken"], event["seats_left"], event["waitlisted"]) == (20, 0, 7)
        promoted = [http.get("/api/v1/me/registrations", headers=p).json() for p in people[20:24]]
        assert [p["items"][0]["status"] for p in promoted] == ["seat"] * 3 + ["waitlist"]
        assert promoted[3]["items"][0]["position"] == 1

        # The inbox of the first promoted says so.
        def told() -> bool:
            items = http.get("/api/v1/notifications", headers=people[20]).json()["items"]
            return "event_promoted" in {item["kind"] for item in items}

        poll(told)

        seats = http.get(
            f"{path}/registrations", params={"status": "seat", "page_size": 100}, headers=committee
        ).json()["items"]
        assert len(seats) == 20
        for seat in seats[:18]:
            checked = http.post(f"{path}/check-in", json={"code": seat["code"]}, headers=committee)
            assert checked.status_code == 200, checked.text
        twice = http.post(f"{path}/check-in", json={"code": seats[0]["code"]}, headers=committee)
        assert twice.status_code == 409

        closed: dict[str, Any] = {}

        def close() -> bool:  # the training must have started before it is closed as held
            response = http.post(f"{path}/close", headers=committee)
            closed.update(response.json())
            return response.status_code == 200

        poll(close, timeout=LEAD.total_seconds() + 30)
        assert closed["status"] == "held"
        listed = http.get(
            f"{path}/registrations", params={"status": "seat", "page_size": 100}, headers=committee
        ).json()["items"]
        codes = [r["certificate_code"] for r in listed if r["certificate_code"]]
        assert len(codes) == 18 and all(code.startswith("EV-") for code in codes)
        verified = certificate(stack, codes[0])["result"]
        assert verified["kind"] == "attendee" and verified["detail"] == "1/1"
        assert verified["subject_title"].startswith("Lớp tập huấn")

        month = datetime.now(HCMC).strftime("%Y-%m")

        def figures() -> dict[str, Any]:
            report = http.get(
                "/api/v1/reports/district", params={"period": month}, headers=admin
            ).json()
            return report.get("events") or {}

        found: dict[str, Any] = {}

        def reported() -> bool:
            found.update(figures())
            return found.get("events_held") == 1

        poll(reported)
        assert found["by_kind"] == {"training": 1}
        assert found["by_organizer"] == {"ward-committee-an-nhon": 1}
        assert found["registrations"] == 20
        assert found["attendees"] == 18
        assert found["check_ins"] == 18
        assert found["certificates"] == 18
        assert sum(found["attendees_by_ward"].values()) == 18
        assert set(found["attendees_by_ward"]) <= {"Phường An Nhơn", "Phường Gò Vấp"}
        # Attending: the 17 seats left of the first 20 (people 3–19) and the first promoted
        # (20). Of those who said, the even-numbered 4–10 are women, the odd 3–11 youth.
        assert (found["women"], found["youth"]) == (4, 5)
        assert found["year_to_date"]["attendees"] == 18
