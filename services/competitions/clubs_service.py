"""School club use cases: register a club, log activities, list, coverage, figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from services.competitions import clubs
from services.competitions.ports import CompetitionRepository
from services.competitions.records import envelope, stale
from services.competitions.repository import CLUBS, SCHOOLS
from shared.contracts.base import Actor, Conflict, Forbidden, Invalid, NotFound, Role, new_id
from shared.contracts.events.competitions import ClubActivityLoggedV1, ClubRegisteredV1
from shared.contracts.rpc.competitions.clubs import (
    ActivityFields,
    ClubFields,
    ClubPage,
    ClubView,
    Coverage,
    CoverageFigure,
    ListClubs,
)
from shared.contracts.rpc.competitions.figures import ClubFigures
from shared.infra.mongo import AlreadyExists, Document
from shared.infra.outbox import Outbox
from shared.localtime import HCMC, local_date, utc
from shared.text import fold


class Clubs:
    """School clubs (câu lạc bộ): registration by a school advisor, activities, coverage against
    the plan's target (`clubs.TARGET` of schools with an active club), figures. Raises the
    contract's errors.
    """

    def __init__(
        self,
        store: CompetitionRepository,
        outbox: Outbox,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.clock = clock

    def today(self) -> date:
        """Today in Gò Vấp."""
        return local_date(self.clock())

    async def register(self, actor: Actor, fields: ClubFields) -> ClubView:
        """A school advisor registers a club of their own school (in the reference data). Emits
        `ClubRegisteredV1`. Raises `Forbidden`, `Invalid` (no or unknown school, founding
        date), `Conflict` (same name at that school).
        """
        if actor.role != Role.SCHOOL_ADVISOR:
            raise Forbidden("chỉ giáo viên phụ trách đăng ký câu lạc bộ của trường")
        code = fields.school or actor.organization
        if code is None:
            raise Invalid("tài khoản chưa gắn với trường nào", field="school")
        if code != actor.organization:
            raise Forbidden("giáo viên chỉ đăng ký câu lạc bộ của trường mình", field="school")
        school = await self.store.read_model(SCHOOLS, code)
        if school is None:
            raise Invalid("trường không có trong danh mục", field="school", school=code)
        clubs.check_founded(fields.founded, self.today())
        now = self.clock()
        doc: Document = {
            "_id": new_id(),
            "school": code,
            "school_name": school.get("name"),
            "ward": school.get("ward"),
            "level": school.get("level"),
            "kind": fields.kind.value,
            "name": fields.name,
            "name_key": fold(fields.name),
            "members_count": fields.members_count,
            "founded": fields.founded.isoformat() if fields.founded else None,
            "advisor_id": actor.id,
            "activities": [],
            "last_activity": None,
            "registered_at": now,
            "version": 1,
        }
        event = ClubRegisteredV1(
            club_id=doc["_id"],
            school=code,
            ward=doc["ward"],
            level=doc["level"],
            kind=fields.kind,
            name=fields.name,
            advisor_id=actor.id,
            founded=fields.founded,
        )
        try:
            await self.store.insert(CLUBS, doc, [envelope(event, doc["_id"])])
        except AlreadyExists:
            raise Conflict("trường đã có câu lạc bộ cùng tên") from None
        await self.outbox.flush(CLUBS, doc["_id"])
        return self.view(doc)

    async def log_activity(self, actor: Actor, club_id: str, fields: ActivityFields) -> ClubView:
        """Record a club activity (a date not in the future nor before the founding). Emits
        `ClubActivityLoggedV1`. Raises `NotFound`, `Forbidden` (another school), `Invalid`,
        `Conflict`.
        """
        doc = await self._club(club_id)
        if actor.role != Role.SCHOOL_ADVISOR or (
            actor.organization != doc["school"] and actor.id != doc["advisor_id"]
        ):
            raise Forbidden("chỉ giáo viên của trường ghi nhận hoạt động câu lạc bộ")
        founded = date.fromisoformat(doc["founded"]) if doc.get("founded") else None
        clubs.check_activity_date(fields.date, self.today(), founded)
        activity = {
            "id": new_id(),
            "date": fields.date.isoformat(),
            "title": fields.title,
            "participants": fields.participants,
            "logged_by": actor.id,
            "logged_at": self.clock(),
        }
        last = max(filter(None, [doc.get("last_activity"), activity["date"]]))
        event = ClubActivityLoggedV1(
            club_id=club_id,
            activity_id=activity["id"],
            school=doc["school"],
            on=fields.date,
            title=fields.title,
            participants=fields.participants,
        )
        saved = await self.store.update(
            CLUBS,
            club_id,
            doc["version"],
            {"last_activity": last},
            [envelope(event, club_id)],
            push={"activities": activity},
        )
        if saved is None:
            raise stale()
        await self.outbox.flush(CLUBS, club_id)
        return self.view(saved)

    async def get(self, club_id: str) -> ClubView:
        """The club. Raises `NotFound`."""
        return self.view(await self._club(club_id))

    async def list_clubs(self, request: ListClubs) -> ClubPage:
        """One page of clubs, newest first, filtered by school, ward, kind, and whether active
        (an activity in the last `clubs.ACTIVE_WINDOW`).
        """
        query: Document = {}
        for key in ("school", "ward"):
            value = getattr(request, key)
            if value is not None:
                query[key] = value
        if request.kind is not None:
            query["kind"] = request.kind.value
        docs, total = await self.store.page_clubs(
            query,
            active=request.active,
            active_since=(self.today() - clubs.ACTIVE_WINDOW).isoformat(),
            skip=(request.page - 1) * request.page_size,
            limit=request.page_size,
        )
        return ClubPage(
            items=[self.view(d) for d in docs],
            total=total,
            page=request.page,
            page_size=request.page_size,
        )

    async def coverage(self, on: date | None = None) -> Coverage:
        """Share of schools with an active club on `on` (default today), overall and by level
        and ward, against the target.
        """
        day = on or self.today()
        result = await self._coverage(day, None)
        return Coverage(
            as_of=day,
            target=clubs.TARGET,
            overall=figure(result.overall),
            by_ward={k: figure(v) for k, v in result.by_ward.items()},
            by_level={k: figure(v) for k, v in result.by_level.items()},
        )

    async def figures(self, start: datetime, end: datetime) -> ClubFigures:
        """Clubs registered in the period; clubs, active clubs and coverage as of its end."""
        day = (utc(end) - timedelta(microseconds=1)).astimezone(HCMC).date()
        docs = [d for d in await self.store.all(CLUBS) if utc(d["registered_at"]) < end]
        result = await self._coverage(day, end)
        active = sum(1 for d in docs if clubs.is_active(activity_dates(d, day), day))
        return ClubFigures(
            registered=sum(1 for d in docs if start <= utc(d["registered_at"])),
            clubs=len(docs),
            active=active,
            schools=result.overall.schools,
            schools_with_active_club=result.overall.covered,
            coverage=result.overall.share,
            target=clubs.TARGET,
            meets_target=result.overall.meets(),
            schools_by_ward={k: v.schools for k, v in result.by_ward.items()},
            covered_by_ward={k: v.covered for k, v in result.by_ward.items()},
            coverage_by_level={k: v.share for k, v in result.by_level.items()},
        )

    async def _coverage(
        self, day: date, registered_before: datetime | None
    ) -> clubs.CoverageResult:
        schools = [
            clubs.School(s["_id"], s.get("ward"), s.get("level"))
            for s in await self.store.all(SCHOOLS)
            if s.get("active", True)
        ]
        by_school: dict[str, list[list[date]]] = {}
        for doc in await self.store.all(CLUBS):
            if registered_before is not None and utc(doc["registered_at"]) >= registered_before:
                continue
            by_school.setdefault(doc["school"], []).append(activity_dates(doc, day))
        return clubs.coverage(schools, by_school, day)

    async def _club(self, club_id: str) -> Document:
        doc = await self.store.get(CLUBS, club_id)
        if doc is None:
            raise NotFound("không tìm thấy câu lạc bộ", club_id=club_id)
        return doc

    def view(self, doc: Document) -> ClubView:
        """The club as the contract's view."""
        today = self.today()
        activities = sorted(doc.get("activities") or [], key=lambda a: a["date"], reverse=True)
        return ClubView.model_validate(
            {
                **doc,
                "id": doc["_id"],
                "active": clubs.is_active(activity_dates(doc, today), today),
                "activities": activities,
            }
        )


def activity_dates(doc: Document, until: date) -> list[date]:
    """The club document's activity dates up to and including `until`."""
    return [
        day for a in doc.get("activities") or [] if (day := date.fromisoformat(a["date"])) <= until
    ]


def figure(share: clubs.Share) -> CoverageFigure:
    """A coverage share as its reply contract, with whether it meets the 50% target."""
    return CoverageFigure(
        schools=share.schools,
        covered=share.covered,
        share=share.share,
        meets_target=share.meets(),
    )
