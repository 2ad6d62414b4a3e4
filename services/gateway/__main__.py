"""`python -m services.gateway`: serve the gateway; `python -m services.gateway create-admin
[--email E] [--password P]`: make the first admin (asks for what is not given)."""

import argparse
import asyncio
import getpass
import sys

import uvicorn

from services.gateway.app import build_app
from shared.infra.logging import configure_logging
from shared.infra.settings import Settings


def serve(settings: Settings) -> None:
    """Run the gateway under uvicorn until stopped."""
    uvicorn.run(
        build_app(settings),
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_config=None,
        proxy_headers=False,
        timeout_graceful_shutdown=5,
    )


def create_admin(settings: Settings, argv: list[str]) -> int:
    """Make an admin account from `--email`/`--password` or answers at the prompt.
    Idempotent: an existing admin with that email is left as it is. The exit status:
    0 made or already there, 1 refused (the email belongs to another role, a bad
    password, or the database is unreachable)."""
    from services.gateway.accounts_cli import ensure_admin_account

    parser = argparse.ArgumentParser(prog="python -m services.gateway create-admin")
    parser.add_argument("--email", help="the admin's email (asked for if absent)")
    parser.add_argument(
        "--password", help="at least 10 characters (asked for if absent, not echoed)"
    )
    args = parser.parse_args(argv)
    email = args.email or input("Email quản trị / admin email: ").strip()
    password = args.password or getpass.getpass("Mật khẩu / password (≥ 10): ")
    outcome, message = asyncio.run(ensure_admin_account(settings, email, password))
    sys.stdout.write(message + "\n")
    return 0 if outcome else 1


def main() -> None:
    """Serve, or run the command named by the first argument."""
    settings = Settings(service="gateway")
    configure_logging("gateway", level=settings.log_level, json=settings.log_json)
    if len(sys.argv) > 1 and sys.argv[1] == "create-admin":
        sys.exit(create_admin(settings, sys.argv[2:]))
    serve(settings)


if __name__ == "__main__":
    main()
