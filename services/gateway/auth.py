"""Passwords (Argon2id), access tokens (JWT, PyJWT) and opaque refresh tokens."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shared.contracts.base import Actor, Role, new_id
from shared.infra.logging import get_logger
from shared.infra.settings import Settings

log = get_logger(__name__)

ALGORITHM = "HS256"
#: Verified access tokens one gateway copy remembers (a few hundred bytes each); when full,
#: it forgets them all and verifies again.
VERIFIED_TOKENS = 4096
_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters
# Verified against when the email is unknown, so a miss costs as much as a hit.
_DUMMY_HASH = _hasher.hash("innohub-no-such-user")


async def hash_password(password: str) -> str:
    # Argon2 is deliberately slow: run it in a thread so the event loop keeps serving.
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def verify() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


def signing_key(settings: Settings) -> str:
    """From the environment; in local runs a generated key kept under the data dir."""
    if settings.jwt_secret:
        return settings.jwt_secret
    path = Path(settings.data_dir) / "jwt-signing-key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    log.warning(
        "auth.generated_signing_key",
        path=str(path),
        detail="INNOHUB_JWT_SECRET is not set; set it in any real deployment",
    )
    return key


def _successor_key(refresh_token: str) -> bytes:
    """The key of a rotation's successor, derived from the refresh token it replaced (only
    its holder has it; the store keeps the token's SHA-256, from which this cannot be had)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"innohub refresh successor"
    ).derive(refresh_token.encode())


def seal_successor(refresh_token: str, tokens: Tokens) -> str:
    """`tokens`, issued when `refresh_token` was rotated, encrypted (AES-256-GCM) under a
    key derived from `refresh_token`: base64 of nonce + ciphertext, for the store."""
    nonce = secrets.token_bytes(12)
    plain = json.dumps(dataclasses.asdict(tokens)).encode()
    sealed = AESGCM(_successor_key(refresh_token)).encrypt(nonce, plain, None)
    return base64.b64encode(nonce + sealed).decode()


def open_successor(refresh_token: str, blob: str) -> Tokens:
    """The tokens `seal_successor` sealed for `refresh_token`. Raises `TokenError` when
    the blob was sealed for another token or was altered."""
    try:
        raw = base64.b64decode(blob)
        plain = AESGCM(_successor_key(refresh_token)).decrypt(raw[:12], raw[12:], None)
        return Tokens(**json.loads(plain))
    except (InvalidTag, ValueError, TypeError) as exc:
        raise TokenError("successor does not open") from exc


class TokenError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int


class TokenVersions:
    """Per user, the lowest token version (`tv` claim) still accepted, in process memory.

    Logout, a password change or reset, a role change, disabling and a deletion request
    raise a user's version in the store (DESIGN §6); every gateway copy learns it by a
    broadcast and a periodic read of the store (`services.gateway.revocation`), so an
    access token issued before ends on every copy within a second. A user absent from
    the map has version 0. The check is one dict lookup per request.
    """

    def __init__(self) -> None:
        self.lowest: dict[str, int] = {}

    def raise_to(self, user_id: str, version: int) -> bool:
        """Accept only tokens of `version` or later for `user_id`; True if that is news."""
        if version > self.lowest.get(user_id, 0):
            self.lowest[user_id] = version
            return True
        return False

    def accepts(self, user_id: str, version: int) -> bool:
        """Whether a token carrying `version` is still valid for `user_id`."""
        return version >= self.lowest.get(user_id, 0)


class AccessTokens:
    """Issues and verifies access tokens (HS256 JWT). `verify` also refuses a token whose
    `tv` claim is below the user's current token version (`TokenVersions`): both the
    bearer header and the web session cookie go through it."""

    def __init__(
        self,
        key: str,
        issuer: str,
        lifetime: timedelta,
        versions: TokenVersions | None = None,
    ) -> None:
        self.key = key
        self.issuer = issuer
        self.lifetime = lifetime
        self.versions = versions or TokenVersions()
        # token → (actor, token version, expiry): see `verify`.
        self._verified: dict[str, tuple[Actor, int, float]] = {}

    def issue(self, actor: Actor, *, now: datetime | None = None, token_version: int = 0) -> str:
        """A signed token for `actor`, valid `lifetime`, carrying the user's token version."""
        issued = now or datetime.now(UTC)
        claims = {
            "tv": token_version,
            "sub": actor.id,
            "role": actor.role.value,
            "org": actor.organization,
            "iss": self.issuer,
            "iat": issued,
            "exp": issued + self.lifetime,
            "jti": new_id(),
        }
        return jwt.encode(claims, self.key, algorithm=ALGORITHM)

    def verify(self, token: str) -> Actor:
        """The actor of a valid token. Raises `TokenError` with `token_expired`,
        `token_revoked` (the user's sessions were ended since it was issued) or
        `invalid_token`.

        A token whose signature and claims checked out is remembered (at most
        `VERIFIED_TOKENS`), so a client's next requests skip the HMAC and JSON work, a
        tenth of a signed-in read's time (issue 19's profile); its expiry and the user's
        token version are still checked on every request."""
        known = self._verified.get(token)
        if known is None:
            known = self._decode(token)
            if len(self._verified) >= VERIFIED_TOKENS:
                self._verified.clear()
            self._verified[token] = known
        actor, version, expires = known
        if expires <= time.time():
            self._verified.pop(token, None)
            raise TokenError("token_expired")
        if not self.versions.accepts(actor.id, version):
            raise TokenError("token_revoked")
        return actor

    def _decode(self, token: str) -> tuple[Actor, int, float]:
        """(actor, token version, expiry as a POSIX time) of a token whose signature,
        issuer and claims are valid; raises `TokenError` otherwise."""
        try:
            claims = jwt.decode(
                token,
                self.key,
                algorithms=[ALGORITHM],
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenError("token_expired") from None
        except jwt.PyJWTError:
            raise TokenError("invalid_token") from None
        try:
            actor = Actor(
                id=claims["sub"], role=Role(claims["role"]), organization=claims.get("org")
            )
            version = int(claims.get("tv", 0))
            expires = float(claims["exp"])
        except (KeyError, ValueError, TypeError):
            raise TokenError("invalid_token") from None
        return actor, version, expires


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def refresh_token_hash(token: str) -> str:
    """Stored instead of the token, so a read of the database cannot sign anyone in."""
    return hashlib.sha256(token.encode()).hexdigest()
