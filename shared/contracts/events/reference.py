"""Reference data the gateway keeps and publishes (stream IDENTITY): wards, schools, sectors.

Services keep their own copies from these events. The gateway republishes the whole set
at start-up, so a read model can be rebuilt even after the stream's retention has passed.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from shared.contracts.base import Event
from shared.text import Line


class SchoolLevel(StrEnum):
    PRIMARY = "primary"
    LOWER_SECONDARY = "lower_secondary"
    UPPER_SECONDARY = "upper_secondary"


class WardSavedV1(Event):
    subject = "identity.ward.saved.v1"

    code: str
    name: Line
    valid_from: date
    valid_to: date | None = None
    predecessors: tuple[str, ...] = ()
    ward_set: str
    version: int = 1


class SchoolSavedV1(Event):
    subject = "identity.school.saved.v1"

    code: str
    name: Line
    level: SchoolLevel
    ward: str
    active: bool = True
    version: int = 1


class SectorSavedV1(Event):
    subject = "identity.sector.saved.v1"

    code: str
    name_vi: Line
    name_en: Line
    version: int = 1


class OrganizationKind(StrEnum):
    """What sort of unit an account belongs to (the plan's units, ward committees, schools)."""

    DISTRICT_UNIT = "district_unit"
    WARD_COMMITTEE = "ward_committee"
    SCHOOL = "school"
    OTHER = "other"


class OrganizationSavedV1(Event):
    """An organization accounts belong to was created or changed (reference data)."""

    subject = "identity.organization.saved.v1"

    code: str
    name: Line
    kind: OrganizationKind
    ward: str | None = None
    active: bool = True
    version: int = 1
