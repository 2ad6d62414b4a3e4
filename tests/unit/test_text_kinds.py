"""The two text kinds of the contract edge (DESIGN §7, issue 14): what a line and a passage
keep, drop and refuse, over arbitrary Unicode and over the cases seen on the running stack."""

from __future__ import annotations

import unicodedata
from typing import Annotated

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, StringConstraints, ValidationError

from shared.contracts.rpc.competitions.contests import CompetitionFields
from shared.contracts.rpc.competitions.initiatives import InitiativeFields
from shared.contracts.rpc.mentoring.consultations import ConsultationDraft
from shared.contracts.rpc.mentoring.mentors import MentorProfile
from shared.contracts.rpc.registry import StartupChanges, StartupFields
from shared.text import Line, Passage, fold, folded_words, line, passage


class _Both(BaseModel):
    name: Annotated[Line, StringConstraints(max_length=500)]
    body: Annotated[Passage, StringConstraints(max_length=5000)]


def _refused(ch: str, allowed: str) -> bool:
    category = unicodedata.category(ch)
    return category == "Cs" or (category == "Cc" and ch not in allowed)


def _free_of_edge(text: str, allowed: str) -> bool:
    return all(
        not _refused(ch, allowed) and unicodedata.category(ch) != "Cf" for ch in text
    ) and unicodedata.is_normalized("NFC", text)


@settings(max_examples=400)
@given(st.text(), st.text())
def test_whatever_a_model_accepts_is_nfc_and_free_of_what_the_edge_refuses(
    name: str, body: str
) -> None:
    try:
        model = _Both(name=name, body=body)
    except ValidationError as error:
        # Refused input names the field and is a text or length error, never anything else.
        for problem in error.errors():
            assert problem["loc"][0] in ("name", "body")
            assert problem["type"] in ("text_control", "text_surrogate", "too_long")
        return
    assert _free_of_edge(model.name, "")
    assert _free_of_edge(model.body, "\n\t")
    assert model.name == model.name.strip()
    assert "  " not in model.name
    assert "\r" not in model.body
    assert "\n\n\n\n" not in model.body


@given(st.text(st.characters(exclude_categories=("Cs", "Cc"))))
def test_cleaning_is_idempotent(text: str) -> None:
    assert line(line(text)) == line(text)
    assert passage(passage(text)) == passage(text)


@given(st.text(st.characters(exclude_categories=("Cs", "Cc"))))
def test_fold_ignores_what_the_edge_drops(text: str) -> None:
    assert fold(line(text)) == " ".join(fold(text).split()) or not text.strip()


@pytest.mark.parametrize("bad", ["a\x16b", "a\x00b", "a\ud83db", "a\x7fb", "a\x85b"])
def test_a_line_refuses_control_characters_and_lone_surrogates(bad: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _Both(name=bad, body="")
    assert caught.value.errors()[0]["loc"] == ("name",)


def test_a_line_refuses_line_breaks_and_tabs_inside_but_a_passage_keeps_them() -> None:
    for bad in ("a\nb", "a\tb"):
        with pytest.raises(ValidationError):
            _Both(name=bad, body="")
    assert _Both(name="a", body="Điều 1.\tMục đích\r\nĐiều 2.").body == "Điều 1.\tMục đích\nĐiều 2."


def test_invisible_format_characters_are_dropped() -> None:
    for invisible in (
        "\u200b",
        "\u200c",
        "\u200d",
        "\u2060",
        "\ufeff",
        "\u00ad",
        "\u200e",
        "\u202e",
    ):
        assert line(f"Gò V{invisible}ấp") == "Gò Vấp"
        assert passage(f"Gò V{invisible}ấp") == "Gò Vấp"


def test_a_passage_keeps_paragraphs_and_tidies_spaces() -> None:
    typed = "  Điều 1.   Tên gọi  \r\n\r\n\r\n\r\n\r\n\r\nĐiều 2.\rPhạm vi   \n"
    assert passage(typed) == "Điều 1. Tên gọi\n\n\nĐiều 2.\nPhạm vi"


@pytest.mark.parametrize("d", ["Đ", "đ", "Ð", "ð", "Ɖ", "ɖ"])
def test_the_letters_people_use_for_d_fold_to_d(d: str) -> None:
    assert fold(f"{d}ổi mới") == "doi moi"


def test_a_zero_width_space_does_not_split_a_word() -> None:
    assert folded_words("Gò V\u200bấp") == ["go", "vap"]


def test_lengths_count_after_cleaning() -> None:
    # 160 letters and runs of spaces: the spaces collapse, so the name fits.
    name = "ab" + " " * 300 + "c" * 150
    assert len(StartupChanges(version=1, name=name).name or "") == 153


_STARTUP = {
    "name": "Gò Vấp Xanh",
    "summary": "Một dự án về nông nghiệp đô thị.",
    "sector": "agri",
    "stage": "idea",
    "ward": "go-vap",
}


def test_the_issue_cases_are_refused_at_the_contract_naming_the_field() -> None:
    cases: list[tuple[type[BaseModel], dict[str, object], str]] = [
        (StartupFields, {**_STARTUP, "name": "Gò Vấp \ud83d"}, "name"),
        (
            ConsultationDraft,
            {"startup_id": "s", "topics": ["vốn"], "message": "Xin tư vấn \ud83d nhé"},
            "message",
        ),
        (
            ConsultationDraft,
            {"startup_id": "s", "topics": ["v\x16n"], "message": "x" * 20},
            "topics",
        ),
        (
            ConsultationDraft,
            {"startup_id": "s", "topics": ["v\x00n"], "message": "x" * 20},
            "topics",
        ),
        (MentorProfile, {"expertise": ["vốn"], "monthly_capacity": 2, "bio": "\ud83d"}, "bio"),
    ]
    for model, data, field in cases:
        with pytest.raises(ValidationError) as caught:
            model.model_validate(data)
        assert caught.value.errors()[0]["loc"][0] == field


def test_competition_and_initiative_titles_refuse_a_lone_surrogate() -> None:
    with pytest.raises(ValidationError) as caught:
        CompetitionFields.model_validate({"title": "Cuộc thi \ud83d"})
    assert any(
        e["loc"] == ("title",) and e["type"] == "text_surrogate" for e in caught.value.errors()
    )
    with pytest.raises(ValidationError) as caught:
        InitiativeFields.model_validate({"title": "Sáng kiến \ud83d"})
    assert any(
        e["loc"] == ("title",) and e["type"] == "text_surrogate" for e in caught.value.errors()
    )


def test_a_summary_keeps_its_paragraphs() -> None:
    summary = "Đoạn một về dự án.\r\n\r\nĐoạn hai:\n1. Trồng rau\n2. Bán rau"
    fields = StartupFields.model_validate({**_STARTUP, "summary": summary})
    assert fields.summary == "Đoạn một về dự án.\n\nĐoạn hai:\n1. Trồng rau\n2. Bán rau"
