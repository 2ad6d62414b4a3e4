"""Vietnamese text rules: NFC storage, accent-insensitive folding, tone-placement-insensitive
comparison. Pure functions, no I/O.

- `fold("Đổi Mới")` → `"doi moi"`: case-, accent- and đ-insensitive (DESIGN §7).
- `tone_key("hoà") == tone_key("hòa")`: both tone-mark placements compare equal while the
  vowel shapes (â, ê, ô, ơ, ư, ă, đ) and the tone itself still count.
"""

from __future__ import annotations

import re
import unicodedata

# The five Vietnamese tone marks as combining characters.
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_WORD = re.compile(r"\w+", re.UNICODE)


def nfc(text: str) -> str:
    """`text` in Unicode NFC, the one form stored and compared (DESIGN §7)."""
    return unicodedata.normalize("NFC", text)


def clean(text: str) -> str:
    """NFC, trimmed, inner runs of white space folded to one space."""
    return " ".join(nfc(text).split())


def fold(text: str) -> str:
    """Lower case with every diacritic removed and đ → d."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("đ", "d")


def tone_key(word: str) -> str:
    """A word with its tone mark moved to the end, so `hoà`/`hòa`, `thuỷ`/`thủy` compare equal."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = "".join(ch for ch in decomposed if ch in TONE_MARKS)
    base = "".join(ch for ch in decomposed if ch not in TONE_MARKS)
    return unicodedata.normalize("NFC", base) + tones


def words(text: str) -> list[str]:
    """The words (runs of letters, digits, `_`) of `text` after NFC normalisation."""
    return _WORD.findall(nfc(text))


def folded_words(text: str) -> list[str]:
    """The words of `text`, each folded (lower case, no diacritics, đ → d)."""
    return [fold(word) for word in words(text)]


def tone_keys(text: str) -> list[str]:
    """The words of `text`, each as its `tone_key` (tone-placement insensitive)."""
    return [tone_key(word) for word in words(text)]
