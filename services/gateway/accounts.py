"""Account changes shared by the identity use cases, administration and password reset
(issue 17, issue 13): ending a user's sessions on every gateway copy, a versioned change
with its `user.updated` event, finding and administering accounts, resetting a password by
an emailed single-use token. `Identity` (`service.py`) builds on `AccountChanges`."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Protocol

from services.gateway import auth, domain
from services.gateway.repository import USERS, UserStore
from shared import crypto
from shared.contracts.base import Actor, Conflict, Envelope, Invalid, Locale, NotFound, Role
from shared.contracts.events.identity import (
    Contact,
    PasswordResetRequestedV1,
    SealedContact,
    UserUpdatedV1,
)
from shared.infra.logging import get_logger
from shared.infra.mongo import Document
from shared.infra.outbox import OutboxRelay

log = get_logger(__name__)


class LastAdmin(Conflict):
    """The last active admin would demote or disable themself (409 `last_admin`)."""

    problem_code = "last_admin"


class ResetTokenInvalid(Invalid):
    """A password-reset token that is unknown, already used or expired (`problem_code`
    says which)."""

    problem_code = "reset_token_invalid"


class ResetTokenUsed(ResetTokenInvalid):
    """The token already set a password once (400 `reset_token_used`)."""

    problem_code = "reset_token_used"


class ResetTokenExpired(ResetTokenInvalid):
    """The token's 30 minutes are over (400 `reset_token_expired`)."""

    problem_code = "reset_token_expired"


#: The account document's field holding the person's 32-byte key (crypto-shredding,
#: issue 13): set in the write that makes the account, None from the erasure on.
PERSON_KEY = "person_key"
#: Set on accounts made since contacts were sealed (issue 13): none of their identity events
#: ever carried a contact in clear. Accounts made before lack it.
SEALED_FROM_START = "sealed_from_start"


def sealed_contact(key: bytes, account: Document) -> SealedContact:
    """The account's email, full name and phone sealed under its person key
    (`shared.crypto.seal`), as identity events carry them."""
    contact = Contact(
        email=account["email"], full_name=account["full_name"], phone=account.get("phone")
    )
    return crypto.seal(key, account["_id"], contact)


class SessionsEnded(Protocol):
    """Told when a user's token version rises (`services.gateway.revocation`)."""

    async def revoked(self, user_id: str, version: int) -> None: ...


