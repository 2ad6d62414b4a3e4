"""The gateway path against a bare FastAPI endpoint, side by side in one run (issue 19).

A benchmark, not a test. It starts the stack as `make run` does (its own database server
and nats-server, every service, the gateway) in a temporary folder, seeds a verified public
startup and a signed-in founder, and starts a bare FastAPI app on one uvicorn process that
serves the very same bodies from memory (JSON, and the HTML of the startup's public page).
wrk (Debian's package; `make bench` installs it) then loads each path of both for the same
time with the same connections, one after the other, and this prints req/s, p50, p99,
errors and the ratio gateway ÷ bare, the load average when it ran, and the resident memory
(from /proc) of the gateway and the registry after the load.

    python bench/gateway.py [--seconds 10] [--connections 32]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from shared.infra.launcher import Stack
from shared.infra.servers import free_port, wait_for_port
from shared.infra.settings import Settings

ADMIN = ("admin@govap.gov.vn", "quan-tri-vien-2026")
BARE_APP = Path(__file__).with_name("bare_app.py")


@dataclass(frozen=True)
class Load:
    """What wrk measured for one URL."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def wrk(url: str, seconds: int, connections: int, headers: dict[str, str]) -> Load:
    """Run wrk with 2 threads and `connections` connections; parse its `--latency` report."""
    argv = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    out = subprocess.run([*argv, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def percentile(label: str) -> float:
        found = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", out)
        assert found, out
        value, unit = float(found.group(1)), found.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = 0
    if found := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out):
        errors += int(found.group(1))
    if found := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    ):
        errors += sum(int(n) for n in found.groups())
    return Load(rate, percentile("50"), percentile("99"), errors)


def start_stack(folder: Path) -> Stack:
    settings = Settings(
        data_dir=folder, gateway_port=free_port(), nats_port=free_port(), nats_url=None
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("INNOHUB_") and k not in ("NATS_URL", "MONGODB_URL")
    }
    env.update(
        INNOHUB_LOG_LEVEL="WARNING",
        INNOHUB_ADMIN_EMAIL=ADMIN[0],
        INNOHUB_ADMIN_PASSWORD=ADMIN[1],
        INNOHUB_AUTH_RATE_LIMIT_PER_MINUTE="100000",
    )
    stack = Stack(settings, env=env, stdout=subprocess.DEVNULL)
    stack.start()
    return stack


def seed(base: str) -> dict[str, Any]:
    """A verified public startup and a founder's token; the JSON bodies the paths answer."""
    with httpx.Client(base_url=f"{base}/api/v1", timeout=30) as http:

        def token(email: str, password: str) -> dict[str, str]:
            answer = http.post("/auth/login", json={"email": email, "password": password})
            answer.raise_for_status()
            return {"Authorization": f"Bearer {answer.json()['access_token']}"}

        admin = token(*ADMIN)
        staff = {
            "email": "canbo@hdn.govap.vn",
            "password": "can-bo-tu-van-2026",
            "full_name": "Trương Quốc Bảo",
            "role": "association_staff",
            "organization": "business_association",
        }
        http.post("/admin/users", json=staff, headers=admin).raise_for_status()
        founder: dict[str, Any] = {
            "email": "lan@example.vn",
            "password": "mat-khau-cua-lan",
            "full_name": "Nguyễn Thị Lan",
            "consent": True,
        }
        http.post("/auth/register", json=founder).raise_for_status()
        founder_headers = token(founder["email"], founder["password"])
        body = {
            "name": "Rau Sạch Gò Vấp",
            "summary": "Kết nối nông trại sạch với bếp ăn trường học trong quận Gò Vấp.",
            "sector": "agriculture",
            "stage": "mvp",
            "ward": "go-vap",
            "women_led": True,
            "needs": ["legal"],
        }
        deadline = time.monotonic() + 60
        while True:  # the registry learns wards and sectors from the gateway's events
            created = http.post("/startups", json=body, headers=founder_headers)
            if created.status_code == 201 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        created.raise_for_status()
        startup_id = created.json()["id"]
        http.post(
            f"/startups/{startup_id}/verify", headers=token(staff["email"], staff["password"])
        )
        paths = {
            "startup by id": (f"/api/v1/startups/{startup_id}", {}),
            # Signed in, a read is never served from the gateway's public cache: this one
            # goes to the registry by request–reply (the query only keys the bare body).
            "by id, owner (RPC)": (f"/api/v1/startups/{startup_id}?as=owner", founder_headers),
            "GET /me with a token": ("/api/v1/me", founder_headers),
            "search ?q=rau sach": ("/api/v1/startups?q=rau%20sach", {}),
            "web page /startups/{id}": (f"/startups/{startup_id}", {}),
        }
        bodies: dict[str, Any] = {}
        for path, headers in paths.values():
            answer = http.get(f"{base}{path}", headers=headers)
            answer.raise_for_status()
            # JSON bodies as objects, the page as its HTML text (bare_app answers both).
            bodies[path] = answer.text if path.startswith("/startups/") else answer.json()
        return {"paths": paths, "bodies": bodies}


def start_bare(bodies: dict[str, Any], folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The bare counterpart: one uvicorn process answering the same bodies from memory."""
    data = folder / "bodies.json"
    data.write_text(json.dumps(bodies, ensure_ascii=False))
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bare_app:app",
            "--app-dir",
            str(BARE_APP.parent),
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env={**os.environ, "BARE_BODIES": str(data)},
    )
    wait_for_port("127.0.0.1", port, 30)
    return process, f"http://127.0.0.1:{port}"


def resident_mib(pid: int) -> float:
    """The resident set size of process `pid` in MiB, from /proc (0 when it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: `make bench` installs Debian's wrk package")
    folder = Path(tempfile.mkdtemp("-bench-gateway"))
    stack = start_stack(folder)
    bare: subprocess.Popen[bytes] | None = None
    try:
        seeded = seed(stack.base_url)
        bare, bare_url = start_bare(seeded["bodies"], folder)
        print(
            f"gateway against bare FastAPI (same bodies from memory), {args.connections} "
            "connections, "
            f"{args.seconds} s each, load average {os.getloadavg()[0]:.2f}"
        )
        print(f"{'path':<24}{'':>10}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
        for label, (path, headers) in seeded["paths"].items():
            through = wrk(stack.base_url + path, args.seconds, args.connections, headers)
            direct = wrk(bare_url + path, args.seconds, args.connections, headers)
            for name, load in (("gateway", through), ("bare", direct)):
                print(
                    f"{label:<24}{name:>10}{load.requests_per_second:>10.0f}"
                    f"{load.p50_ms:>9.1f}{load.p99_ms:>9.1f}{load.errors:>8}"
                )
            ratio = through.requests_per_second / direct.requests_per_second
            print(f"{'':<24}{'ratio':>10}{ratio:>10.2f}")
        processes = stack.processes
        memory = {name: resident_mib(processes[name].pid) for name in ("gateway", "registry")}
        memory["bare"] = resident_mib(bare.pid)
        print(
            f"load average after: {os.getloadavg()[0]:.2f}; resident memory after the load: "
            + ", ".join(f"{name} {mib:.0f} MiB" for name, mib in memory.items())
        )
    finally:
        if bare is not None:
            bare.terminate()
            bare.wait(timeout=10)
        stack.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
