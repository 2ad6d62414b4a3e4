"""The processes as `make run` starts them, driven over HTTP: register → event → inbox."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import nats
import pytest

from shared.infra.launcher import Stack
from shared.infra.servers import free_port, port_is_free
from shared.infra.settings import Settings
from shared.infra.supervision import LaunchError

pytestmark = pytest.mark.e2e


def consumers(stack: Stack) -> str:
    """The notifications consumers' state on the server, to explain a missed message."""

    async def read() -> str:
        client = await nats.connect(stack.nats_url.split(","), **stack.operator_login())
        js = client.jetstream()
        found = []
        for stream in ("IDENTITY", "REGISTRY"):
            info = await js.consumer_info(stream, f"notifications-{stream.lower()}")
            found.append(
                f"{stream}: delivered={info.delivered.stream_seq} pending={info.num_pending} "
                f"ack_pending={info.num_ack_pending} waiting={info.num_waiting}"
            )
        await client.close()
        return "; ".join(found)

    return asyncio.run(read())


def poll(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def test_register_then_welcome_in_inbox_over_http(stack: Stack) -> None:
    with httpx.Client(base_url=stack.base_url, timeout=10) as http:
        ready = http.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["ready"] is True
        created = http.post(
            "/api/v1/auth/register",
            json={
                "email": "hoa@example.vn",
                "password": "mat-khau-cua-hoa",
                "full_name": "Đặng Thị Hoa",
                "consent": True,
            },
        )
        assert created.status_code == 201, created.text
        tokens = http.post(
            "/api/v1/auth/login", json={"email": "hoa@example.vn", "password": "mat-khau-cua-hoa"}
        ).json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        inbox: dict[str, object] = {}

        def welcomed() -> bool:
            inbox.update(http.get("/api/v1/notifications", headers=headers).json())
            return inbox.get("total") == 1

        poll(welcomed)
        item = inbox["items"][0]  # type: ignore[index]
        assert item["title"] == "Chào mừng Đặng Thị Hoa đến với Gò Vấp InnoHub"
        assert http.get("/").status_code == 200
        assert http.get("/docs").status_code == 200
        assert "/api/v1/auth/register" in http.get("/openapi.json").json()["paths"]

    # every service exposes its own handler counters and latencies
    # (the counter moves once the handler's ack is out, a moment after the inbox shows it)
    port = stack.metrics_ports["notifications"]

    seen = {"metrics": ""}

    def acked() -> bool:
        seen["metrics"] = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        return any(
            line.startswith("faststream_received_processed_messages_total")
            and 'handler="identity.user.registered.v1"' in line
            and 'status="acked"' in line
            for line in seen["metrics"].splitlines()
        )

    poll(acked)
    metrics = seen["metrics"]
    assert "faststream_received_processed_messages_duration_seconds_bucket" in metrics


def test_a_taken_port_fails_at_once_naming_the_variable(stack: Stack, tmp_path: Path) -> None:
    clash = Stack(Settings(data_dir=tmp_path, gateway_port=stack.settings.gateway_port))
    with pytest.raises(LaunchError, match="INNOHUB_GATEWAY_PORT"):
        clash.start()
    clash = Stack(
        Settings(data_dir=tmp_path, gateway_port=free_port(), nats_port=stack.settings.nats_port)
    )
    with pytest.raises(LaunchError, match="INNOHUB_NATS_PORT"):
        clash.start()


def test_launcher_stops_everything_on_sigint_within_ten_seconds(tmp_path: Path) -> None:
    gateway_port, nats_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("INNOHUB_")}
    env.update(
        INNOHUB_GATEWAY_PORT=str(gateway_port),
        INNOHUB_NATS_PORT=str(nats_port),
        INNOHUB_DATA_DIR=str(tmp_path),
        INNOHUB_LOG_LEVEL="WARNING",
    )
    launcher = subprocess.Popen(
        [sys.executable, "-m", "shared.infra.launcher"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert launcher.stdout is not None
        banner = ""
        while "Ctrl-C" not in banner:
            line = launcher.stdout.readline()
            assert line, "launcher exited before it was ready"
            banner += line
        assert f"http://127.0.0.1:{gateway_port}/docs" in banner
        started = time.monotonic()
        launcher.send_signal(signal.SIGINT)
        assert launcher.wait(timeout=12) == 0
        assert time.monotonic() - started < 10
        poll(lambda: port_is_free("127.0.0.1", gateway_port), timeout=2)
        poll(lambda: port_is_free("127.0.0.1", nats_port), timeout=2)
    finally:
        if launcher.poll() is None:
            launcher.kill()


def test_startup_verified_reaches_the_founder_across_processes(stack: Stack) -> None:
    with httpx.Client(base_url=stack.base_url, timeout=10) as http:
        admin = http.post(
            "/api/v1/auth/login",
            json={"email": "admin@govap.gov.vn", "password": "quan-tri-vien-2026"},
        ).json()["access_token"]
        http.post(
            "/api/v1/admin/users",
            json={
                "email": "canbo@hdn.govap.vn",
                "password": "can-bo-tu-van-2026",
                "full_name": "Phan Thanh Tùng",
                "role": "association_staff",
                "organization": "business_association",
            },
            headers={"Authorization": f"Bearer {admin}"},
        ).raise_for_status()
        http.post(
            "/api/v1/auth/register",
            json={
                "email": "minh@example.vn",
                "password": "mat-khau-cua-minh",
                "full_name": "Võ Văn Minh",
                "consent": True,
            },
        ).raise_for_status()

        def token(email: str, password: str) -> dict[str, str]:
            body = {"email": email, "password": password}
            access = http.post("/api/v1/auth/login", json=body).json()["access_token"]
            return {"Authorization": f"Bearer {access}"}

        founder = token("minh@example.vn", "mat-khau-cua-minh")
        staff = token("canbo@hdn.govap.vn", "can-bo-tu-van-2026")
        created: dict[str, object] = {}

        def registered() -> bool:
            response = http.post(
                "/api/v1/startups",
                json={
                    "name": "Cà Phê Muối Gò Vấp",
                    "summary": "Chuỗi cà phê muối dùng nông sản của nông dân địa phương.",
                    "sector": "food",
                    "stage": "revenue",
                    "ward": "an-hoi-tay",
                },
                headers=founder,
            )
            created.update(response.json())
            return response.status_code == 201

        poll(registered)  # the registry learns wards from the gateway's events
        verified = http.post(f"/api/v1/startups/{created['id']}/verify", headers=staff)
        assert verified.json()["status"] == "verified"
        found = http.get("/api/v1/startups", params={"q": "ca phe muoi"}).json()
        assert [item["id"] for item in found["items"]] == [created["id"]]

        seen: list[str] = []

        def told() -> bool:
            items = http.get("/api/v1/notifications", headers=founder).json()["items"]
            seen[:] = [item["kind"] for item in items]
            return "startup_verified" in seen

        try:
            poll(told)
        except AssertionError:
            raise AssertionError(f"founder's inbox holds {seen}; {consumers(stack)}") from None


def test_every_service_and_the_gateway_serve_their_asyncapi(stack: Stack) -> None:
    """Integrators read the events and requests from AsyncAPI documents generated from the
    contracts (DESIGN §4): each service documents its own, the gateway all of them."""
    with httpx.Client(timeout=10) as http:
        everything = http.get(f"{stack.base_url}/asyncapi").json()
        assert everything["asyncapi"].startswith("3.")
        assert {
            "identity.user.registered.v1",
            "registry.startup.registered.v1",
            "rpc.mentoring.request.open",
        } <= set(everything["channels"])
        for service, port in stack.metrics_ports.items():
            own = http.get(f"http://127.0.0.1:{port}/asyncapi").json()
            channels = set(own["channels"])
            assert channels, service
            assert all(c.startswith((f"{service}.", f"rpc.{service}.")) for c in channels), (
                service,
                channels,
            )
            metrics = http.get(f"http://127.0.0.1:{port}/metrics")
            assert metrics.status_code == 200
            assert "faststream" in metrics.text or "python" in metrics.text
