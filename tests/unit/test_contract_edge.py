"""Every text field a caller can fill, in every request contract and every request model of
the gateway, is a line, a passage or a code: none lets a control character or a lone
surrogate through (issue 14, DESIGN §7)."""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

import services.gateway.routes
import shared.contracts.rpc

# Models that a caller never fills: replies, views, figures and the plumbing around them.
REPLY_SUFFIXES = (
    "View", "Page", "Figures", "Figure", "Out", "Result", "Results", "Row", "Item", "Info",
    "Pair", "Receipt", "Export", "Reply", "List", "Report", "Document", "Suggestion",
    "Suggestions", "Coverage", "Assignment", "History", "Entry", "Read", "Letter", "Pong",
    "Data",
)  # fmt: skip
# Not text a person writes: credentials are hashed, never stored or shown.
NOT_TEXT = frozenset({"request_key", "password", "current_password", "new_password", "actor"})
PROBES: tuple[Any, ...] = ("ab\x00cd", "ab\ud83dcd", "ab\x16cd")


def request_models() -> list[type[BaseModel]]:
    names = [
        m.name
        for m in pkgutil.walk_packages(shared.contracts.rpc.__path__, "shared.contracts.rpc.")
    ]
    names += [
        f"services.gateway.routes.{m.name}"
        for m in pkgutil.iter_modules(services.gateway.routes.__path__)
    ]
    found: list[type[BaseModel]] = []
    for name in names:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseModel)
                and value.__module__ == name
                and not value.__name__.endswith(REPLY_SUFFIXES)
            ):
                found.append(value)
    return found


def text_fields() -> list[tuple[str, TypeAdapter[Any]]]:
    fields: list[tuple[str, TypeAdapter[Any]]] = []
    for model in request_models():
        for name, field in model.model_fields.items():
            if name in NOT_TEXT or not re.search(r"\bstr\b", str(field.annotation)):
                continue
            # the annotation with its constraints (`Annotated[...]` when it has metadata)
            annotation = field.rebuild_annotation()
            fields.append((f"{model.__name__}.{name}", TypeAdapter(annotation)))
    return fields


def _shapes(text: str) -> list[Any]:
    return [text, [text], {text: 1}, {text: {}}]


def _takes(adapter: TypeAdapter[Any], value: Any) -> bool:
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(
    ("where", "adapter"), text_fields(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_a_text_field_refuses_control_characters_and_lone_surrogates(
    where: str, adapter: TypeAdapter[Any]
) -> None:
    # Each shape the field takes with harmless text (a string, a list, a dict's keys) must
    # refuse the same shape carrying a control character or a lone surrogate.
    for index, harmless in enumerate(_shapes("ab-cd")):
        if not _takes(adapter, harmless):
            continue
        for probe in PROBES:
            shape = _shapes(probe)[index]
            assert not _takes(adapter, shape), f"{where} accepts {shape!r}"
