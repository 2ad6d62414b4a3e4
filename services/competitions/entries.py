"""Entries (DESIGN §9): a founder enters their own eligible startup, a school advisor a team
of consenting students, before the entry deadline; the entrant may withdraw before it
(issue 17); the organizer lists every entry, others their own. Submission records itself on
its competition with a versioned update, so it cannot interleave with the start of judging
(issue 13)."""

from __future__ import annotations

from services.competitions import domain
from services.competitions.ports import StartupSource
from services.competitions.records import CompetitionRecords, envelope, stale
from services.competitions.repository import COMPETITIONS, ENTRIES, SCHOOLS, STARTUPS
from services.competitions.views import entry_view, orgs
from shared.contracts.base import Actor, Conflict, Envelope, Forbidden, Invalid, Role, new_id
from shared.contracts.events.competitions import CompetitionStatus, EntrySubmittedV1
from shared.contracts.rpc.competitions.entries import EntryFields, EntryPage, EntryView
from shared.infra.logging import get_logger
from shared.infra.mongo import AlreadyExists, Document
from shared.localtime import utc
from shared.text import fold

log = get_logger(__name__)
S = CompetitionStatus


class Entries:
    """Submit, withdraw and list entries. `registry` answers for startups the read model has
    not seen yet (None: the read model alone decides).

    Errors raised are the contract's: `NotFound`, `Forbidden`, `Invalid`, `Conflict`.
    """

    #: How often an entry tries to record itself on its competition before giving up.
    CLAIM_ATTEMPTS = 50

    def __init__(self, records: CompetitionRecords, registry: StartupSource | None = None) -> None:
        self.records = records
        self.store = records.store
        self.outbox = records.outbox
        self.clock = records.clock
        self.registry = registry

    async def submit(self, actor: Actor, competition_id: str, fields: EntryFields) -> EntryView:
        """Enter a published competition before its entry deadline: a founder with their own
        eligible startup, or a school advisor with a team of consenting students
        (`domain.check_consent`). One entry per startup or team. Emits `EntrySubmittedV1`.

        Raises `NotFound`, `Forbidden` (wrong role, someone else's startup, another school),
        `Invalid` (eligibility, consent, both or neither of startup and team), `Conflict` (the
        deadline passed, or already entered).
        """
        doc = await self.records.competition(competition_id, actor)
        if doc["status"] == S.PUBLISHED.value and utc(doc["entry_deadline"]) <= self.clock():
            raise Conflict("đã hết hạn nộp bài dự thi", entry_deadline=doc["entry_deadline"])
        domain.check_status(doc, S.PUBLISHED)
        if (fields.startup_id is None) == (fields.team is None):
            raise Invalid(
                "bài dự thi gồm một dự án khởi nghiệp hoặc một đội học sinh", field="team"
            )
        eligibility = doc["eligibility"]
        entry: Document = {
            "_id": new_id(),
            "competition_id": competition_id,
            "entrant_id": actor.id,
            "title": fields.title,
            "description": fields.description,
            "submitted_at": self.clock(),
        }
        if fields.startup_id is not None:
            if actor.role != Role.FOUNDER:
                raise Forbidden("chỉ nhà sáng lập đăng ký dự án khởi nghiệp dự thi")
            if eligibility.get("entrants", "startup") != "startup":
                raise Invalid("cuộc thi này chỉ dành cho đội học sinh", field="startup_id")
            startup = await self._eligible_startup(actor, fields.startup_id, eligibility)
            entry.update(
                entrant_key=f"startup:{fields.startup_id}",
                startup_id=fields.startup_id,
                startup_name=startup.get("name"),
                ward=startup.get("ward"),
                participants=int(startup.get("team_size") or 1),
                organizations=sorted(orgs(actor)),
            )
        else:
            team = fields.team
            assert team is not None
            if actor.role != Role.SCHOOL_ADVISOR:
                raise Forbidden("chỉ giáo viên phụ trách đăng ký đội học sinh dự thi")
            school = await self.store.read_model(SCHOOLS, team.school)
            domain.check_team_eligible(eligibility, school, actor)
            students = [s.model_dump(mode="json") for s in team.students]
            domain.check_consent(students)
            assert school is not None
            entry.update(
                entrant_key=f"team:{team.school}:{fold(team.name)}",
                team={"name": team.name, "school": team.school, "students": students},
                school=team.school,
                ward=school.get("ward"),
                participants=len(students),
                organizations=sorted({team.school} | orgs(actor)),
            )
        event = EntrySubmittedV1(
            competition_id=competition_id,
            entry_id=entry["_id"],
            entrant_id=actor.id,
            title=entry["title"],
            startup_id=entry.get("startup_id"),
            school=entry.get("school"),
            ward=entry.get("ward"),
            participants=entry["participants"],
            submitted_at=entry["submitted_at"],
            organizer_id=doc.get("organizer_id"),
            competition_title=doc["title"],
        )
        entry["version"] = 1
        try:
            await self.store.insert(ENTRIES, entry, [])
        except AlreadyExists:
            raise Conflict("dự án hoặc đội này đã đăng ký cuộc thi") from None
        await self._claim_place(doc, entry, envelope(event, competition_id))
        log.info("entry.submitted", competition_id=competition_id, entry_id=entry["_id"])
        return entry_view(entry, owner=True)

    async def _eligible_startup(
        self, actor: Actor, startup_id: str, eligibility: Document
    ) -> Document:
        """The startup as the read model keeps it, if it is eligible; otherwise (unknown, or
        not eligible as kept) the registry's newer answer, kept at its version, when there
        is one (read-your-writes: entering right after verification, issue 13). Raises the
        eligibility rule's `Invalid` or `Forbidden`."""
        kept = await self.store.read_model(STARTUPS, startup_id)
        if kept is not None:
            try:
                domain.check_startup_eligible(eligibility, kept, actor)
                return kept
            except (Invalid, Forbidden):
                if self.registry is None:
                    raise
        fresh = await self.registry.startup(actor, startup_id) if self.registry else None
        if fresh is None or (kept is not None and fresh[0] <= int(kept.get("version") or 0)):
            if kept is None:
                raise Invalid("không tìm thấy dự án khởi nghiệp", field="startup_id")
            domain.check_startup_eligible(eligibility, kept, actor)
            return kept
        version, startup = fresh
        await self.store.save_read_model(STARTUPS, startup_id, version, startup)
        log.info("startup.read_from_registry", startup_id=startup_id, version=version)
        domain.check_startup_eligible(eligibility, startup, actor)
        return startup

    async def _claim_place(self, doc: Document, entry: Document, event: Envelope) -> None:
        """Record the entry on its competition (a versioned update carrying its event), so
        submission and the start of judging cannot interleave (issue 13): judging starts by
        a versioned update too, so either this update lands first (the entry is judged) or
        judging started first, and then the entry is in only if the plan already holds it;
        otherwise it is marked late and refused with `Conflict`."""
        for _ in range(self.CLAIM_ATTEMPTS):
            saved = await self.store.update(
                COMPETITIONS, doc["_id"], doc["version"], {"last_entry_at": self.clock()}, [event]
            )
            if saved is not None:
                await self.outbox.flush(COMPETITIONS, doc["_id"])
                return
            doc = await self.records.competition(doc["_id"])
            planned = {a["entry_id"] for a in doc.get("assignments") or []}
            if doc["status"] == S.PUBLISHED.value or entry["_id"] in planned:
                continue  # another entry or edit moved the version on: record it again
            late = {"withdrawn": True, "late": True, "entrant_key": f"late:{entry['_id']}"}
            await self.store.withdraw_entry(entry["_id"], entry["entrant_key"], late)
            raise Conflict("đã hết hạn nộp bài dự thi", entry_deadline=doc["entry_deadline"])
        raise stale()

    async def list_entries(
        self, actor: Actor, competition_id: str, page: int, page_size: int
    ) -> EntryPage:
        """The organizer sees every entry (never students' names); others their own."""
        doc = await self.records.competition(competition_id, actor)
        query: Document = {"competition_id": competition_id}
        manager = domain.is_manager(actor, doc)
        if not manager:
            query["entrant_id"] = actor.id
        query["late"] = None  # an entry refused as late was never in
        docs = await self.store.find(
            ENTRIES,
            query,
            sort=[("submitted_at", 1)],
            skip=(page - 1) * page_size,
            limit=page_size,
        )
        total = await self.store.count(ENTRIES, query)
        items = [entry_view(e, owner=e.get("entrant_id") == actor.id) for e in docs]
        return EntryPage(items=items, total=total, page=page, page_size=page_size)

    async def withdraw(self, actor: Actor, entry_id: str) -> EntryView:
        """The entrant withdraws their entry while the competition takes entries; it is then
        neither judged nor ranked, and the startup or team may enter again. Withdrawing
        twice answers the withdrawn entry. Raises `NotFound`, `Forbidden` (not theirs),
        `Conflict` (the entry deadline passed)."""
        entry = await self.records.entry(entry_id)
        if entry.get("entrant_id") != actor.id:
            raise Forbidden("chỉ người đăng ký bài dự thi được rút bài")
        if entry.get("withdrawn"):
            return entry_view(entry, owner=True)
        doc = await self.records.competition(entry["competition_id"])
        if doc["status"] != S.PUBLISHED.value or utc(doc["entry_deadline"]) <= self.clock():
            raise Conflict("đã hết hạn nộp bài nên không thể rút bài dự thi")
        changes = {
            "withdrawn": True,
            "withdrawn_at": self.clock(),
            "entrant_key": f"withdrawn:{entry_id}",
        }
        saved = await self.store.withdraw_entry(entry_id, entry["entrant_key"], changes)
        if saved is None:
            raise stale()
        log.info("entry.withdrawn", entry_id=entry_id, competition_id=doc["_id"])
        return entry_view(saved, owner=True)
