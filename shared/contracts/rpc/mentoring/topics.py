"""Topics of expertise and of a consultation request: a canonical topic (one of the
registry's needs) typed by its code, its Vietnamese name or an English word, or a free tag;
how a topic is stored and how it reads as `{key, label}`."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel
from pydantic_core import PydanticCustomError

from shared.contracts.events.registry import NEED_LABELS_VI, Need
from shared.text import fold, line


def _words(text: str) -> str:
    return " ".join(fold(text).split())


#: English words that name a canonical topic when typed (input only: what a person reads
#: comes from the catalogue, `enum.Need.<code>`).
NEED_WORDS_EN: dict[Need, tuple[str, ...]] = {
    Need.MENTORING: ("mentoring", "startup mentoring"),
    Need.LEGAL: ("legal", "law"),
    Need.IP: ("intellectual property", "ip"),
    Need.FUNDING: ("funding", "fundraising", "investment"),
    Need.MARKET: ("market", "marketing access"),
    Need.TECHNOLOGY: ("technology", "tech"),
    Need.WORKSPACE: ("workspace", "office space"),
    Need.TRAINING: ("training",),
}

#: The canonical topics (the registry's needs): a topic typed by its code, its Vietnamese
#: name or an English word, with or without accents and `đ`, is that topic (issue 14).
NEED_BY_WORDS: dict[str, str] = {
    **{_words(label): need.value for need, label in NEED_LABELS_VI.items()},
    **{_words(word): need.value for need, words in NEED_WORDS_EN.items() for word in words},
    **{need.value: need.value for need in Need},
}


def canonical_topic(text: str) -> str:
    """The stored form of a topic: a canonical topic's code, or a free topic as typed
    (lower-case NFC, diacritics kept). Pure; no bounds checked."""
    lowered = line(text).lower()
    return NEED_BY_WORDS.get(_words(lowered), lowered)


def _topic(value: str) -> str:
    """A topic is one of the canonical topics (kept as its code) or a free tag (kept
    lower-case NFC with its diacritics, compared accent-insensitively when matching)."""
    text = line(value).lower()
    if not 2 <= len(text) <= 40:
        raise PydanticCustomError("topic_length", "A topic has 2–40 characters")
    return canonical_topic(text)


class TopicView(BaseModel):
    """A topic as stored, `{key, label}`: `key` folds case, tones and `đ` (what matching
    compares); `label` is the canonical topic's Vietnamese name or the words as typed;
    `need` names the canonical topic (its label in any locale is `enum.Need.<need>`)."""

    key: str
    label: str
    need: Need | None = None


_NEEDS = frozenset(need.value for need in Need)


def topic_view(topic: str) -> TopicView:
    """The `{key, label}` of a stored topic (a canonical code or a free topic)."""
    need = Need(topic) if topic in _NEEDS else None
    label = NEED_LABELS_VI[need] if need else topic
    return TopicView(key=" ".join(fold(topic).split()), label=label, need=need)


Topic = Annotated[str, AfterValidator(_topic)]
