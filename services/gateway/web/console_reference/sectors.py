"""Sectors in the reference-data editor: add one (code, Vietnamese and English names) and
edit its names at the version the admin saw."""

from __future__ import annotations

from typing import Any

from services.gateway.repository import SECTORS
from services.gateway.routes import reference as reference_api
from services.gateway.web.console_reference.editor import Kind, kind_router
from services.gateway.web.forms import FormData


def sector_form(doc: dict[str, Any]) -> dict[str, Any]:
    """A saved sector as its form shows it."""
    return {
        "code": doc["_id"],
        "name_vi": doc.get("name_vi", ""),
        "name_en": doc.get("name_en", ""),
        "version": str(doc["version"]),
    }


def sector_body(form: FormData, adding: bool) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The names of a posted sector form (a sector has no day field)."""
    return {key: form.get(key) for key in ("name_vi", "name_en")}, ()


SECTOR = Kind(
    "sector",
    SECTORS,
    sector_form,
    sector_body,
    new=reference_api.SectorIn,
    change=reference_api.SectorUpdate,
    create=reference_api.create_sector,
    update=reference_api.update_sector,
)
router = kind_router(SECTOR)
