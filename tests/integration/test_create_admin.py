"""The first admin without environment variables (issue 17): `python -m services.gateway
create-admin`, idempotent, and the launcher's check that says when there is none."""

from __future__ import annotations

import os
import subprocess
import sys

from nats.js import JetStreamContext

from services.gateway.accounts_cli import ensure_admin_account
from shared.infra.launcher import admin_exists
from shared.infra.settings import Settings
from tests.integration.conftest import login, running_gateway


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MONGODB_URL": str(settings.mongodb_url),
        "INNOHUB_DATABASE_PREFIX": settings.database_prefix,
        "INNOHUB_DATA_DIR": str(settings.data_dir),
    }
    return subprocess.run(
        [sys.executable, "-m", "services.gateway", "create-admin", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_create_admin_makes_the_first_admin_once(
    settings: Settings, js: JetStreamContext
) -> None:
    assert admin_exists(str(settings.mongodb_url), settings) is False
    made = cli(settings, "--email", "Root@GoVap.gov.vn", "--password", "mat-khau-quan-tri")
    assert made.returncode == 0, made.stderr
    assert "admin created: root@govap.gov.vn" in made.stdout
    again = cli(settings, "--email", "root@govap.gov.vn", "--password", "khac-hoan-toan-roi")
    assert again.returncode == 0 and "already exists" in again.stdout
    short = await ensure_admin_account(settings, "khac@govap.gov.vn", "ngan")
    assert short[0] is False and "10" in short[1]
    assert admin_exists(str(settings.mongodb_url), settings) is True
    gateway = settings.model_copy(update={"service": "gateway"})
    async with running_gateway(gateway) as api:
        tokens = await login(api, "root@govap.gov.vn", "mat-khau-quan-tri")
        me = await api.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
        assert me.json()["role"] == "admin"
        founder = {
            "email": "chu@example.vn",
            "password": "mat-khau-du-dai",
            "full_name": "Lê Minh Châu",
            "consent": True,
        }
        assert (await api.post("/api/v1/auth/register", json=founder)).status_code == 201
    taken = await ensure_admin_account(settings, "chu@example.vn", "mat-khau-du-dai")
    assert taken[0] is False and "founder" in taken[1]
