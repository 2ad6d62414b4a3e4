"""Events the registry publishes about startups (stream REGISTRY), and their shared terms."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from shared.contracts.base import Event
from shared.text import Line, Passage


class Stage(StrEnum):
    IDEA = "idea"
    PROTOTYPE = "prototype"
    MVP = "mvp"
    REVENUE = "revenue"
    GROWTH = "growth"


class Need(StrEnum):
    MENTORING = "mentoring"
    LEGAL = "legal"
    IP = "ip"
    FUNDING = "funding"
    MARKET = "market"
    TECHNOLOGY = "technology"
    WORKSPACE = "workspace"
    TRAINING = "training"


NEED_LABELS_VI: dict[Need, str] = {
    Need.MENTORING: "cố vấn khởi nghiệp",
    Need.LEGAL: "pháp lý",
    Need.IP: "sở hữu trí tuệ",
    Need.FUNDING: "gọi vốn",
    Need.MARKET: "thị trường",
    Need.TECHNOLOGY: "công nghệ",
    Need.WORKSPACE: "không gian làm việc",
    Need.TRAINING: "đào tạo",
}


class StartupStatus(StrEnum):
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    REJECTED = "rejected"
    ACTIVE = "active"
    GRADUATED = "graduated"
    CLOSED = "closed"


class Visibility(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"


class StartupSnapshot(BaseModel):
    """What other services may know of a startup: no team contacts, no tax code."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    startup_id: str
    owner_id: str
    name: Line
    sector: str
    stage: Stage
    ward: str
    status: StartupStatus
    visibility: Visibility
    women_led: bool
    youth_led: bool
    needs: tuple[Need, ...] = ()
    founding_date: date | None = None
    team_size: int = 1
    registered_at: datetime
    version: int


class StartupRegisteredV1(Event):
    subject = "registry.startup.registered.v1"

    startup: StartupSnapshot
    actor_id: str


class StartupUpdatedV1(Event):
    subject = "registry.startup.updated.v1"

    startup: StartupSnapshot
    changed: tuple[str, ...]
    actor_id: str


class StartupStatusChangedV1(Event):
    subject = "registry.startup.status_changed.v1"

    startup: StartupSnapshot
    from_status: StartupStatus
    to_status: StartupStatus
    reason: Passage | None = None
    actor_id: str
