"""The OpenAPI document declares the bearer scheme on every protected operation, so an
integrator's `/docs` has an Authorize button (issue 20)."""

from __future__ import annotations

from typing import Any

from services.gateway.app import build_app
from shared.infra.settings import Settings
from tests.integration.access_matrix import WHO


def test_protected_operations_require_the_bearer_scheme_and_public_ones_do_not() -> None:
    spec: dict[str, Any] = build_app(Settings(jwt_secret="k" * 40)).openapi()
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for endpoint, roles in WHO.items():
        method, path = endpoint.split(" ", 1)
        operation = spec["paths"][path][method.lower()]
        declared = operation.get("security")
        if roles is None:
            assert declared is None, endpoint
        else:
            assert declared == [{"bearer": []}], endpoint
