"""Events the gateway publishes about accounts (stream IDENTITY)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.contracts.base import Event, Locale, Role
from shared.text import Line

#: Base64 text of bounded length (a sealed contact is a few hundred bytes).
_Base64 = Annotated[
    str, StringConstraints(min_length=4, max_length=4096, pattern=r"^[A-Za-z0-9+/]+={0,2}$")
]


class Contact(BaseModel):
    """A person's contact details, the personal part of an identity event: what a sealed
    contact holds once opened. `email` is stored lower-case, `phone` E.164."""

    model_config = ConfigDict(frozen=True)

    email: str = Field(max_length=254)
    full_name: Line = Field(max_length=200)
    phone: str | None = Field(None, max_length=20)


class SealedContact(BaseModel):
    """`Contact` as JSON encrypted with AES-256-GCM under the person's own key, the user id
    as associated data (`shared.crypto`). The gateway destroys the key when the person asks
    for erasure, so every copy of the event (stream, dead letters, backups) is then noise
    (crypto-shredding, issue 13). `key_id` names the key (not secret)."""

    model_config = ConfigDict(frozen=True)

    key_id: str = Field(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")
    nonce: _Base64
    ciphertext: _Base64


class UserRegisteredV1(Event):
    """An account was made. New events carry the contact only `sealed`; `email`,
    `full_name` and `phone` in clear are read from events published before issue 13.
    Role, organization, locale and version stay in clear: they are not contact data and
    consumers need them even once the person is erased (counts, tombstones)."""

    subject = "identity.user.registered.v1"

    user_id: str
    email: str | None = None
    full_name: Line | None = None
    sealed: SealedContact | None = None
    role: Role
    organization: str | None = None
    phone: str | None = None
    locale: Locale = Locale.VI
    # The account's version after this change (1 at registration). Consumers keep the
    # highest they have seen and ignore an older redelivery; after a deletion request
    # nothing recreates the person (each service keeps a tombstone). None from old events.
    version: int | None = None


class UserUpdatedV1(Event):
    """Contact details, role or locale changed; consumers refresh their read models.
    The contact travels `sealed` as in `UserRegisteredV1` (clear fields only in old events)."""

    subject = "identity.user.updated.v1"

    user_id: str
    email: str | None = None
    full_name: Line | None = None
    sealed: SealedContact | None = None
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
