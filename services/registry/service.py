"""The startup lifecycle: register, edit, verify or reject, change status, read one startup and
its history. Finding startups is in `search.py`, the report's figures in `figures.py`, the
copies of reference data and contacts in `read_models.py`, export and erasure in
`personal_data.py`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from services.registry import domain
from services.registry.ports import StartupRepository
from services.registry.repository import STARTUPS
from services.registry.views import snapshot, view
from shared.contracts.base import (
    Actor,
    Conflict,
    Envelope,
    Event,
    Forbidden,
    Invalid,
    NotFound,
    new_id,
)
from shared.contracts.events.registry import (
    StartupRegisteredV1,
    StartupStatus,
    StartupStatusChangedV1,
    StartupUpdatedV1,
)
from shared.contracts.rpc.registry import (
    HistoryEntry,
    StartupChanges,
    StartupFields,
    StartupHistory,
    StartupView,
)
from shared.infra.logging import current_correlation_id, get_logger
from shared.infra.mongo import AlreadyExists, Document
from shared.infra.outbox import Outbox
from shared.localtime import local_date, valid_on

log = get_logger(__name__)


class Startups:
    """The startups' lifecycle (DESIGN §2, §9): each use case takes the acting user and a
    command, loads the startup, applies `domain`'s rules and saves it with its events in one
    write.

    Errors raised are the contract's: `NotFound`, `Forbidden`, `Invalid`, `Conflict` (a
    duplicate name or tax code, or a stale `version`). `clock` gives aware UTC moments.
    """

    def __init__(
        self,
        store: StartupRepository,
        outbox: Outbox,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.clock = clock

    def _today(self) -> date:
        return local_date(self.clock())

    # --- commands ------------------------------------------------------------------------

    async def register(
        self, actor: Actor, fields: StartupFields, request_key: str | None = None
    ) -> StartupView:
        """Register a startup for `actor` (a founder): status `submitted`, version 1, the
        founder added to the team, `youth_led` derived from the birth year when given
        (`domain.youth_led`). Emits `StartupRegisteredV1`. A retry with the same
        `request_key` (the caller's scoped Idempotency-Key) returns the startup the first
        attempt made.

        Raises `Forbidden` (not a founder), `Invalid` (a ward not in force today or an unknown
        sector), `Conflict` (same owner and name, or a tax code already registered).
        """
        if actor.role.value != "founder":
            raise Forbidden("chỉ tài khoản nhà sáng lập đăng ký dự án")
        if request_key and (made := await self.store.made_by_request(request_key)):
            return view(made, actor)
        data = fields.model_dump(mode="json", exclude_none=True)
        await self._check_reference(data)
        name_key = domain.name_key(fields.name)
        await self._check_duplicate(actor.id, name_key, data.get("tax_code"), None)
        now = self.clock()
        startup_id = new_id()
        doc: Document = {
            **data,
            "_id": startup_id,
            "owner_id": actor.id,
            "team": await self._team_with_founder(actor.id, data.get("team", [])),
            "youth_led": domain.youth_led(
                fields.founder_birth_year, fields.youth_led, self._today()
            ),
            "status": StartupStatus.SUBMITTED.value,
            "name_key": name_key,
            **domain.search_fields(fields.name, fields.summary),
            "registered_at": now,
            "updated_at": now,
            "version": 1,
            **({"request_key": request_key} if request_key else {}),
        }
        event = StartupRegisteredV1(startup=snapshot(doc), actor_id=actor.id)
        envelope = self._envelope(event, startup_id)
        doc["history"] = [self._history(envelope, actor, now, to_status=StartupStatus.SUBMITTED)]
        try:
            await self.store.insert(doc, [envelope])
        except AlreadyExists:
            # A concurrent retry of the same command won the insert: answer with its startup.
            if request_key and (made := await self.store.made_by_request(request_key)):
                return view(made, actor)
            await self._check_duplicate(actor.id, name_key, data.get("tax_code"), None)
            raise
        await self.outbox.flush(STARTUPS, startup_id)
        log.info("startup.registered", startup_id=startup_id)
        return view(await self._get(startup_id), actor)

    async def update(self, actor: Actor, startup_id: str, changes: StartupChanges) -> StartupView:
        """Apply a partial edit made from version `changes.version`; fields set to None are
        removed. Emits `StartupUpdatedV1` naming the changed fields; no change, no event.

        Raises `NotFound`, `Forbidden` (neither owner nor staff), `Invalid` (ward, sector),
        `Conflict` (a stale version, or a duplicate name or tax code).
        """
        doc = await self._get(startup_id)
        domain.check_can_edit(actor, doc)
        requested = changes.model_dump(mode="json", exclude_unset=True)
        version = requested.pop("version")
        if version != doc["version"]:
            raise _stale(doc)
        # A field is changed only when it differs from the stored value: clearing a field
        # that was never filled in (an edit form sends every field) is no change.
        unset = [
            key for key, value in requested.items() if value is None and doc.get(key) is not None
        ]
        data = {key: value for key, value in requested.items() if value is not None}
        changed = sorted(key for key, value in data.items() if doc.get(key) != value) + unset
        if not changed:
            return view(doc, actor)
        await self._check_reference(data)
        merged = {**doc, **data}
        for key in unset:
            merged.pop(key, None)
        if {"name", "summary"} & data.keys():
            merged.update(domain.search_fields(merged["name"], merged["summary"]))
            if "search_seq" in merged:  # else the start-up backfill numbers it
                merged["search_keys"] = domain.search_keys(
                    merged["name"], merged["summary"], merged["search_seq"]
                )
            merged["name_key"] = domain.name_key(merged["name"])
        if {"name", "tax_code"} & data.keys():
            await self._check_duplicate(
                doc["owner_id"], domain.name_key(merged["name"]), merged.get("tax_code"), startup_id
            )
        if "team" in data:
            merged["team"] = await self._team_with_founder(doc["owner_id"], data["team"])
        merged["youth_led"] = domain.youth_led(
            merged.get("founder_birth_year"), bool(merged.get("youth_led")), self._today()
        )
        now = self.clock()
        merged.update(updated_at=now, version=doc["version"] + 1)
        event = StartupUpdatedV1(
            startup=snapshot(merged), changed=tuple(changed), actor_id=actor.id
        )
        envelope = self._envelope(event, startup_id)
        stored = {k: v for k, v in merged.items() if k not in ("_id", "history", "version")}
        entry = self._history(envelope, actor, now, changed=changed)
        await self._save(doc, stored, unset, entry, envelope)
        return view(await self._get(startup_id), actor)

    async def change_status(
        self,
        actor: Actor,
        startup_id: str,
        to_status: StartupStatus,
        *,
        reason: str | None = None,
        version: int | None = None,
    ) -> StartupView:
        """Move the startup to `to_status` along the lifecycle in `domain.TRANSITIONS` (verify
        and reject: staff; reopen, activate, close: the owner). A rejection needs a `reason`;
        leaving `rejected` clears it. Emits `StartupStatusChangedV1`.

        Raises `NotFound`, `Forbidden`, `Invalid` (a transition not allowed, a rejection without
        reason), `Conflict` (a stale `version`).
        """
        doc = await self._get(startup_id)
        if not domain.can_see(actor, doc):
            raise NotFound("không tìm thấy dự án", startup_id=startup_id)
        domain.check_transition(actor, doc, to_status)
        if version is not None and version != doc["version"]:
            raise _stale(doc)
        if to_status == StartupStatus.REJECTED and not reason:
            raise Invalid("cần nêu lý do từ chối", field="reason")
        now = self.clock()
        from_status = StartupStatus(doc["status"])
        changes: Document = {"status": to_status.value, "updated_at": now}
        unset: list[str] = []
        if to_status == StartupStatus.REJECTED:
            changes["rejection_reason"] = reason
        elif doc.get("rejection_reason"):
            unset.append("rejection_reason")
        merged = {**doc, **changes, "version": doc["version"] + 1}
        event = StartupStatusChangedV1(
            startup=snapshot(merged),
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            actor_id=actor.id,
        )
        envelope = self._envelope(event, startup_id)
        entry = self._history(
            envelope, actor, now, from_status=from_status, to_status=to_status, reason=reason
        )
        await self._save(doc, changes, unset, entry, envelope)
        log.info("startup.status_changed", startup_id=startup_id, to_status=to_status.value)
        return view(await self._get(startup_id), actor)

    async def _save(
        self,
        doc: Document,
        changes: Document,
        unset: list[str],
        entry: Document,
        envelope: Envelope,
    ) -> None:
        try:
            saved = await self.store.update(
                doc["_id"], doc["version"], changes, unset, entry, [envelope]
            )
        except AlreadyExists:
            raise Conflict("tên hoặc mã số thuế trùng với một dự án khác") from None
        if saved is None:
            raise _stale(await self._get(doc["_id"]))
        await self.outbox.flush(STARTUPS, doc["_id"])

    # --- queries -------------------------------------------------------------------------

    async def get(self, actor: Actor | None, startup_id: str) -> StartupView:
        """The startup as `actor` may see it. Raises `NotFound` also when it is not visible to
        them (no existence leak).
        """
        doc = await self._get(startup_id)
        if not domain.can_see(actor, doc):
            raise NotFound("không tìm thấy dự án", startup_id=startup_id)
        return view(doc, actor)

    async def history(self, actor: Actor, startup_id: str) -> StartupHistory:
        """Every recorded change of the startup, oldest first. Raises `NotFound`, `Forbidden`
        (neither the owner nor staff).
        """
        doc = await self.store.history(startup_id)
        if doc is None:
            raise NotFound("không tìm thấy dự án", startup_id=startup_id)
        if not (domain.is_staff(actor) or domain.is_owner(actor, doc)):
            raise Forbidden("chỉ nhà sáng lập và cán bộ xem được lịch sử")
        entries = sorted(doc.get("history", []), key=lambda e: e["at"])
        return StartupHistory(
            startup_id=startup_id, items=[HistoryEntry.model_validate(e) for e in entries]
        )

    # --- helpers -------------------------------------------------------------------------

    async def _get(self, startup_id: str) -> Document:
        doc = await self.store.get(startup_id)
        if doc is None:
            raise NotFound("không tìm thấy dự án", startup_id=startup_id)
        return doc

    async def _check_reference(self, data: Document) -> None:
        if "ward" in data:
            ward = await self.store.ward(data["ward"])
            if not valid_on(ward, self._today().isoformat()):
                raise Invalid(
                    "phường không hợp lệ: chọn một phường hiện hành",
                    field="ward",
                    ward=data["ward"],
                )
        if "sector" in data and await self.store.sector(data["sector"]) is None:
            raise Invalid("lĩnh vực không hợp lệ", field="sector", sector=data["sector"])

    async def _check_duplicate(
        self, owner_id: str, name_key: str, tax_code: str | None, exclude_id: str | None
    ) -> None:
        existing = await self.store.find_duplicate(owner_id, name_key, tax_code, exclude_id)
        if existing is None:
            return
        same_tax = tax_code is not None and existing.get("tax_code") == tax_code
        message = (
            "mã số thuế đã được đăng ký cho một dự án khác"
            if same_tax
            else "bạn đã đăng ký một dự án cùng tên"
        )
        existing_view: dict[str, Any] = {"id": existing["_id"]}
        if existing.get("owner_id") == owner_id:
            existing_view["name"] = existing["name"]
        raise Conflict(message, existing=existing_view, field="tax_code" if same_tax else "name")

    async def _team_with_founder(self, owner_id: str, team: list[Document]) -> list[Document]:
        if any(member.get("is_founder") for member in team):
            return team
        contact = await self.store.contact(owner_id) or {}
        founder = {
            "name": contact.get("full_name") or "Nhà sáng lập",
            "role": "Nhà sáng lập",
            "email": contact.get("email"),
            "is_founder": True,
        }
        return [founder, *team]

    def _envelope(self, event: Event, startup_id: str) -> Envelope:
        return Envelope.wrap(
            event, aggregate_id=startup_id, correlation_id=current_correlation_id()
        )

    @staticmethod
    def _history(
        envelope: Envelope,
        actor: Actor,
        at: datetime,
        *,
        from_status: StartupStatus | None = None,
        to_status: StartupStatus | None = None,
        reason: str | None = None,
        changed: list[str] | None = None,
    ) -> Document:
        return {
            "event_id": envelope.id,
            "type": envelope.type,
            "at": at,
            "actor_id": actor.id,
            "from_status": from_status.value if from_status else None,
            "to_status": to_status.value if to_status else None,
            "reason": reason,
            "changed": changed or [],
        }


def _stale(doc: Document) -> Conflict:
    return Conflict(
        "dự án đã được người khác sửa; hãy tải lại rồi thử lại", current_version=doc["version"]
    )
