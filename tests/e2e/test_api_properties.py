"""Property-based run of schemathesis over /openapi.json with a token of every role, the
stateful phase included (ids one call creates feed the next): no 5xx and every response
matches the documented schema, status and content type (issue 14)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from shared.infra.launcher import Stack

pytestmark = pytest.mark.e2e

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)
ADMIN = ("admin@govap.gov.vn", "quan-tri-vien-2026")
PASSWORD = "mat-khau-fuzz-2026"
# role → the organization its account belongs to (reference data seeded at start).
STAFF = {
    "mentor": "business_association",
    "association_staff": "business_association",
    "organizer": "youth_union",
    "school_advisor": "thcs-go-vap",
    "judge": "youth_union",
}
# Every role's run shares about two minutes on a two-core machine; the admin runs last,
# since its calls may change or disable the other accounts.
ROLES = ("founder", *STAFF, "admin")
SECONDS_PER_ROLE = 14
# Calls that end the run's own session: logging out, a new password, and (below, by method)
# deleting the account.
EXCLUDED_PATHS = ("/api/v1/auth/logout", "/api/v1/me/password")


def token(base_url: str, email: str, password: str) -> str:
    login = httpx.post(f"{base_url}/api/v1/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    access: str = login.json()["access_token"]
    return access


def tokens_of_every_role(base_url: str) -> dict[str, str]:
    admin = token(base_url, *ADMIN)
    found = {"admin": admin}
    founder_email = "fuzz-founder@example.vn"
    founder = {
        "email": founder_email,
        "password": PASSWORD,
        "full_name": "Lê Minh Châu",
        "consent": True,
    }
    created = httpx.post(f"{base_url}/api/v1/auth/register", json=founder)
    assert created.status_code == 201, created.text
    found["founder"] = token(base_url, founder_email, PASSWORD)
    for role, organization in STAFF.items():
        body = {
            "email": f"fuzz-{role.replace('_', '-')}@govap.gov.vn",
            "password": PASSWORD,
            "full_name": "Võ Thị Hồng",
            "role": role,
            "organization": organization,
        }
        made = httpx.post(
            f"{base_url}/api/v1/admin/users",
            json=body,
            headers={"Authorization": f"Bearer {admin}"},
        )
        assert made.status_code == 201, made.text
        found[role] = token(base_url, body["email"], PASSWORD)
    return found


def test_schemathesis_finds_no_server_error_and_no_schema_mismatch(
    stack: Stack, tmp_path: Path
) -> None:
    tokens = tokens_of_every_role(stack.base_url)
    st = Path(sys.executable).parent / "st"
    failures: dict[str, str] = {}
    started = time.monotonic()
    for role in ROLES:
        # Each role's token is fresh: an earlier run may have disabled or changed it.
        bearer = tokens[role] if role != "admin" else token(stack.base_url, *ADMIN)
        excluded = [arg for path in EXCLUDED_PATHS for arg in ("--exclude-path", path)]
        run = subprocess.run(
            [
                str(st),
                "run",
                f"{stack.base_url}/openapi.json",
                "--checks",
                CHECKS,
                "--header",
                f"Authorization: Bearer {bearer}",
                "--max-examples",
                "10",
                "--max-time",
                str(SECONDS_PER_ROLE),
                "--phases",
                "examples,coverage,fuzzing,stateful",
                "--workers",
                "1",
                "--exclude-method",
                "DELETE",
                *excluded,
            ],
            capture_output=True,
            text=True,
            timeout=SECONDS_PER_ROLE * 6,
            cwd=tmp_path,
            check=False,
        )
        if run.returncode != 0:
            failures[role] = run.stdout[-4000:]
    elapsed = time.monotonic() - started
    assert failures == {}, "\n\n".join(f"== {role}\n{out}" for role, out in failures.items())
    assert elapsed < 240, f"the runs took {elapsed:.0f} s"
