"""Identity use cases: register, sign in, rotate and revoke tokens, the user's own data."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from services.gateway import auth, domain
from services.gateway.accounts import (
    PERSON_KEY,
    SEALED_FROM_START,
    AccountChanges,
    SessionsEnded,
    sealed_contact,
)
from services.gateway.repository import USERS, EmailTaken, UserStore
from shared import crypto
from shared.contracts.base import (
    Actor,
    Conflict,
    Envelope,
    Forbidden,
    Locale,
    NotFound,
    Role,
    new_id,
)
from shared.contracts.events.identity import (
    UserDeletionRequestedV1,
    UserRegisteredV1,
)
from shared.contracts.rpc.identity import GetPersonKey, PersonKey
from shared.infra.logging import get_logger
from shared.infra.mongo import Document
from shared.infra.outbox import OutboxRelay
from shared.localtime import utc

log = get_logger(__name__)
HCMC = ZoneInfo("Asia/Ho_Chi_Minh")


#: How long a copy waits for another copy's rotation of the same refresh token to be kept.
SUCCESSOR_WAIT = 3.0


class EmailAlreadyRegistered(Conflict):
    problem_code = "email_taken"


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


def person_keys(store: UserStore) -> Callable[[GetPersonKey], Awaitable[PersonKey]]:
    """The use case of `rpc.gateway.person_key.get` over `store`."""

    async def person_key(request: GetPersonKey) -> PersonKey:
        """The key opening the person's sealed contacts while the account lives; `erased`
        once they asked for erasure (the key is gone); `unknown` for no such account or one
        without a key yet (older accounts get theirs on their next change; their older
        events are in clear). Never logs the key."""
        doc = await store.key_of(request.user_id)
        if doc is not None and doc.get("deleted_at"):
            return PersonKey(user_id=request.user_id, state="erased")
        key = doc.get(PERSON_KEY) if doc else None
        if not key:
            return PersonKey(user_id=request.user_id, state="unknown")
        return PersonKey(user_id=request.user_id, state="active", key=crypto.encode_key(key))

    return person_key


class Identity(AccountChanges):
    """Identity use cases: register, sign in, rotate and revoke tokens, the user's own
    data; administration and password reset come from `AccountChanges`."""

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

    async def register(self, account: NewAccount, *, correlation_id: str | None = None) -> Document:
        domain.check_password(account.password)
        email = domain.normalise_email(account.email)
        phone = domain.normalise_phone(account.phone) if account.phone else None
        now = datetime.now(UTC)
        user_id = new_id()
        key = crypto.new_key()
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
            # The person's own key, in the same write as the account (issue 13).
            PERSON_KEY: key,
            # Every identity event of this account is sealed: an erasure has no clear
            # contact of theirs to delete from the streams (`services.gateway.erasure`).
            SEALED_FROM_START: True,
        }
        if account.consent_notice_version:
            user["consent"] = {
                "privacy_notice_version": account.consent_notice_version,
                "accepted_at": now,
            }
        event = UserRegisteredV1(
            user_id=user_id,
            sealed=sealed_contact(key, user),
            role=account.role,
            organization=account.organization,
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

    async def refresh(self, refresh_token: str, *, grace: timedelta = timedelta(0)) -> auth.Tokens:
        """New tokens for `refresh_token`, which is rotated (used once). Presented again
        within `grace` of its rotation (a web page whose parallel requests reached different
        gateway copies), it answers the same new tokens, kept sealed under a key only its
        holder can derive; later, or with no grace (the API), a reuse ends the whole family
        (`refresh_reused`). Raises `AuthFailure` (`invalid_token`, `token_expired`,
        `refresh_reused`, `account_disabled`)."""
        token_hash = auth.refresh_token_hash(refresh_token)
        token = await self.store.refresh_by_hash(token_hash)
        now = datetime.now(UTC)
        if token is None or token.get("revoked_at") is not None:
            raise AuthFailure("invalid_token")
        if utc(token["expires_at"]) <= now:
            raise AuthFailure("token_expired")
        if token.get("rotated_at") is None and await self.store.rotate_refresh(token_hash, now):
            doc = await self._active(token["user_id"])
            tokens = await self._issue(doc, family_id=token["family_id"])
            if grace:
                await self.store.keep_successor(
                    token_hash, auth.seal_successor(refresh_token, tokens)
                )
            return tokens
        kept = await self._successor(token_hash, now, grace) if grace else None
        if kept is not None:
            await self._active(token["user_id"])
            return auth.open_successor(refresh_token, kept)
        # A rotated token presented again: someone holds a copy. End the whole family.
        revoked = await self.store.revoke_family(token["family_id"], now, "reuse_detected")
        log.warning("auth.refresh_reused", user_id=token["user_id"], revoked=revoked)
        raise AuthFailure("refresh_reused")

    async def _successor(self, token_hash: str, now: datetime, grace: timedelta) -> str | None:
        """The sealed successor of a token rotated less than `grace` ago, waiting up to
        `SUCCESSOR_WAIT` for the rotating copy to keep it; None otherwise."""
        deadline = time.monotonic() + SUCCESSOR_WAIT
        while True:
            token = await self.store.refresh_by_hash(token_hash)
            rotated = token.get("rotated_at") if token else None
            if token is None or rotated is None or now - utc(rotated) > grace:
                return None
            if token.get("successor"):
                return str(token["successor"])
            if time.monotonic() > deadline:
                return None
            await asyncio.sleep(0.05)  # the other copy is issuing; poll its write

    async def _active(self, user_id: str) -> Document:
        """The account, if it may still hold a session. Raises `AuthFailure`."""
        doc = await self.store.by_id(user_id)
        if doc is None or doc.get("deleted_at"):
            raise AuthFailure("invalid_token")
        if doc.get("disabled"):
            raise AuthFailure("account_disabled")
        return doc

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

    async def profile(self, actor: Actor) -> Document:
        """The account for showing it (`GET /me`, the page's language): from this copy's
        memory for up to a second (`UserStore.profile`), never for credentials. Raises
        `NotFound`."""
        doc = await self.store.profile(actor.id)
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

        The anonymised account, the destroyed person key (crypto-shredding: every sealed
        copy of the person's contact, in the streams too, can no longer be opened), the
        request record and the event are one document write, so the request cannot be
        acknowledged and then lost. Replayable responses, rate-limit counters and
        password-reset tokens of the account go too (`UserStore.forget_traces`).
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
            PERSON_KEY: None,
            "password_reset_requested_at": None,
        }
        updated = await self.store.update(
            doc["_id"], doc["version"], changes, [envelope], end_sessions=True
        )
        if updated is None:
            raise Conflict("detail.account_changed")
        await self.store.revoke_user(doc["_id"], now, "deletion_requested")
        await self.store.forget_traces(doc["_id"], doc["email"], doc["full_name"])
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
