"""Every event and every RPC request/response model (DESIGN §4: the contracts live in
`shared/`) round-trips through JSON and agrees with its own JSON Schema; subjects are unique.

Instances are drawn by hypothesis from each model's generated JSON Schema, so a field the
schema misdescribes (a wrong type, a missing `required`) fails here, not in a consumer.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import string
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

import shared.contracts.events
import shared.contracts.rpc
from shared.contracts.base import Event, RpcRequest

Schema = dict[str, Any]
M = TypeVar("M", bound=BaseModel)


def _import_all(package: Any) -> None:
    for module in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
        importlib.import_module(module.name)


_import_all(shared.contracts.events)
_import_all(shared.contracts.rpc)


def _subclasses(base: type[M]) -> Iterator[type[M]]:
    for sub in base.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _concrete(cls: type[BaseModel]) -> bool:
    """Not a parametrised generic (`RpcRequest[StartupView]` is pydantic's, not ours)."""
    return not cls.__pydantic_generic_metadata__.get("origin") and not (
        cls.__pydantic_generic_metadata__.get("parameters")
    )


EVENTS = sorted(
    {cls for cls in _subclasses(Event) if "subject" in vars(cls)}, key=lambda c: c.subject
)
RPC_REQUESTS = sorted(
    {cls for cls in _subclasses(RpcRequest) if _concrete(cls) and "subject" in vars(cls)},
    key=lambda c: c.__qualname__,
)
RPC_MODELS = sorted(
    {
        cls
        for cls in _subclasses(BaseModel)
        if cls.__module__.startswith("shared.contracts.rpc.") and _concrete(cls)
    },
    key=lambda c: f"{c.__module__}.{c.__qualname__}",
)
MODELS = [*EVENTS, *RPC_MODELS]


def test_the_contracts_are_found() -> None:
    assert len(EVENTS) >= 20
    assert len(RPC_REQUESTS) >= 40
    assert set(RPC_REQUESTS) <= set(RPC_MODELS)


def test_event_subjects_are_unique_and_well_formed() -> None:
    subjects = [cls.subject for cls in EVENTS]
    assert len(subjects) == len(set(subjects))
    for cls in EVENTS:
        assert re.fullmatch(r"[a-z_]+\.[a-z_]+\.[a-z_]+\.v\d+", cls.subject), cls
        assert cls.__name__.endswith(cls.subject.rsplit(".", 1)[1].upper()), cls


def test_rpc_subjects_are_unique_and_well_formed() -> None:
    subjects = [cls.subject for cls in RPC_REQUESTS]
    duplicates = sorted({s for s in subjects if subjects.count(s) > 1})
    assert duplicates == []
    for cls in RPC_REQUESTS:
        # `*`: asked of every service (ping, personal data), the service is filled in per call
        assert re.fullmatch(r"rpc\.([a-z_]+|\*)(\.[a-z_]+)+", cls.subject), cls


# --- instances drawn from the JSON Schema -----------------------------------------------------

WORDS = string.ascii_letters + "ăâêôơưđáàảãạ"


def _from_schema(schema: Schema, defs: Schema) -> st.SearchStrategy[Any]:
    if "$ref" in schema:
        return st.deferred(lambda: _from_schema(defs[schema["$ref"].rsplit("/", 1)[1]], defs))
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([_from_schema(option, defs) for option in schema[key]])
    if "allOf" in schema:
        return _from_schema(schema["allOf"][0], defs)
    kind = schema.get("type")
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        low = schema.get("minimum", schema.get("exclusiveMinimum", -1_000_000 - 1) + 1)
        high = schema.get("maximum", schema.get("exclusiveMaximum", 1_000_000 + 1) - 1)
        return st.integers(low, high)
    if kind == "number":
        return st.floats(
            schema.get("minimum", schema.get("exclusiveMinimum")),
            schema.get("maximum", schema.get("exclusiveMaximum")),
            exclude_min="exclusiveMinimum" in schema,
            exclude_max="exclusiveMaximum" in schema,
            allow_nan=False,
            allow_infinity=False,
        )
    if kind == "string":
        return _string(schema)
    if kind == "array":
        items = _from_schema(schema.get("items", {}), defs)
        low = schema.get("minItems", 0)
        high = min(schema.get("maxItems", low + 2), low + 2)
        if "prefixItems" in schema:
            return st.tuples(*(_from_schema(s, defs) for s in schema["prefixItems"])).map(list)
        return st.lists(items, min_size=low, max_size=high)
    if kind == "object" or "properties" in schema:
        return _object(schema, defs)
    return st.one_of(st.none(), st.integers(0, 9), st.text(WORDS, max_size=5))


def _string(schema: Schema) -> st.SearchStrategy[str]:
    low, high = schema.get("minLength", 0), schema.get("maxLength", 40)
    fmt = schema.get("format")
    if fmt == "date-time":
        return st.datetimes(datetime(2000, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)).map(
            datetime.isoformat
        )
    if fmt == "date":
        return st.dates(date(2000, 1, 1), date(2024, 12, 31)).map(date.isoformat)
    if fmt == "email":
        return st.sampled_from(["lan@example.vn", "minh.tran@govap.gov.vn"])
    if fmt in ("uri", "url"):
        return st.sampled_from(["https://example.vn/", "https://govap.hochiminhcity.gov.vn/"])
    if fmt == "time":
        return st.times().map(lambda t: t.replace(microsecond=0).isoformat())
    if fmt == "duration":
        return st.just("PT30M")
    if "pattern" in schema:
        return st.from_regex(str(schema["pattern"]), fullmatch=True).filter(
            lambda s: low <= len(s) <= high
        )
    return st.text(WORDS, min_size=low, max_size=min(high, low + 20))


def _object(schema: Schema, defs: Schema) -> st.SearchStrategy[dict[str, Any]]:
    properties: Schema = schema.get("properties", {})
    required = set(schema.get("required", ()))
    if not properties:
        return st.dictionaries(
            st.text(string.ascii_lowercase, min_size=1, max_size=6), st.integers(0, 9), max_size=2
        )
    return st.fixed_dictionaries(
        {name: _from_schema(s, defs) for name, s in properties.items() if name in required},
        optional={
            name: _from_schema(s, defs) for name, s in properties.items() if name not in required
        },
    )


def _instances(model: type[BaseModel]) -> st.SearchStrategy[BaseModel]:
    schema = model.model_json_schema()

    def build(data: dict[str, Any]) -> BaseModel:
        try:
            return model.model_validate(data)
        except ValidationError:
            # cross-field rules the schema cannot say (deadline after start, and so on)
            reject()

    return _object(schema, schema.get("$defs", {})).map(build)


def _name(model: type[BaseModel]) -> str:
    return f"{model.__module__.rsplit('.', 2)[-2]}.{model.__module__.rsplit('.', 1)[-1]}.{model.__qualname__}"


@pytest.mark.parametrize("model", MODELS, ids=_name)
def test_the_schema_is_json_and_names_every_field(model: type[BaseModel]) -> None:
    schema = json.loads(json.dumps(model.model_json_schema()))
    properties = schema.get("properties", {})
    required = set(schema.get("required", ()))
    for name, field in model.model_fields.items():
        key = field.alias or name
        assert key in properties, f"{key} missing from the schema"
        assert (key in required) == field.is_required(), f"{key}: required mismatch"


@pytest.mark.parametrize("model", MODELS, ids=_name)
def test_an_instance_round_trips_through_json(model: type[BaseModel]) -> None:
    schema = model.model_json_schema()
    properties = schema.get("properties", {})
    required = set(schema.get("required", ()))

    @settings(
        max_examples=10,
        deadline=None,
        suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
        database=None,
    )
    @given(_instances(model))
    def round_trip(instance: BaseModel) -> None:
        # As `call` sends a request: what was not set stays out, so a partial update tells
        # "not given" from an explicit null (DESIGN §9, issue 14).
        wire = instance.model_dump_json(by_alias=True, exclude_unset=True)
        back = model.model_validate_json(wire)
        assert back == instance
        sent = json.loads(wire)
        assert required <= sent.keys()
        if model.model_config.get("extra") != "allow":  # else unknown fields are the point
            assert sent.keys() <= properties.keys()

    round_trip()
