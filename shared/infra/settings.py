"""Settings from the environment (pydantic-settings). Built in `__main__`, never at import."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Process configuration, read from `INNOHUB_*` environment variables.

    Durations are in seconds unless a field's name says otherwise."""

    model_config = SettingsConfigDict(env_prefix="INNOHUB_", extra="ignore")

    service: str = "innohub"
    instance: str = ""
    environment: str = Field("local", description="local | test | production")
    log_level: str = "INFO"
    log_json: bool | None = Field(None, description="None: JSON unless stderr is a TTY")

    data_dir: Path = Path(".data")
    gateway_host: str = "127.0.0.1"
    gateway_port: int = Field(8000, ge=1, le=65535)
    nats_port: int = Field(4222, ge=1, le=65535)
    nats_url: str | None = Field(
        None, validation_alias=AliasChoices("NATS_URL", "INNOHUB_NATS_URL")
    )
    # This process's NATS user (DESIGN §6: each service its own, allowed only its subjects).
    # The password comes from the environment or, in deployment, a mounted secret file.
    nats_user: str | None = None
    nats_password: str | None = None
    nats_password_file: Path | None = None
    # nats-server processes the launcher starts: 1, or 3 for a JetStream cluster.
    nats_cluster: int = Field(1, ge=1, le=5)
    mongodb_url: str | None = Field(
        None, validation_alias=AliasChoices("MONGODB_URL", "INNOHUB_MONGODB_URL")
    )
    database_prefix: str = "innohub"
    # Copies of every service the launcher starts (the gateway stays one process).
    replicas: int = Field(1, ge=1, le=8)

    # Each service serves Prometheus text on this port when set (the gateway uses /metrics).
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(None, ge=1, le=65535)

    # Copies of each JetStream stream when this process creates it: 3 on a NATS cluster.
    stream_replicas: int = Field(1, ge=1, le=5)

    rpc_timeout_seconds: float = Field(5.0, gt=0, le=60)
    # Redelivery: a handler that raises is redelivered after these delays; after the last
    # delivery the message goes to the DLQ stream.
    event_max_deliver: int = Field(6, ge=1, le=100)
    event_backoff_seconds: list[float] = Field(
        default_factory=lambda: [1.0, 5.0, 30.0, 120.0, 600.0]
    )
    event_ack_wait_seconds: float = Field(60.0, gt=0)
    outbox_sweep_seconds: float = Field(5.0, gt=0)
    # Drop the read models and replay the streams at start (rebuild-read-models command).
    rebuild_read_models: bool = False
    # Must outlast ack wait × max deliver plus the outbox retry window (DESIGN §12).
    processed_events_ttl_seconds: int = Field(14 * 24 * 3600, ge=3600)

    # Email: unset host = email off. SMS and Zalo have local implementations that only log.
    smtp_host: str | None = None
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_from: str = "InnoHub Gò Vấp <no-reply@innohub.local>"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(10.0, gt=0)
    notification_tick_seconds: float = Field(1.0, gt=0)
    # TEST ONLY (issue 13): a file holding seconds added to real time by the clock of the
    # notifications service (`shared/infra/clock.py`), so a test moves a running stack's
    # time forward. Unset in production (refused there).
    test_clock_file: Path | None = None
    judging_tick_seconds: float = Field(1.0, gt=0)
    # Scopes of influence an initiative may be recognised with (configuration, DESIGN §11).
    initiative_scopes: list[str] = Field(
        default_factory=lambda: ["unit", "ward", "city", "national"], min_length=1
    )

    # Who issues the district report and to whom, in each locale (DESIGN §7, §8): the
    # Economic Division named in the plan no longer exists, so it is configuration.
    report_issuer_vi: str = Field("Phòng Kinh tế", min_length=1, max_length=200)
    report_issuer_en: str = Field("Economic Division", min_length=1, max_length=200)
    report_recipient_vi: str = Field("Ủy ban nhân dân phường Gò Vấp", min_length=1, max_length=200)
    report_recipient_en: str = Field("Gò Vấp Ward People's Committee", min_length=1, max_length=200)

    jwt_secret: str | None = None
    jwt_issuer: str = "innohub"
    access_token_minutes: int = Field(15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(30, ge=1, le=365)
    admin_email: str | None = None
    admin_password: str | None = None
    cors_origins: list[str] = Field(default_factory=list)
    max_body_bytes: int = Field(1024 * 1024, ge=1024)
    auth_rate_limit_per_minute: int = Field(10, ge=1)

    @property
    def effective_nats_url(self) -> str:
        """The server URL, or several separated by commas (a cluster)."""
        return self.nats_url or f"nats://127.0.0.1:{self.nats_port}"

    @property
    def nats_servers(self) -> list[str]:
        """Every server URL this process may connect to."""
        return [url.strip() for url in self.effective_nats_url.split(",") if url.strip()]

    def nats_secret(self) -> str | None:
        """The NATS password, read from `nats_password_file` when that is set."""
        if self.nats_password_file is not None:
            return self.nats_password_file.read_text(encoding="utf-8").strip()
        return self.nats_password

    def database_name(self, service: str | None = None) -> str:
        """The database of `service` (default: this process's), `<prefix>_<service>`."""
        return f"{self.database_prefix}_{service or self.service}"

    # --- certificates (issue 17, competitions) -----------------------------------------------
    #: The public address of the web app: a certificate's QR code opens
    #: `<public_base_url>/verify/{code}`, a password-reset email links to its page
    #: (INNOHUB_PUBLIC_BASE_URL).
    public_base_url: str = Field("http://127.0.0.1:8000", min_length=8, max_length=200)
    # --- accounts (issue 17 / issue 13): limits, trusted proxies, token revocation ---
    # Addresses or CIDR blocks of reverse proxies whose X-Forwarded-For is believed.
    trusted_proxies: list[str] = Field(default_factory=list)
    # Failed sign-ins per client address per minute (per account: auth_rate_limit_per_minute).
    auth_failures_per_address_per_minute: int = Field(50, ge=1)
    # Password-reset requests per email address per hour (and per client address per minute:
    # auth_rate_limit_per_minute).
    password_resets_per_email_per_hour: int = Field(5, ge=1)
    # How often each gateway copy re-reads token versions from its store (the broadcast is
    # immediate; this catches one lost while disconnected).
    token_sync_seconds: float = Field(1.0, gt=0)
    # How often the gateway looks for erased accounts whose clear contacts (identity events
    # from before sealing) are still in the streams, and deletes them (gateway/erasure.py).
    log_cleanup_seconds: float = Field(60.0, gt=0)
    # Public startup reads kept in the gateway's memory (issue 19): at most this many
    # replies, emptied by every registry event; 0 turns the cache off.
    public_cache_size: int = Field(2000, ge=0, le=100_000)
