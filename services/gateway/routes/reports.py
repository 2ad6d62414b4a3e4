"""The plan's district report, composed from every service's figures."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.gateway import reports
from services.gateway.access import ADMIN, allow
from services.gateway.deps import CurrentUser, Rpc, State
from services.gateway.problems import Problem, request_locale
from shared.contracts.base import Role
from shared.contracts.rpc.common import FiguresRequest, figures_subject
from shared.infra.broker import RpcFailure
from shared.infra.settings import Settings
from shared.text import Passage

#: The plan names the Economic Division (admin) and the organizers as the report's readers.
REPORT_READERS = allow(Role.ADMIN, Role.ORGANIZER)
router = APIRouter(prefix="/reports", tags=["reports"])

# Bounded here, checked and made canonical by `reports.parse_period` (spaces around ignored).
PeriodParam = Annotated[
    str, Query(min_length=4, max_length=32, description="YYYY-MM, YYYY-H1, YYYY-H2 or YYYY")
]
FIGURES_TIMEOUT = 3.0
# Which service answers for which sections of the report.
SOURCES: dict[str, tuple[str, ...]] = {
    "registry": ("startups",),
    "mentoring": ("consultations",),
    "competitions": ("competitions", "clubs", "initiatives"),
    "events": ("events",),
}


class DistrictReport(BaseModel):
    """The plan's district report for a period (DESIGN §8): each service's section
    with year-to-date figures, the sections missing, and the locked version if any.
    """

    model_config = ConfigDict(extra="allow")

    period: str
    due_date: str | None
    complete: bool
    generated_at: datetime
    startups: dict[str, Any] | None = None
    consultations: dict[str, Any] | None = None
    competitions: dict[str, Any] | None = None
    clubs: dict[str, Any] | None = None
    initiatives: dict[str, Any] | None = None
    events: dict[str, Any] | None = None
    missing_sections: list[str] = Field(default_factory=list)
    locked: dict[str, Any] | None = None
    drifted_sections: list[str] | None = None
    period_title: str | None = Field(None, examples=["Tháng 11/2026"])
    header: dict[str, str] | None = Field(None, description="Issuing unit and recipient")
    labels: dict[str, Any] | None = Field(
        None, description="Labels, in the caller's locale, of every section, figure and code"
    )


class LockRequest(BaseModel):
    """Why a period is locked again; required from the second version on."""

    reason: Annotated[Passage, StringConstraints(min_length=3, max_length=1000)] | None = None


async def _figures(rpc: Rpc, service: str, start: datetime, end: datetime) -> dict[str, Any] | None:
    try:
        answer = await asyncio.wait_for(
            rpc.call(FiguresRequest(start=start, end=end), subject=figures_subject(service)),
            timeout=FIGURES_TIMEOUT,
        )
    except (RpcFailure, TimeoutError):
        return None
    return answer.model_dump()


def _sections(service: str, figures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    names = SOURCES[service]
    if len(names) == 1:
        return {names[0]: figures}
    return {name: figures.get(name) or {} for name in names}


async def live_report(period: reports.Period, rpc: Rpc, state: State) -> dict[str, Any]:
    """The report for `period` from every service's figures now, each with its
    year-to-date figures; a service that does not answer in 3 s leaves its sections `None`
    and named in `missing_sections`.
    """
    year_start = datetime.combine(period.year_start, datetime.min.time(), tzinfo=reports.HCMC)
    calls = [
        _figures(rpc, service, start, period.end_utc)
        for service in SOURCES
        for start in (period.start_utc, year_start.astimezone(UTC))
    ]
    answers = await asyncio.gather(*calls)
    report: dict[str, Any] = {
        "period": period.label,
        "due_date": (due.isoformat() if (due := period.due_date()) else None),
        "complete": period.complete(datetime.now(UTC)),
        "missing_sections": [],
    }
    wards = await state.reference.wards(on=None, ward_set=None)
    # Wards as the set valid on the period's last day names them (DESIGN §7).
    names = reports.ward_names_at(
        [{**w, "code": w["_id"]} for w in wards], period.end - timedelta(days=1)
    )
    for index, service in enumerate(SOURCES):
        in_period, to_date = answers[2 * index], answers[2 * index + 1]
        if in_period is None or to_date is None:
            report["missing_sections"].extend(SOURCES[service])
            for name in SOURCES[service]:
                report[name] = None
            continue
        for name, figures in _sections(service, in_period).items():
            ytd = _sections(service, to_date)[name]
            report[name] = {**_relabel(figures, names), "year_to_date": _relabel(ytd, names)}
        if report.get("clubs"):
            report["clubs"]["coverage_by_ward"] = reports.coverage_by_ward(report["clubs"])
    return report


def _relabel(figures: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    return {
        key: reports.relabel_wards(value, names)
        if key.endswith("by_ward") and isinstance(value, dict)
        else value
        for key, value in figures.items()
    }


def attachment(filename: str) -> str:
    """A Content-Disposition value for `filename` (RFC 6266): an ASCII `filename` and, for
    any other character, `filename*` in UTF-8 percent-encoding; never raw input in a header."""
    ascii_name = "".join(
        ch if ch.isascii() and ch.isprintable() and ch not in '"\\' else "_" for ch in filename
    )
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


async def report_names(state: State, locale: str) -> reports.ReportNames:
    """Sector names in `locale` from the reference data (sectors are data, not constants)."""
    sectors = await state.reference.sectors()
    key = "name_en" if locale == "en" else "name_vi"
    return reports.ReportNames(
        sectors={str(s["_id"]): str(s.get(key) or s.get("name_vi") or s["_id"]) for s in sectors}
    )


def report_header(settings: Settings, locale: str) -> reports.ReportHeader:
    """The issuing unit and the recipient configured for `locale`."""
    if locale == "en":
        return reports.ReportHeader(settings.report_issuer_en, settings.report_recipient_en)
    return reports.ReportHeader(settings.report_issuer_vi, settings.report_recipient_vi)


def _render(
    report: dict[str, Any],
    format: str,
    locale: str,
    header: reports.ReportHeader,
    names: reports.ReportNames,
) -> Response:
    # The canonical period only: what a person typed in the URL never reaches a header.
    period = reports.parse_period(str(report["period"])).label
    if format == "csv":
        return Response(
            reports.to_csv(report, locale, header, names),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": attachment(f"bao-cao-{period}.csv")},
        )
    return Response(
        reports.to_xlsx(report, locale, header, names),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": attachment(f"bao-cao-{period}.xlsx")},
    )


@router.get(
    "/district",
    dependencies=[REPORT_READERS],
    response_model=DistrictReport,
    responses={
        200: {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": {"type": "string", "format": "binary"}
                },
            }
        }
    },
)
async def district_report(
    period: PeriodParam,
    rpc: Rpc,
    state: State,
    request: Request,
    format: Literal["json", "csv", "xlsx"] = "json",
    live: Annotated[bool, Query(description="Live figures even when a version is locked")] = False,
) -> Any:
    """The plan's report for a month, a half-year or a year, with year-to-date figures.
    When the period is locked, the latest locked version and which sections have drifted."""
    locale = await request_locale(request)
    return await district_report_in(period, rpc, state, locale, format=format, live=live)


async def district_report_in(
    period: str,
    rpc: Rpc,
    state: State,
    locale: str,
    *,
    format: Literal["json", "csv", "xlsx"] = "json",
    live: bool = False,
) -> Any:
    """`GET /reports/district` in `locale` (the web console passes the page's language,
    which the reader may have switched): a `DistrictReport`, or the CSV or XLSX response.
    Raises what `reports.parse_period` and the services' calls raise."""
    parsed = reports.parse_period(period)
    report = await live_report(parsed, rpc, state)
    locked = None if live else await state.reports.latest(parsed.label)
    if locked is not None:
        frozen = locked["figures"]
        frozen["locked"] = {k: locked[k] for k in ("version", "locked_by", "locked_at", "reason")}
        frozen["drifted_sections"] = reports.drifted(frozen, report)
        report = frozen
    report["generated_at"] = datetime.now(UTC)
    header = report_header(state.settings, locale)
    names = await report_names(state, locale)
    if format != "json":
        return _render(report, format, locale, header, names)
    report["period_title"] = reports.period_title(parsed, locale)
    report["header"] = {"issued_by": header.issued_by, "recipient": header.recipient}
    report["labels"] = reports.labels(report, locale, names)
    return DistrictReport.model_validate(report)


