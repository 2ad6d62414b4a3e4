"""Initiative (sáng kiến) use cases: file a dossier, form the council (which accepts the
dossier and starts the 3-month clock), council reviews and votes, the decision, figures."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from services.competitions import initiatives as rules
from services.competitions.ports import CompetitionRepository
from services.competitions.records import envelope, stale
from services.competitions.repository import INITIATIVES, PEOPLE
from services.competitions.views import scores_by_label
from shared.contracts.base import Actor, Conflict, Forbidden, Invalid, NotFound, Role, new_id
from shared.contracts.events.competitions import (
    InitiativeCouncilAssignedV1,
    InitiativeDecidedV1,
    InitiativeFiledV1,
    InitiativeReviewedV1,
)
from shared.contracts.rpc.competitions.figures import InitiativeFigures
from shared.contracts.rpc.competitions.initiatives import (
    CouncilFields,
    DecisionFields,
    InitiativeFields,
    InitiativePage,
    InitiativeView,
    RecognisedInitiativePage,
    RecognisedInitiativeView,
    ReviewFields,
)
from shared.infra.mongo import Document
from shared.infra.outbox import Outbox
from shared.localtime import HCMC, local_date, utc

MANAGERS = (Role.ORGANIZER, Role.ADMIN)
Status = rules.Status


class Initiatives:
    """Initiatives (sáng kiến) under Decree 13/2012/NĐ-CP: filing, a council that scores and
    votes (two thirds), and the organizer's decision within 3 months of acceptance. `scopes`
    are the recognition levels this deployment records. Raises the contract's errors.
    """

    def __init__(
        self,
        store: CompetitionRepository,
        outbox: Outbox,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        scopes: Sequence[str] = rules.SCOPES,
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.clock = clock
        self.scopes = tuple(scopes)

    def today(self) -> Any:
        """Today in Gò Vấp."""
        return local_date(self.clock())

    async def file(self, actor: Actor, fields: InitiativeFields) -> InitiativeView:
        """File an initiative with its dossier (`initiatives.check_dossier`). Emits
        `InitiativeFiledV1`. Raises `Invalid` (author shares, application date, protection).
        """
        rules.check_dossier(
            [a.share for a in fields.authors],
            fields.applied_since,
            fields.ip_protected,
            self.today(),
        )
        now = self.clock()
        doc: Document = {
            **fields.model_dump(mode="json", exclude={"ip_protected"}),
            "_id": new_id(),
            "status": Status.FILED,
            "filed_by": actor.id,
            "filed_at": now,
            "council": [],
            "sheet": None,
            "reviews": [],
            "accepted_at": None,
            "version": 1,
        }
        event = InitiativeFiledV1(
            initiative_id=doc["_id"],
            title=fields.title,
            unit=fields.unit,
            field=fields.field,
            filed_by=actor.id,
            filed_at=now,
        )
        await self.store.insert(INITIATIVES, doc, [envelope(event, doc["_id"])])
        await self.outbox.flush(INITIATIVES, doc["_id"])
        return self.view(doc, actor)

    async def get(self, actor: Actor, initiative_id: str) -> InitiativeView:
        """The initiative, for its filer, its council and organizers. Raises `NotFound` (also when it is not theirs to see)."""
        return self.view(await self._visible(actor, initiative_id), actor)

    async def list_initiatives(
        self, actor: Actor, status: str | None, page: int, page_size: int
    ) -> InitiativePage:
        """One page of initiatives, newest first (of that `status`): organizers see all, others
        those they filed or sit on the council of.
        """
        docs, total = await self.store.page_initiatives(
            status,
            involving=None if actor.role in MANAGERS else actor.id,
            skip=(page - 1) * page_size,
            limit=page_size,
        )
        return InitiativePage(
            items=[self.view(d, actor) for d in docs],
            total=total,
            page=page,
            page_size=page_size,
        )

    async def recognised(
        self, scope: str | None, page: int, page_size: int
    ) -> RecognisedInitiativePage:
        """One page of recognised initiatives for anyone, newest decision first (of that
        `scope`), without authors (personal data) or the council's work."""
        docs, total = await self.store.page_recognised(
            scope, skip=(page - 1) * page_size, limit=page_size
        )
        # Only the view's fields are read from the dossier: authors, council, reviews and
        # who filed it stay out.
        items = [RecognisedInitiativeView.model_validate({**d, "id": d["_id"]}) for d in docs]
        return RecognisedInitiativePage(items=items, total=total, page=page, page_size=page_size)

    async def assign_council(
        self, actor: Actor, initiative_id: str, council: CouncilFields
    ) -> InitiativeView:
        """An organizer names the council (judge accounts). Raises `Forbidden`, `Invalid`,
        `Conflict` (already decided).
        """
        if actor.role not in MANAGERS:
            raise Forbidden("chỉ đơn vị tổ chức thành lập hội đồng")
        doc = await self._get(initiative_id)
        if doc["status"] not in (Status.FILED, Status.UNDER_REVIEW):
            raise Conflict("sáng kiến đã có quyết định")
        members = list(dict.fromkeys(council.member_ids))
        for member_id in members:
            person = await self.store.read_model(PEOPLE, member_id)
            if person is None or person.get("role") != Role.JUDGE.value:
                raise Invalid(
                    "thành viên hội đồng phải là tài khoản giám khảo",
                    field="member_ids",
                    user_id=member_id,
                )
        sheet = council.sheet.model_dump() if council.sheet else doc.get("sheet")
        sheet = sheet or rules.DEFAULT_SHEET
        rules.check_sheet(
            [(c["name"], c["max_points"]) for c in sheet["criteria"]], sheet["pass_mark"]
        )
        changes: Document = {
            "council": members,
            "sheet": sheet,
            "status": Status.UNDER_REVIEW,
            "accepted_at": doc.get("accepted_at") or self.clock(),
            "reviews": [r for r in doc.get("reviews") or [] if r["member_id"] in members],
        }
        appointed = tuple(m for m in members if m not in (doc.get("council") or []))
        event = InitiativeCouncilAssignedV1(
            initiative_id=initiative_id,
            title=doc["title"],
            member_ids=tuple(members),
            appointed=appointed,
        )
        saved = await self._save(doc, changes, [envelope(event, initiative_id)])
        return self.view(saved, actor)

    async def review(
        self, actor: Actor, initiative_id: str, review: ReviewFields
    ) -> InitiativeView:
        """A council member scores the initiative on the sheet and votes. Emits
        `InitiativeReviewedV1`. Raises `Forbidden` (not on the council), `Invalid`,
        `Conflict` (not under review).
        """
        doc = await self._get(initiative_id)
        if actor.id not in doc["council"]:
            raise Forbidden("bạn không thuộc hội đồng xét sáng kiến này")
        if doc["status"] != Status.UNDER_REVIEW:
            raise Conflict("sáng kiến không còn trong giai đoạn xét")
        total = rules.sheet_total(doc["sheet"], review.points)
        entry = {
            "member_id": actor.id,
            # user text is never a field name (issue 14): points as a list of {label, value}
            "points": [{"label": name, "value": v} for name, v in review.points.items()],
            "total": total,
            "passed": total >= doc["sheet"]["pass_mark"],
            "in_favour": review.in_favour,
            "comment": review.comment,
            "at": self.clock(),
        }
        reviews = [r for r in doc["reviews"] if r["member_id"] != actor.id] + [entry]
        event = InitiativeReviewedV1(
            initiative_id=initiative_id,
            member_id=actor.id,
            points=total,
            in_favour=review.in_favour,
        )
        saved = await self._save(doc, {"reviews": reviews}, [envelope(event, initiative_id)])
        return self.view(saved, actor)

    async def decide(
        self, actor: Actor, initiative_id: str, decision: DecisionFields
    ) -> InitiativeView:
        """An organizer records the decision (recognised at a scope, or refused) once a council exists; recognition needs two thirds of the council in favour (`initiatives.two_thirds`). Emits `InitiativeDecidedV1`. Raises `Forbidden`, `Invalid` (scope, missing reasons), `Conflict` (already decided, no council, too few votes)."""
        if actor.role not in MANAGERS:
            raise Forbidden("chỉ đơn vị tổ chức ghi nhận quyết định")
        doc = await self._get(initiative_id)
        if doc["status"] in (Status.RECOGNISED, Status.REFUSED):
            raise Conflict("sáng kiến đã có quyết định")
        votes_for = votes(doc)
        rules.check_decision(
            decision.recognised,
            decision.scope,
            decision.reasons,
            votes_for,
            len(doc["council"]),
            self.scopes,
        )
        now = self.clock()
        changes: Document = {
            "status": Status.RECOGNISED if decision.recognised else Status.REFUSED,
            "recognised": decision.recognised,
            "scope": decision.scope if decision.recognised else None,
            "reasons": decision.reasons,
            "decided_at": now,
        }
        event = InitiativeDecidedV1(
            initiative_id=initiative_id,
            title=doc["title"],
            filed_by=doc.get("filed_by"),
            recognised=decision.recognised,
            scope=changes["scope"],
            reasons=decision.reasons,
            votes_for=votes_for,
            council_size=len(doc["council"]),
            decided_at=now,
        )
        return self.view(await self._save(doc, changes, [envelope(event, initiative_id)]), actor)

    async def figures(self, start: datetime, end: datetime) -> InitiativeFigures:
        """The district report's initiative figures for [start, end)."""
        docs = await self.store.all(INITIATIVES)
        decided = [d for d in docs if d.get("decided_at") and start <= utc(d["decided_at"]) < end]
        recognised = [d for d in decided if d.get("recognised")]
        return InitiativeFigures(
            filed=sum(1 for d in docs if start <= utc(d["filed_at"]) < end),
            decided=len(decided),
            recognised=len(recognised),
            recognised_by_scope=dict(sorted(Counter(d["scope"] for d in recognised).items())),
        )

    async def personal_data(self, user_id: str) -> list[dict[str, Any]]:
        """The initiatives the person filed (PDPL 91/2025 access request), as JSON-ready dicts."""
        me = Actor(id=user_id, role=Role.FOUNDER)
        docs = await self.store.find(INITIATIVES, {"filed_by": user_id})
        return [self.view(d, me).model_dump(mode="json") for d in docs]

    # --- helpers ------------------------------------------------------------------------------

    async def _get(self, initiative_id: str) -> Document:
        doc = await self.store.get(INITIATIVES, initiative_id)
        if doc is None:
            raise NotFound("không tìm thấy sáng kiến", initiative_id=initiative_id)
        return doc

    async def _visible(self, actor: Actor, initiative_id: str) -> Document:
        doc = await self._get(initiative_id)
        if actor.role in MANAGERS or actor.id == doc["filed_by"] or actor.id in doc["council"]:
            return doc
        raise NotFound("không tìm thấy sáng kiến", initiative_id=initiative_id)

    async def _save(self, doc: Document, changes: Document, events: list[Any]) -> Document:
        saved = await self.store.update(INITIATIVES, doc["_id"], doc["version"], changes, events)
        if saved is None:
            raise stale()
        if events:
            await self.outbox.flush(INITIATIVES, doc["_id"])
        return saved

    def view(self, doc: Document, actor: Actor) -> InitiativeView:
        """The initiative as `actor` may see it."""
        accepted = doc.get("accepted_at")
        accepted_on = utc(accepted).astimezone(HCMC).date() if accepted else None
        decided = doc["status"] in (Status.RECOGNISED, Status.REFUSED)
        sees_reviews = actor.role in MANAGERS or actor.id in doc["council"]
        return InitiativeView.model_validate(
            {
                **doc,
                "id": doc["_id"],
                "decision_due": rules.decision_due(accepted_on) if accepted_on else None,
                "deadline_warning": rules.deadline_warning(accepted_on, self.today(), decided),
                "reviews": [
                    {**r, "points": scores_by_label(r.get("points") or {})}
                    for r in doc.get("reviews") or []
                ]
                if sees_reviews
                else None,
                "votes_for": votes(doc),
            }
        )


def votes(doc: Document) -> int:
    """How many current council members reviewed the initiative in favour."""
    council = set(doc.get("council") or [])
    return sum(1 for r in doc.get("reviews") or [] if r["in_favour"] and r["member_id"] in council)
