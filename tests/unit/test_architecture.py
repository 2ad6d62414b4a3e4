"""The house rules that keep it one system (DESIGN §10), checked by walking the imports."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "__init__.py").exists())
IO_MODULES = {
    "pymongo",
    "nats",
    "faststream",
    "socket",
    "httpx",
    "requests",
    "urllib",
    "asyncio",
    "subprocess",
    "aiosmtplib",
    "fastapi",
    "starlette",
    "motor",
    "pymongo_async_mock",
}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def python_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def test_every_service_is_found() -> None:
    assert {"gateway", "registry", "mentoring", "competitions", "notifications"} <= set(SERVICES)


def test_services_never_import_each_other() -> None:
    breaches = []
    for service in SERVICES:
        for path in python_files(ROOT / "services" / service):
            for module in imports_of(path):
                parts = module.split(".")
                if parts[0] == "services" and len(parts) > 1 and parts[1] != service:
                    breaches.append(f"{path.relative_to(ROOT)} imports {module}")
    assert breaches == []


def test_shared_imports_no_service() -> None:
    breaches = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in python_files(ROOT / "shared")
        for module in imports_of(path)
        if module.split(".")[0] == "services"
    ]
    assert breaches == []


def test_contracts_do_no_io() -> None:
    breaches = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in python_files(ROOT / "shared" / "contracts")
        for module in imports_of(path)
        if module.split(".")[0] in IO_MODULES or module.startswith("shared.infra")
    ]
    assert breaches == []


def test_only_repositories_touch_pymongo_in_services() -> None:
    # `repository.py`, or the modules of a `repository` package once it passed 400 lines.
    breaches = [
        f"{path.relative_to(ROOT)} imports {module}"
        for service in SERVICES
        for path in python_files(ROOT / "services" / service)
        for module in imports_of(path)
        if module.split(".")[0] == "pymongo"
        and path.name != "repository.py"
        and path.parent.name != "repository"
    ]
    assert breaches == []


def test_nothing_uses_motor() -> None:
    for folder in ("shared", "services"):
        for path in python_files(ROOT / folder):
            assert not any(m.split(".")[0] == "motor" for m in imports_of(path)), path


# What a `domain.py` may not reach for (DESIGN §10: "entities and rules; pure"): drivers,
# the bus, templates read from disk, the network, files and processes.
DOMAIN_FORBIDDEN = IO_MODULES | {"jinja2", "aiofiles", "shutil", "os", "pathlib", "smtplib"}


def test_every_service_has_a_pure_domain() -> None:
    breaches = []
    for service in SERVICES:
        path = ROOT / "services" / service / "domain.py"
        assert path.exists(), f"{service} has no domain.py"
        for module in imports_of(path):
            root = module.split(".")[0]
            if root in DOMAIN_FORBIDDEN or module.startswith("shared.infra"):
                breaches.append(f"{path.relative_to(ROOT)} imports {module}")
            if module.startswith(f"services.{service}.") and module.rsplit(".", 1)[-1] in {
                "repository",
                "rpc",
                "handlers",
                "app",
            }:
                breaches.append(f"{path.relative_to(ROOT)} imports {module}")
    assert breaches == []
