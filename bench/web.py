"""Server-rendered pages' latency (issue 15): p50 and p95 of pages timed one after another
by a plain client, after a warm-up. A benchmark, not a test: nothing is asserted.

It starts the stack as `make run` does in a temporary folder (`bench/gateway.py`'s
`start_stack`), seeds a verified public startup, signs a founder in through `/login` (the
session cookie), then times `/` (two RPCs: the registry's figures and the competitions),
`/startups/{id}`, `/search?q=` (the search-as-you-type fragment) and the founder's `/me`.
The target (DESIGN, issue 15) is under 100 ms p95 for a page that needs two RPCs.

    python bench/web.py [--requests 300]
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path

import httpx
from gateway import ADMIN, start_stack  # bench/gateway.py, beside this script

FOUNDER = ("mai@example.vn", "mat-khau-cua-mai")


def seed(base: str) -> str:
    """A verified public startup of a founder; returns its id."""
    with httpx.Client(base_url=f"{base}/api/v1", timeout=30) as http:
        http.post(
            "/auth/register",
            json={
                "email": FOUNDER[0],
                "password": FOUNDER[1],
                "full_name": "Phạm Thị Mai",
                "consent": True,
            },
        ).raise_for_status()
        answer = http.post("/auth/login", json={"email": FOUNDER[0], "password": FOUNDER[1]})
        founder = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        body = {
            "name": "Khởi nghiệp Rau Sạch Gò Vấp",
            "summary": "Kết nối nông trại sạch với bếp ăn trường học trong quận Gò Vấp.",
            "sector": "agriculture",
            "stage": "mvp",
            "ward": "go-vap",
        }
        deadline = time.monotonic() + 60
        while True:  # the registry learns wards and sectors from the gateway's events
            created = http.post("/startups", json=body, headers=founder)
            if created.status_code == 201 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        created.raise_for_status()
        startup_id: str = created.json()["id"]
        admin_login = http.post("/auth/login", json={"email": ADMIN[0], "password": ADMIN[1]})
        admin = {"Authorization": f"Bearer {admin_login.json()['access_token']}"}
        http.post(f"/startups/{startup_id}/verify", json={}, headers=admin).raise_for_status()
        return startup_id


def sign_in(client: httpx.Client) -> None:
    """Through the login form, as a browser does: its CSRF token, then the session cookie."""
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    answer = client.post(
        "/login",
        data={"email": FOUNDER[0], "password": FOUNDER[1], "csrf_token": token.group(1)},
    )
    assert answer.status_code == 303, answer.status_code


def measure(client: httpx.Client, path: str, requests: int) -> tuple[float, float]:
    """p50 and p95 in milliseconds of `requests` GETs of `path`, after 20 to warm up."""
    for _ in range(20):
        client.get(path)
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.95)]


def main() -> None:
    """Start the stack, seed, time each page and print a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        stack = start_stack(Path(folder))
        try:
            base = f"http://127.0.0.1:{stack.settings.gateway_port}"
            startup_id = seed(base)
            pages = {
                "/ (two RPCs)": "/",
                "/startups/{id}": f"/startups/{startup_id}",
                "/search?q=rau (fragment)": "/search?q=rau",
                "/me (signed in)": "/me",
            }
            with httpx.Client(base_url=base, timeout=30) as client:
                sign_in(client)
                print(f"{'page':<28} {'p50 ms':>8} {'p95 ms':>8}")
                for name, path in pages.items():
                    p50, p95 = measure(client, path, args.requests)
                    print(f"{name:<28} {p50:>8.1f} {p95:>8.1f}")
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
