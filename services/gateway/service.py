"""Identity use cases: register, sign in, rotate and revoke tokens, the user's own data."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from services.gateway import auth, domain
from services.gateway.repository import USERS, EmailTaken, UserStore
from shared.contracts.base import (
    Actor,
    Conflict,
    Envelope,
    Forbidden,
    Invalid,
    Locale,
    NotFound,
    Role,
    new_id,
)
from shared.contracts.events.identity import (
    PasswordResetRequestedV1,
    UserDeletionRequestedV1,
    UserRegisteredV1,
    UserUpdatedV1,
)
from shared.infra.logging import get_logger
from shared.infra.mongo import Document, OutboxRelay

log = get_logger(__name__)
HCMC = ZoneInfo("Asia/Ho_Chi_Minh")


class EmailAlreadyRegistered(Conflict):
    problem_code = "email_taken"


class LastAdmin(Conflict):
    problem_code = "last_admin"


class ResetTokenInvalid(Invalid):
    """A password-reset token that is unknown, already used or expired (`problem_code`
    says which)."""

    problem_code = "reset_token_invalid"


class ResetTokenUsed(ResetTokenInvalid):
    problem_code = "reset_token_used"


class ResetTokenExpired(ResetTokenInvalid):
    problem_code = "reset_token_expired"


class SessionsEnded(Protocol):
    """Told when a user's token version rises (`services.gateway.revocation`)."""

    async def revoked(self, user_id: str, version: int) -> None: ...


