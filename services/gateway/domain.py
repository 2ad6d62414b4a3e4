"""Identity rules: pure functions, no I/O."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

from shared.contracts.base import Invalid, Role

PRIVACY_NOTICE_VERSION = "2026-01"
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256

# Accounts only an admin creates; founders register themselves.
STAFF_ROLES = frozenset(Role) - {Role.FOUNDER}

_MOBILE = re.compile(r"^0([35789][0-9]{8})$")
_INTERNATIONAL = re.compile(r"^\+84([35789][0-9]{8})$")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def clean_text(text: str) -> str:
    """NFC, trimmed, inner runs of white space folded to one space."""
    return " ".join(nfc(text).split())


def normalise_email(email: str) -> str:
    """Emails are unique case-insensitively: store and compare the lower-cased form."""
    return nfc(email).strip().lower()


def normalise_phone(phone: str) -> str:
    """`0xxxxxxxxx` or `+84xxxxxxxxx` (Vietnamese mobile) to E.164 `+84xxxxxxxxx`."""
    compact = re.sub(r"[\s.\-()]", "", phone)
    match = _MOBILE.match(compact) or _INTERNATIONAL.match(compact)
    if not match:
        raise Invalid(
            "detail.phone_format",
            field="phone",
        )
    return f"+84{match.group(1)}"


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            "detail.password_too_short",
            field="password",
            min_length=MIN_PASSWORD_LENGTH,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise Invalid("detail.password_too_long", field="password", max_length=MAX_PASSWORD_LENGTH)


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days (Monday–Friday) after `start`; public holidays aside."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def anonymised(user_id: str) -> dict[str, object]:
    """What stays of an account after its owner asked for deletion: no personal data."""
    return {
        "email": f"deleted-{user_id}@deleted.invalid",
        "full_name": "Người dùng đã xoá",
        "phone": None,
        "password_hash": None,
    }


#: How long an emailed password-reset token works (issue 17).
RESET_LIFETIME = timedelta(minutes=30)


def fold(text: str) -> str:
    """Lower case without Vietnamese tone and vowel marks (`Lê Đức` → `le duc`), for
    searching names and emails as people type them."""
    decomposed = unicodedata.normalize("NFD", nfc(text).lower().replace("đ", "d"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def search_key(full_name: str, email: str) -> str:
    """What an admin's `q` is matched against: the folded name and email."""
    return f"{fold(full_name)} {fold(email)}"


def leaves_no_admin(
    *,
    actor_id: str,
    target_id: str,
    target_role: str,
    new_role: str | None,
    disabling: bool,
    active_admins: int,
) -> bool:
    """Whether a change would leave no active admin: the last active admin may not demote
    or disable themself (issue 17)."""
    if actor_id != target_id or target_role != Role.ADMIN.value:
        return False
    demoting = new_role is not None and new_role != Role.ADMIN.value
    return (demoting or disabling) and active_admins <= 1