class AccountChanges:
    """What changes an account after registration; the attributes are `Identity`'s."""

    store: UserStore
    outbox: OutboxRelay
    access: auth.AccessTokens
    sessions: SessionsEnded | None

    async def _sessions_ended(self, user_id: str, token_version: int) -> None:
        """Every access token of the user issued before ends: here at once, on the other
        gateway copies within a second."""
        if self.sessions is not None:
            await self.sessions.revoked(user_id, token_version)
        else:
            self.access.versions.raise_to(user_id, token_version)

    async def warn_if_no_admin(self) -> bool:
        """Log plainly, at start, that no active admin exists and how to make one; True
        when one exists."""
        if await self.store.active_admins():
            return True
        log.warning(
            "gateway.no_admin",
            detail="no active admin account: run `python -m services.gateway create-admin` "
            "or set INNOHUB_ADMIN_EMAIL and INNOHUB_ADMIN_PASSWORD",
        )
        return False

    async def _change(
        self,
        doc: Document,
        changes: Document,
        *,
        end_sessions: bool = False,
        correlation_id: str | None = None,
    ) -> Document:
        """Apply `changes` to the account under its version and publish `user.updated`
        carrying the version after the change; `end_sessions` ends every access token.
        Raises `Conflict` when the account changed meanwhile."""
        merged = {**doc, **changes}
        if "full_name" in changes:
            changes = {**changes, "search": domain.search_key(merged["full_name"], doc["email"])}
        key = doc.get(PERSON_KEY)
        if not key:
            # An account older than issue 13 gets its key with its first change.
            key = crypto.new_key()
            changes = {**changes, PERSON_KEY: key}
        event = UserUpdatedV1(
            user_id=doc["_id"],
            sealed=sealed_contact(key, merged),
            role=Role(merged["role"]),
            organization=merged.get("organization"),
            locale=Locale(merged.get("locale", "vi")),
            version=int(doc.get("version", 1)) + 1,
        )
        envelope = Envelope.wrap(event, aggregate_id=doc["_id"], correlation_id=correlation_id)
        updated = await self.store.update(
            doc["_id"], doc["version"], changes, [envelope], end_sessions=end_sessions
        )
        if updated is None:
            raise Conflict("detail.account_changed")
        if end_sessions:
            await self._sessions_ended(doc["_id"], updated["token_version"])
        await self.outbox.flush(USERS, doc["_id"])
        return updated

    # --- administration ------------------------------------------------------------------

    async def find_users(
        self, *, q: str | None, role: Role | None, skip: int, limit: int
    ) -> tuple[list[Document], int]:
        """Accounts whose name or email contains `q`, tones folded (`le duc` finds
        `Lê Đức`), of `role` if given; erased accounts are left out."""
        return await self.store.search(
            folded=domain.fold(q) if q else None,
            role=role.value if role else None,
            skip=skip,
            limit=limit,
        )

    async def administer(
        self,
        actor: Actor,
        user_id: str,
        *,
        role: Role | None = None,
        organization: str | None = None,
        disabled: bool | None = None,
        correlation_id: str | None = None,
    ) -> Document:
        """An admin changes an account's role, organization or disabled flag; the
        account's access tokens end at once (and its refresh tokens when disabled).
        Raises `NotFound`, `LastAdmin` (the last active admin demoting or disabling
        themself), `Conflict` on a concurrent change."""
        doc = await self.store.by_id(user_id)
        if doc is None or doc.get("deleted_at"):
            raise NotFound("detail.account_not_found")
        if domain.leaves_no_admin(
            actor_id=actor.id,
            target_id=user_id,
            target_role=doc["role"],
            new_role=role.value if role else None,
            disabling=bool(disabled) and not doc.get("disabled"),
            active_admins=await self.store.active_admins(),
        ):
            raise LastAdmin("detail.last_admin")
        changes: Document = {}
        if role is not None and role.value != doc["role"]:
            changes["role"] = role.value
        if organization is not None and organization != doc.get("organization"):
            changes["organization"] = organization
        if disabled is not None and disabled != bool(doc.get("disabled")):
            changes["disabled"] = disabled
        if not changes:
            return doc
        updated = await self._change(doc, changes, end_sessions=True, correlation_id=correlation_id)
        if changes.get("disabled"):
            await self.store.revoke_user(user_id, datetime.now(UTC), "disabled")
        log.info("user.administered", user_id=user_id, by=actor.id, fields=sorted(changes))
        return updated

    async def organization_of(self, user_id: str) -> str | None:
        """The organization code of account `user_id`; `None` when it has none or there is
        no such account."""
        doc = await self.store.by_id(user_id)
        return None if doc is None else doc.get("organization")

    async def backfill_search(self) -> int:
        """Fill the search field of accounts made before it existed; how many."""
        missing = await self.store.without_search()
        for doc in missing:
            await self.store.set_search(
                doc["_id"], domain.search_key(doc["full_name"], doc["email"])
            )
        return len(missing)

    # --- password reset ------------------------------------------------------------------

    async def request_password_reset(
        self, email: str, *, correlation_id: str | None = None
    ) -> bool:
        """Email a single-use reset link valid `RESET_LIFETIME` to the account, if there is
        an active one with that address; the caller answers the same either way. Only the
        token's hash is stored. True when a link was sent."""
        doc = await self.store.by_email(domain.normalise_email(email))
        if doc is None or doc.get("deleted_at") or doc.get("disabled"):
            return False
        now = datetime.now(UTC)
        token = secrets.token_urlsafe(32)
        expires_at = now + domain.RESET_LIFETIME
        await self.store.add_reset(
            {
                "_id": auth.refresh_token_hash(token),
                "user_id": doc["_id"],
                "created_at": now,
                "expires_at": expires_at,
                "used_at": None,
                "purge_at": expires_at + timedelta(days=1),
            }
        )
        event = PasswordResetRequestedV1(user_id=doc["_id"], token=token, expires_at=expires_at)
        envelope = Envelope.wrap(event, aggregate_id=doc["_id"], correlation_id=correlation_id)
        changes = {"password_reset_requested_at": now}
        if await self.store.update(doc["_id"], doc["version"], changes, [envelope]) is None:
            raise Conflict("detail.account_changed")
        await self.outbox.flush(USERS, doc["_id"])
        log.info("user.password_reset_requested", user_id=doc["_id"])
        return True

    async def reset_password(self, token: str, password: str) -> None:
        """Set a new password with an emailed token: once, within 30 minutes. Every
        session of the account ends. Raises `ResetTokenInvalid`, `ResetTokenUsed`,
        `ResetTokenExpired`, or `Invalid` for a password that breaks the rules."""
        domain.check_password(password)
        token_hash = auth.refresh_token_hash(token)
        found = await self.store.reset_by_hash(token_hash)
        now = datetime.now(UTC)
        if found is None:
            raise ResetTokenInvalid("detail.reset_token_invalid", field="token")
        if found.get("used_at") is not None:
            raise ResetTokenUsed("detail.reset_token_used", field="token")
        expires_at = found["expires_at"]
        if expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=UTC)
        if expires_at <= now:
            raise ResetTokenExpired("detail.reset_token_expired", field="token")
        doc = await self.store.by_id(found["user_id"])
        if doc is None or doc.get("deleted_at") or doc.get("disabled"):
            raise ResetTokenInvalid("detail.reset_token_invalid", field="token")
        if not await self.store.use_reset(token_hash, now):
            raise ResetTokenUsed("detail.reset_token_used", field="token")
        changes = {"password_hash": await auth.hash_password(password)}
        updated = await self.store.update(
            doc["_id"], doc["version"], changes, [], end_sessions=True
        )
        if updated is None:
            raise Conflict("detail.account_changed")
        await self.store.revoke_user(doc["_id"], now, "password_reset")
        await self._sessions_ended(doc["_id"], updated["token_version"])
        log.info("user.password_reset", user_id=doc["_id"])
