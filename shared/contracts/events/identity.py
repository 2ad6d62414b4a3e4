"""Events the gateway publishes about accounts (stream IDENTITY)."""

from __future__ import annotations

from datetime import datetime

from shared.contracts.base import Event, Locale, Role
from shared.text import Line


class UserRegisteredV1(Event):
    subject = "identity.user.registered.v1"

    user_id: str
    email: str
    full_name: Line
    role: Role
    organization: str | None = None
    phone: str | None = None
    locale: Locale = Locale.VI
    # The account's version after this change (1 at registration). Consumers keep the
    # highest they have seen and ignore an older redelivery; after a deletion request
    # nothing recreates the person (each service keeps a tombstone). None from old events.
    version: int | None = None


class UserUpdatedV1(Event):
    """Contact details or locale changed; consumers refresh their read models."""

    subject = "identity.user.updated.v1"

    user_id: str
    email: str
    full_name: Line
    role: Role
    organization: str | None = None
    phone: str | None = None
    locale: Locale = Locale.VI
    # The account's version after this change (1 at registration). Consumers keep the
    # highest they have seen and ignore an older redelivery; after a deletion request
    # nothing recreates the person (each service keeps a tombstone). None from old events.
    version: int | None = None


class UserDeletionRequestedV1(Event):
    """The user asked for their personal data to be erased (PDPL 91/2025)."""

    subject = "identity.user.deletion_requested.v1"

    user_id: str
    request_id: str
    requested_at: datetime


class PasswordResetRequestedV1(Event):
    """Someone asked to reset this account's password. Notifications email the link with
    `token` to the account's address (never into the inbox). The token is single use and
    ends at `expires_at` (30 minutes); the gateway keeps only its hash. It stays in the
    IDENTITY stream until retention, useless by then."""

    subject = "identity.user.password_reset_requested.v1"

    user_id: str
    token: str
    expires_at: datetime