class AuthFailure(Exception):
    """Sign-in failed; `code` is a problem code (`invalid_credentials`, `refresh_reused`…)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class NewAccount:
    email: str
    password: str
    full_name: str
    role: Role = Role.FOUNDER
    organization: str | None = None
    phone: str | None = None
    locale: Locale = Locale.VI
    consent_notice_version: str | None = None


def public_user(doc: Document) -> dict[str, Any]:
    """The account as its owner (and staff) may see it: no hash, no outbox."""
    return {
        "id": doc["_id"],
        "email": doc["email"],
        "full_name": doc["full_name"],
        "role": doc["role"],
        "organization": doc.get("organization"),
        "phone": doc.get("phone"),
        "locale": doc.get("locale", "vi"),
        "created_at": doc["created_at"],
        "consent": doc.get("consent"),
        "version": doc.get("version", 1),
        "disabled": bool(doc.get("disabled", False)),
    }


def actor_of(doc: Document) -> Actor:
    return Actor(id=doc["_id"], role=Role(doc["role"]), organization=doc.get("organization"))


class Identity:
    def __init__(
        self,
        store: UserStore,
        outbox: OutboxRelay,
        access: auth.AccessTokens,
        refresh_lifetime: timedelta,
        sessions: SessionsEnded | None = None,
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.access = access
        self.refresh_lifetime = refresh_lifetime
        self.sessions = sessions

    async def _sessions_ended(self, user_id: str, token_version: int) -> None:
        """Every access token of the user issued before ends: here at once, on the other
        gateway copies within a second."""
        if self.sessions is not None:
            await self.sessions.revoked(user_id, token_version)
        else:
            self.access.versions.raise_to(user_id, token_version)

    async def register(self, account: NewAccount, *, correlation_id: str | None = None) -> Document:
        domain.check_password(account.password)
        email = domain.normalise_email(account.email)
        phone = domain.normalise_phone(account.phone) if account.phone else None
        now = datetime.now(UTC)
        user_id = new_id()
        user: Document = {
            "_id": user_id,
            "email": email,
            "full_name": domain.clean_text(account.full_name),
            "role": account.role.value,
            "organization": account.organization,
            "phone": phone,
            "locale": account.locale.value,
            "password_hash": await auth.hash_password(account.password),
            "created_at": now,
            "version": 1,
            "token_version": 0,
            "search": domain.search_key(domain.clean_text(account.full_name), email),
        }
        if account.consent_notice_version:
            user["consent"] = {
                "privacy_notice_version": account.consent_notice_version,
                "accepted_at": now,
            }
        event = UserRegisteredV1(
            user_id=user_id,
            email=email,
            full_name=user["full_name"],
            role=account.role,
            organization=account.organization,
            phone=phone,
            locale=account.locale,
            version=1,
        )
        envelope = Envelope.wrap(event, aggregate_id=user_id, correlation_id=correlation_id)
        try:
            await self.store.insert(user, [envelope])
        except EmailTaken:
            raise EmailAlreadyRegistered("detail.email_taken", field="email") from None
        await self.outbox.flush(USERS, user_id)
        log.info("user.registered", user_id=user_id, role=account.role.value)
        return user

    async def ensure_admin(self, email: str, password: str) -> bool:
        """The first admin, from the environment: created once, never overwritten."""
        if await self.store.by_email(domain.normalise_email(email)):
            return False
        await self.register(
            NewAccount(
                email=email,
                password=password,
                full_name="Quản trị hệ thống",
                role=Role.ADMIN,
                organization="economic_division",
            )
        )
        return True

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

    async def login(self, email: str, password: str) -> auth.Tokens:
        doc = await self.store.by_email(domain.normalise_email(email))
        ok = await auth.verify_password(doc["password_hash"] if doc else None, password)
        if doc is None or not ok or doc.get("deleted_at"):
            raise AuthFailure("invalid_credentials")
        if doc.get("disabled"):
            raise AuthFailure("account_disabled")
        return await self._issue(doc, family_id=new_id())

    async def _issue(self, doc: Document, *, family_id: str) -> auth.Tokens:
        now = datetime.now(UTC)
        refresh = auth.new_refresh_token()
        await self.store.add_refresh(
            {
                "_id": auth.refresh_token_hash(refresh),
                "user_id": doc["_id"],
                "family_id": family_id,
                "issued_at": now,
                "expires_at": now + self.refresh_lifetime,
                "rotated_at": None,
                "revoked_at": None,
            }
        )
        return auth.Tokens(
            access_token=self.access.issue(
                actor_of(doc), now=now, token_version=int(doc.get("token_version", 0))
            ),
            refresh_token=refresh,
            expires_in=int(self.access.lifetime.total_seconds()),
        )

    async def refresh(self, refresh_token: str) -> auth.Tokens:
        token_hash = auth.refresh_token_hash(refresh_token)
        token = await self.store.refresh_by_hash(token_hash)
        now = datetime.now(UTC)
        if token is None or token.get("revoked_at") is not None:
            raise AuthFailure("invalid_token")
        expires_at = token["expires_at"]
        if expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=UTC)
        if expires_at <= now:
            raise AuthFailure("token_expired")
        if token.get("rotated_at") is not None or not await self.store.rotate_refresh(
            token_hash, now
        ):
            # A rotated token presented again: someone holds a copy. End the whole family.
            revoked = await self.store.revoke_family(token["family_id"], now, "reuse_detected")
            log.warning("auth.refresh_reused", user_id=token["user_id"], revoked=revoked)
            raise AuthFailure("refresh_reused")
        doc = await self.store.by_id(token["user_id"])
        if doc is None or doc.get("deleted_at"):
            raise AuthFailure("invalid_token")
        if doc.get("disabled"):
            raise AuthFailure("account_disabled")
        return await self._issue(doc, family_id=token["family_id"])

    async def logout(self, actor: Actor, refresh_token: str | None) -> None:
        now = datetime.now(UTC)
        if refresh_token:
            token = await self.store.refresh_by_hash(auth.refresh_token_hash(refresh_token))
            if token is None or token["user_id"] != actor.id:
                raise AuthFailure("invalid_token")
            await self.store.revoke_family(token["family_id"], now, "logout")
        else:
            await self.store.revoke_user(actor.id, now, "logout")
        # The access token ends too; the user's other devices refresh (their refresh
        # tokens stay valid unless no family was named).
        await self._sessions_ended(actor.id, await self.store.end_sessions(actor.id))

    async def me(self, actor: Actor) -> Document:
        doc = await self.store.by_id(actor.id)
        if doc is None:
            raise NotFound("detail.account_not_found")
        return doc

    async def change_password(self, actor: Actor, current: str, new: str) -> None:
        doc = await self.me(actor)
        if not await auth.verify_password(doc["password_hash"], current):
            raise Forbidden("detail.wrong_current_password", field="current_password")
        domain.check_password(new)
        changes = {"password_hash": await auth.hash_password(new)}
        updated = await self.store.update(
            doc["_id"], doc["version"], changes, [], end_sessions=True
        )
        if updated is None:
            raise Conflict("detail.account_changed")
        # Every session ends with the old password, this one too: sign in again.
        await self.store.revoke_user(doc["_id"], datetime.now(UTC), "password_changed")
        await self._sessions_ended(doc["_id"], updated["token_version"])

    async def request_deletion(
        self, actor: Actor, *, correlation_id: str | None = None
    ) -> Document:
        """File the request, erase the account's personal data, and tell every service.

        The anonymised account, the request record and the event are one document write,
        so the request cannot be acknowledged and then lost.
        """
        doc = await self.me(actor)
        if doc.get("deletion"):
            deletion: Document = doc["deletion"]
            return deletion
        now = datetime.now(UTC)
        request_id = new_id()
        deletion = {
            "request_id": request_id,
            "requested_at": now,
            "due_by": domain.add_working_days(now.astimezone(HCMC).date(), 2).isoformat(),
            "status": "carried_out_by_gateway",
        }
        event = UserDeletionRequestedV1(user_id=doc["_id"], request_id=request_id, requested_at=now)
        envelope = Envelope.wrap(event, aggregate_id=doc["_id"], correlation_id=correlation_id)
        changes = {
            **domain.anonymised(doc["_id"]),
            "search": "",
            "deleted_at": now,
            "deletion": deletion,
        }
        updated = await self.store.update(
            doc["_id"], doc["version"], changes, [envelope], end_sessions=True
        )
        if updated is None:
            raise Conflict("detail.account_changed")
        await self.store.revoke_user(doc["_id"], now, "deletion_requested")
        await self._sessions_ended(doc["_id"], updated["token_version"])
        await self.outbox.flush(USERS, doc["_id"])
        log.info("user.deletion_requested", user_id=doc["_id"], request_id=request_id)
        return deletion

    async def personal_data(self, actor: Actor) -> dict[str, Any]:
        """What the gateway holds about the user: the account and its sign-in sessions."""
        doc = await self.me(actor)
        sessions = await self.store.tokens_of(doc["_id"])
        return {
            "account": public_user(doc),
            "sessions": [
                {k: v for k, v in token.items() if k in ("issued_at", "expires_at", "revoked_at")}
                for token in sessions
            ],
            "deletion": doc.get("deletion"),
        }

    async def deletion_requests(self, *, skip: int, limit: int) -> tuple[list[Document], int]:
        return await self.store.deletion_requests(skip=skip, limit=limit)

    async def update_profile(
        self,
        actor: Actor,
        *,
        locale: Locale | None = None,
        full_name: str | None = None,
        phone: str | None = None,
        correlation_id: str | None = None,
    ) -> Document:
        doc = await self.me(actor)
        changes: Document = {}
        if locale is not None:
            changes["locale"] = locale.value
        if full_name is not None:
            changes["full_name"] = domain.clean_text(full_name)
        if phone is not None:
            changes["phone"] = domain.normalise_phone(phone) if phone else None
        if not changes:
            return doc
        return await self._change(doc, changes, correlation_id=correlation_id)

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
        event = UserUpdatedV1(
            user_id=doc["_id"],
            email=merged["email"],
            full_name=merged["full_name"],
            role=Role(merged["role"]),
            organization=merged.get("organization"),
            phone=merged.get("phone"),
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