@router.post("/district/lock", dependencies=[ADMIN], status_code=status.HTTP_201_CREATED)
async def lock_report(
    period: PeriodParam, actor: CurrentUser, rpc: Rpc, state: State, body: LockRequest | None = None
) -> DistrictReport:
    """Freeze the period's figures as a numbered version; a later version needs a reason."""
    parsed = reports.parse_period(period)
    store = state.reports
    previous = await store.latest(parsed.label)
    reason = body.reason if body else None
    if previous is not None and not reason:
        raise Problem("invalid", "detail.lock_reason_required")
    report = await live_report(parsed, rpc, state)
    if report["missing_sections"]:
        raise Problem(
            "unavailable",
            "detail.lock_missing_sections",
            missing=report["missing_sections"],
        )
    version = (previous["version"] + 1) if previous else 1
    locked_at = datetime.now(UTC)
    doc = {
        "period": parsed.label,
        "version": version,
        "locked_by": actor.id,
        "locked_at": locked_at,
        "reason": reason,
        "figures": report,
    }
    if not await store.lock(doc):
        raise Problem("conflict", "detail.lock_conflict")
    locked = {**report, "generated_at": locked_at}
    locked["locked"] = {
        "version": version,
        "locked_by": actor.id,
        "locked_at": locked_at,
        "reason": reason,
    }
    locked["drifted_sections"] = []
    return DistrictReport.model_validate(locked)


class VersionList(BaseModel):
    """Every locked version of a period's report, oldest first."""

    period: str
    items: list[dict[str, Any]]


@router.get("/district/versions", dependencies=[REPORT_READERS])
async def report_versions(period: PeriodParam, state: State) -> VersionList:
    """Every locked version of the period's report."""
    parsed = reports.parse_period(period)
    docs = await state.reports.all_versions(parsed.label)
    return VersionList(
        period=parsed.label, items=[{k: v for k, v in d.items() if k != "_id"} for d in docs]
    )
