"""The message catalogue is complete (issue 14, DESIGN §7): every id has a translation in
both languages, every enum value of the contracts has a label, every problem code and every
field a request can carry has its words, and Accept-Language is negotiated with q-values."""

from __future__ import annotations

import importlib
import pkgutil
import string
from enum import Enum

import pytest

import shared.contracts.events
import shared.contracts.rpc
from services.gateway.problems import CATALOG
from shared.i18n import LOCALES, gettext, known, label, messages, negotiate


def contract_enums() -> list[type[Enum]]:
    modules = ["shared.contracts.base"] + [
        info.name
        for package in (shared.contracts.events, shared.contracts.rpc)
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
    ]
    found: list[type[Enum]] = []
    for name in modules:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Enum) and value.__module__ == name:
                found.append(value)
    return found


def test_every_message_has_a_translation_in_both_languages() -> None:
    vi, en = messages("vi"), messages("en")
    assert vi, "the Vietnamese catalogue is empty"
    assert sorted(set(vi) - set(en)) == []
    assert sorted(set(en) - set(vi)) == []
    assert [key for key, text in {**vi, **en}.items() if not text.strip()] == []


def test_placeholders_are_the_same_in_both_languages() -> None:
    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    vi, en = messages("vi"), messages("en")
    # English names a month where Vietnamese writes its number: the only allowed difference.
    allowed = {"report.period_month"}
    assert [k for k in vi if k not in allowed and fields(vi[k]) != fields(en[k])] == []


@pytest.mark.parametrize("enum", contract_enums(), ids=lambda e: e.__name__)
def test_every_enum_value_of_the_contracts_has_a_label(enum: type[Enum]) -> None:
    missing = [v.value for v in enum if not known(f"enum.{enum.__name__}.{v.value}")]
    assert missing == []
    for locale in LOCALES:
        for value in enum:
            assert label(value, locale) != f"enum.{enum.__name__}.{value.value}"


def test_booleans_read_yes_and_no() -> None:
    assert (label(True, "vi"), label(False, "vi")) == ("Có", "Không")
    assert (label(True, "en"), label(False, "en")) == ("Yes", "No")


def test_every_problem_code_has_a_title() -> None:
    assert [code for code in CATALOG if not known(f"problem.{code}")] == []


@pytest.mark.parametrize(
    ("header", "saved", "expected"),
    [
        ("fr-FR,fr;q=0.9,en;q=0.8", None, "en"),
        ("en;q=0.1, vi", None, "vi"),
        ("en-GB", None, "en"),
        ("EN-us,vi;q=0.5", None, "en"),
        ("de, fr", None, "vi"),
        ("vi;q=0, en", None, "en"),
        ("", None, "vi"),
        (None, None, "vi"),
        ("en", "vi", "vi"),
        ("vi", "en", "en"),
        ("en;q=abc, vi;q=0.2", None, "vi"),
    ],
)
def test_accept_language_is_negotiated_with_q_values(
    header: str | None, saved: str | None, expected: str
) -> None:
    assert negotiate(header, saved) == expected


def test_placeholders_are_filled() -> None:
    assert gettext("validation.missing", "en", field="Name") == "Name is required"
    assert gettext("report.period_month", "vi", month=11, year=2026) == "Tháng 11/2026"


def test_every_field_a_request_can_carry_has_a_label() -> None:
    """Field errors name the field in words (issue 14): every property of every request body
    and every parameter of the public API has `field.<name>` in the catalogue."""
    from services.gateway.app import build_app
    from shared.infra.settings import Settings

    schema = build_app(Settings()).openapi()
    components = schema["components"]["schemas"]
    names: set[str] = set()
    seen: set[str] = set()

    def walk(node: dict[str, object]) -> None:
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                walk(components[name])
            return
        properties = node.get("properties")
        if isinstance(properties, dict):
            for key, value in properties.items():
                names.add(key)
                walk(value)
        for key in ("items", "additionalProperties"):
            child = node.get(key)
            if isinstance(child, dict):
                walk(child)
        for key in ("anyOf", "allOf", "oneOf"):
            options = node.get(key)
            if isinstance(options, list):
                for option in options:
                    walk(option)

    for operations in schema["paths"].values():
        for operation in operations.values():
            names.update(parameter["name"] for parameter in operation.get("parameters", []))
            for content in (operation.get("requestBody") or {}).get("content", {}).values():
                walk(content["schema"])
    assert sorted(name for name in names if not known(f"field.{name}")) == []


def test_every_error_type_our_validators_raise_has_words() -> None:
    """A validator of ours raises `PydanticCustomError("<type>", ...)`: each type has its
    `validation.<type>` in the catalogue, so the message reaches people in their language."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    raised = {
        match
        for path in [
            *root.joinpath("shared").rglob("*.py"),
            *root.joinpath("services", "gateway").rglob("*.py"),
        ]
        for match in re.findall(r'PydanticCustomError\(\s*"([a-z_]+)"', path.read_text("utf-8"))
    }
    assert raised >= {"text_control", "text_surrogate", "null_not_allowed", "slot_order"}
    assert sorted(kind for kind in raised if not known(f"validation.{kind}")) == []


def test_every_notification_kind_has_a_name_people_read() -> None:
    """The preferences page names each kind from the catalogue; a kind added without its
    name would show a message id to the person choosing channels."""
    from services.notifications.domain import Kind
    from shared.i18n import known

    assert [k.value for k in Kind if not known(f"web.kind.{k.value}")] == []
