"""The one message catalogue (DESIGN §7): gettext through Babel, Vietnamese first, English
second, read from `vi.po` and `en.po` beside this file when first asked (no build step).

Message ids are keys, not source text: `problem.<code>` (problem titles), `detail.<name>`
(problem details), `validation.<pydantic error type>`, `field.<field name>`,
`enum.<EnumClass>.<value>`, `bool.true`/`bool.false`, `report.<key>`. Placeholders are
`str.format` fields (`{field}`), flagged `python-brace-format` in the .po files.

- `gettext("problem.not_found", "en")` → `"Not found"`.
- `label(Stage.IDEA, "vi")` → `"Ý tưởng"`; `label(False, "vi")` → `"Không"`.
- `negotiate("fr-FR,fr;q=0.9,en;q=0.8")` → `"en"`; a signed-in user's saved locale wins.
"""

from __future__ import annotations

import io
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

from babel.core import negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES: tuple[str, ...] = ("vi", "en")
DEFAULT_LOCALE = "vi"
CATALOGUE_DIR = Path(__file__).parent
# A client may send many language ranges; a browser sends a handful.
MAX_RANGES = 20


def catalogue_path(locale: str) -> Path:
    """The .po file of `locale` (`vi` or `en`)."""
    return CATALOGUE_DIR / f"{locale}.po"


@cache
def messages(locale: str) -> dict[str, str]:
    """Every translated message of `locale`: id → text (untranslated ids left out)."""
    with catalogue_path(locale).open("rb") as file:
        catalogue = read_po(file, locale=locale)
    return {
        str(message.id): str(message.string)
        for message in catalogue
        if message.id and isinstance(message.string, str) and message.string
    }


@cache
def translations(locale: str) -> Translations:
    """The gettext translations of `locale`, compiled in memory from its .po file by Babel.

    Raises `ValueError` for a locale not in `LOCALES`."""
    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r}")
    with catalogue_path(locale).open("rb") as file:
        catalogue = read_po(file, locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(fp=compiled)


def known(message_id: str) -> bool:
    """Whether the catalogue has `message_id` (in Vietnamese, the first locale)."""
    return message_id in messages(DEFAULT_LOCALE)


def gettext(message_id: str, locale: str, **params: Any) -> str:
    """The text of `message_id` in `locale` (Vietnamese for any other locale), its
    `{placeholders}` filled from `params`. An id missing from the catalogue comes back as it
    is, so a test of the catalogue, not a person, finds it."""
    text = translations(locale if locale in LOCALES else DEFAULT_LOCALE).gettext(message_id)
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def label(value: Enum | bool, locale: str) -> str:
    """What a person reads for an enum value or a boolean: `enum.<Class>.<value>`,
    `bool.true`/`bool.false` (DESIGN §7: no code reaches a person)."""
    if isinstance(value, bool):
        return gettext("bool.true" if value else "bool.false", locale)
    return gettext(f"enum.{type(value).__name__}.{value.value}", locale)


def enum_label(enum_name: str, value: str, locale: str) -> str | None:
    """The label of `value` of the enum named `enum_name`, or `None` when the catalogue
    has none (a free value, such as a topic typed by a founder)."""
    message_id = f"enum.{enum_name}.{value}"
    return gettext(message_id, locale) if known(message_id) else None


def preferred_locales(accept_language: str | None) -> list[str]:
    """The language ranges of an `Accept-Language` header, best first by q-value (RFC 9110
    §12.5.4; an absent q is 1, q=0 means "not this", ties keep the header's order), with
    `-` as the separator Babel's negotiation is given."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")[:MAX_RANGES]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and 0 < quality <= 1:
            # Tags are case-insensitive (RFC 5646); Babel compares a tag's language part as given.
            ranked.append((-quality, position, tag.strip().lower()))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate(accept_language: str | None, saved: str | None = None) -> str:
    """The locale to answer in: the signed-in user's `saved` locale when it is one of
    ours, else the best of `accept_language` Babel's `negotiate_locale` matches to ours
    (`fr-FR,fr;q=0.9,en;q=0.8` → `en`, `en;q=0.1, vi` → `vi`), else Vietnamese."""
    if saved in LOCALES:
        return str(saved)
    chosen = negotiate_locale(preferred_locales(accept_language), list(LOCALES), sep="-")
    return chosen if chosen in LOCALES else DEFAULT_LOCALE
