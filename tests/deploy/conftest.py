from __future__ import annotations

import pytest

from tests.deploy.rules import BASE, OVERLAY, Manifest, kustomize_build


@pytest.fixture(scope="session")
def production() -> list[Manifest]:
    """The production overlay, built once by kustomize."""
    return kustomize_build(OVERLAY)


@pytest.fixture(scope="session")
def base() -> list[Manifest]:
    return kustomize_build(BASE)
