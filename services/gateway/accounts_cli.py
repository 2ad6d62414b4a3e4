"""`create-admin`: the first admin from the command line, for when `INNOHUB_ADMIN_EMAIL`
and `INNOHUB_ADMIN_PASSWORD` were not set (issue 17). Needs only the database: the
account's `user.registered` event waits in its outbox until a gateway's sweep publishes it.
"""

from __future__ import annotations

from datetime import timedelta

from services.gateway import auth, domain
from services.gateway.repository import INDEXES, USERS, UserStore
from services.gateway.service import Identity
from shared.contracts.base import DomainError, Role
from shared.i18n import gettext
from shared.infra.broker import make_broker
from shared.infra.mongo import close_mongo_client, ensure_indexes, make_mongo_client
from shared.infra.outbox import OutboxRelay
from shared.infra.settings import Settings


class DeferredOutbox(OutboxRelay):
    """Publishes nothing now: a running gateway's outbox sweep sends what is pending."""

    async def flush(self, collection: str, doc_id: str) -> int:
        """Leave `doc_id`'s events in its outbox; 0 published."""
        return 0


async def ensure_admin_account(settings: Settings, email: str, password: str) -> tuple[bool, str]:
    """Make an admin with `email` unless one exists. (True, what happened) when an admin
    with that email now exists; (False, why not) otherwise. Messages in vi / en."""
    client = make_mongo_client(settings)
    try:
        db = client[settings.database_name("gateway")]
        await ensure_indexes(db, {USERS: [*INDEXES[USERS], *OutboxRelay.indexes()]})
        store = UserStore(db)
        existing = await store.by_email(domain.normalise_email(email))
        if existing is not None and existing.get("deleted_at") is None:
            if existing["role"] == Role.ADMIN.value:
                return True, f"Đã có quản trị viên / admin already exists: {existing['email']}"
            return False, (
                f"{existing['email']} là tài khoản vai trò «{existing['role']}» / belongs to a "
                f"{existing['role']} account: đổi vai trò qua / change its role with "
                "PATCH /api/v1/admin/users/{id}"
            )
        identity = Identity(
            store,
            DeferredOutbox(db, make_broker(settings), (USERS,)),
            auth.AccessTokens("unused-no-tokens-are-issued-here", settings.jwt_issuer, timedelta()),
            timedelta(days=settings.refresh_token_days),
        )
        try:
            created = await identity.ensure_admin(email, password)
        except DomainError as error:
            details = {k: v for k, v in error.details.items() if k != "field"}
            return False, (
                f"{gettext(error.message, 'vi', **details)} / "
                f"{gettext(error.message, 'en', **details)}"
            )
        if not created:
            return True, f"Đã có tài khoản / account exists: {email}"
        return True, f"Đã tạo quản trị viên / admin created: {domain.normalise_email(email)}"
    finally:
        await close_mongo_client(client)
