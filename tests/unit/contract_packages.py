"""What a contracts package split into sub-domain modules defines, for the tests that pin such
a package (its requests, enums and request models must stay enumerated after a split)."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from types import ModuleType

from pydantic import BaseModel

from tests.unit.test_contract_edge import REPLY_SUFFIXES


def package_classes(package: ModuleType) -> list[type]:
    """Every class defined (not merely imported) in a module of `package`."""
    modules = [
        importlib.import_module(info.name)
        for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}.")
    ]
    return [
        value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type) and value.__module__ == module.__name__
    ]


def filled_in(classes: list[type]) -> set[type]:
    """The models a caller fills in among `classes`: requests and their bodies, not replies,
    views or generic pages."""
    return {
        c
        for c in classes
        if issubclass(c, BaseModel)
        and not c.__pydantic_generic_metadata__["origin"]
        and not c.__name__.endswith(REPLY_SUFFIXES)
    }


def enumerated_subjects(prefix: str) -> dict[str, str]:
    """The request contracts `shared.infra.asyncapi.request_contracts` finds in a fresh
    interpreter (so only what the enumeration itself imports is seen), subject → class name,
    for the subjects starting with `prefix`."""
    code = (
        "import json\n"
        "from shared.infra.asyncapi import request_contracts\n"
        "print(json.dumps({r.subject: r.__name__ for r in request_contracts()}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    found: dict[str, str] = json.loads(done.stdout)
    return {subject: name for subject, name in found.items() if subject.startswith(prefix)}
