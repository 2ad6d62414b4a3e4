"""Vietnamese text rules: the two text kinds of the contract edge, NFC storage,
accent-insensitive folding, tone-placement-insensitive comparison. Pure, no I/O.

- `line(" Gò  V\u200bấp ")` → `"Gò Vấp"`: one line, white space collapsed (DESIGN §7).
- `passage("Điều 1.\r\nĐiều 2.")` → `"Điều 1.\nĐiều 2."`: line breaks kept.
- `fold("Đổi Mới")` → `"doi moi"`: case-, accent- and đ-insensitive (DESIGN §7).
- `tone_key("hoà") == tone_key("hòa")`: both tone-mark placements compare equal while the
  vowel shapes (â, ê, ô, ơ, ư, ă, đ) and the tone itself still count.

`Line` and `Passage` are the pydantic types every user text field of a contract uses; add
bounds with `Annotated[Line, StringConstraints(min_length=…, max_length=…)]` (they count
after cleaning). Refused input raises `PydanticCustomError` of type `text_control` or
`text_surrogate`, so the gateway answers 422 naming the field, never 500.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import pairwise
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

# The five Vietnamese tone marks as combining characters.
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_WORD = re.compile(r"\w+", re.UNICODE)
# Letters people type for đ/Đ: the Vietnamese letter, the Icelandic eth (Ð looks the same
# in capitals) and the African D (Ɖ), in both cases. Lower case is applied first.
_D_LOOKALIKES = str.maketrans({"đ": "d", "ð": "d", "ɖ": "d"})
# A passage keeps these as they are; a line refuses every control character (Cc).
_PASSAGE_CONTROLS = frozenset("\n\t")
# Unicode line and paragraph separators are line breaks in a passage.
_NEWLINES = re.compile(r"\r\n|[\r\u2028\u2029]")
_SPACES = re.compile(r"[^\S\n\t]+")
_BLANK_RUN = re.compile(r"\n{4,}")


def nfc(text: str) -> str:
    """`text` in Unicode normal form C."""
    return unicodedata.normalize("NFC", text)


def drop_invisible(text: str) -> str:
    """`text` without Unicode format characters (category Cf: zero-width spaces and
    joiners, word joiner, BOM, soft hyphen, bidi marks). They change nothing a person sees
    but split words and make two equal names differ (DESIGN §7)."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def _refuse_unsafe(text: str, allowed: frozenset[str]) -> None:
    for position, ch in enumerate(text):
        category = unicodedata.category(ch)
        if category == "Cs":
            raise PydanticCustomError(
                "text_surrogate",
                "Text contains a lone surrogate at position {position}",
                {"position": position},
            )
        if category == "Cc" and ch not in allowed:
            raise PydanticCustomError(
                "text_control",
                "Text contains the control character U+{codepoint} at position {position}",
                {"codepoint": f"{ord(ch):04X}", "position": position},
            )


def line(text: str) -> str:
    """One line of text (names, titles, topics) as it is stored: no format characters,
    white space runs as one space, trimmed, NFC.

    Raises `PydanticCustomError` (`text_surrogate`, `text_control`) for a lone surrogate or
    any control character, line breaks and tabs included (DESIGN §7)."""
    _refuse_unsafe(text, frozenset())
    return nfc(" ".join(drop_invisible(text).split()))


def passage(text: str) -> str:
    """A passage (summaries, messages, rules) as it is stored: line breaks kept (`\\r\\n`,
    `\\r`, U+2028/U+2029 become `\\n`), tabs kept, runs of other spaces as one, no trailing
    spaces on a line, at most two blank lines in a row, trimmed, no format characters, NFC.

    Raises `PydanticCustomError` (`text_surrogate`, `text_control`) for a lone surrogate or
    a control character other than line feed, carriage return and tab (DESIGN §7)."""
    _refuse_unsafe(text, _PASSAGE_CONTROLS | {"\r"})
    text = _NEWLINES.sub("\n", drop_invisible(text))
    lines = [_SPACES.sub(" ", part).rstrip(" \t") for part in text.split("\n")]
    text = _BLANK_RUN.sub("\n\n\n", "\n".join(lines)).strip("\n")
    return nfc(text.strip(" "))


def clean(text: str) -> str:
    """NFC, trimmed, inner runs of white space folded to one space (no checks: see `line`)."""
    return " ".join(nfc(text).split())


Line = Annotated[str, AfterValidator(line)]
Passage = Annotated[str, AfterValidator(passage)]


def fold(text: str) -> str:
    """Lower case with every diacritic and format character removed, and đ and the letters
    people type for it (Đ đ Ð ð Ɖ ɖ) → d: the search and duplicate-name key (DESIGN §7)."""
    decomposed = unicodedata.normalize("NFD", drop_invisible(text).lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.translate(_D_LOOKALIKES)


def tone_key(word: str) -> str:
    """A word with its tone mark moved to the end, so `hoà`/`hòa`, `thuỷ`/`thủy` compare equal."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = "".join(ch for ch in decomposed if ch in TONE_MARKS)
    base = "".join(ch for ch in decomposed if ch not in TONE_MARKS)
    return unicodedata.normalize("NFC", base) + tones


def words(text: str) -> list[str]:
    """The words of `text` (NFC, format characters ignored), split on what is not a letter
    or digit."""
    return _WORD.findall(nfc(drop_invisible(text)))


def folded_words(text: str) -> list[str]:
    """`words(text)`, each folded."""
    return [fold(word) for word in words(text)]


def tone_keys(text: str) -> list[str]:
    """`words(text)`, each as its `tone_key`."""
    return [tone_key(word) for word in words(text)]


def edge_grams(text: str, longest: int = 15) -> list[str]:
    """Every leading part (1 to `longest` characters) of every folded word of `text`, sorted,
    without repeats: `edge_grams("Gò Vấp")` → `["g", "go", "v", "va", "vap"]`. What a
    search-as-you-type index holds, so a typed prefix ("khoi ngh", "gò v") is an equality
    lookup (DESIGN §7)."""
    grams = {word[:size] for word in folded_words(text) for size in range(1, longest + 1)}
    return sorted(gram for gram in grams if gram)


def pair_grams(text: str, longest: int = 15) -> list[str]:
    """For every two adjacent folded words of `text`: the first word (cut to `longest`), a
    space, and each leading part (1 to `longest` characters) of the second; sorted, without
    repeats. `pair_grams("Gò Vấp")` → `["go v", "go va", "go vap"]`. What a search-as-you-type
    index holds so a two-word query ("khoi ngh", "gò v") is one selective equality."""
    folded = folded_words(text)
    grams = {
        f"{first[:longest]} {second[:size]}"
        for first, second in pairwise(folded)
        for size in range(1, min(len(second), longest) + 1)
    }
    return sorted(grams)
