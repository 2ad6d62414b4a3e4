"""Partial updates tell a field left out from `null` (issue 14): `null` clears only an optional
field, elsewhere it is refused naming the field; list fields that are sets drop repeats."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.contracts.rpc.competitions.contests import Eligibility
from shared.contracts.rpc.mentoring.mentors import MentorChanges, MentorProfile
from shared.contracts.rpc.registry import StartupChanges, StartupFields


@pytest.mark.parametrize("field", ["stage", "women_led", "name", "summary", "needs", "sector"])
def test_null_for_a_required_startup_field_names_the_field(field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        StartupChanges.model_validate({"version": 1, field: None})
    assert [(e["loc"], e["type"]) for e in caught.value.errors()] == [
        ((field,), "null_not_allowed")
    ]


@pytest.mark.parametrize("field", ["website", "tax_code", "founding_date", "founder_birth_year"])
def test_null_clears_an_optional_startup_field(field: str) -> None:
    changes = StartupChanges.model_validate({"version": 1, field: None})
    assert changes.model_dump(exclude_unset=True) == {"version": 1, field: None}


def test_a_field_left_out_is_not_a_change() -> None:
    assert StartupChanges(version=3).model_dump(exclude_unset=True) == {"version": 3}


@pytest.mark.parametrize("field", ["bio", "expertise", "active", "monthly_capacity"])
def test_null_in_a_mentor_edit_names_the_field(field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        MentorChanges.model_validate({"version": 1, field: None})
    assert caught.value.errors()[0]["loc"] == (field,)


def test_set_like_lists_keep_each_value_once() -> None:
    assert StartupChanges.model_validate({"version": 1, "needs": ["ip", "ip"]}).needs == ["ip"]
    fields = StartupFields.model_validate(
        {
            "name": "Gò Vấp Xanh",
            "summary": "Một dự án về nông nghiệp.",
            "sector": "agri",
            "stage": "idea",
            "ward": "go-vap",
            "needs": ["funding", "ip", "funding"],
        }
    )
    assert fields.needs == ["funding", "ip"]
    profile = MentorProfile.model_validate(
        {"expertise": ["gọi vốn", "Gọi  vốn"], "monthly_capacity": 2, "languages": ["vi", "vi"]}
    )
    assert len(profile.expertise) == 1
    assert profile.languages == ["vi"]
    assert Eligibility(wards=["go-vap", "go-vap"]).wards == ["go-vap"]


def test_the_schema_offers_null_only_where_it_clears() -> None:
    properties = StartupChanges.model_json_schema()["properties"]
    assert "anyOf" not in properties["stage"]
    assert "default" not in properties["stage"]
    assert properties["name"]["type"] == "string"
    assert {"type": "null"} in properties["website"]["anyOf"]
