from __future__ import annotations

import unicodedata

import pytest

from shared.text import clean, fold, folded_words, tone_key


@pytest.mark.parametrize("query", ["doi moi", "ĐỔI MỚI", "Đổi Mới", "đổi mới", "DOI MOI"])
def test_folding_is_accent_case_and_d_insensitive(query: str) -> None:
    assert fold(query) == "doi moi"


def test_go_vap_folds_the_same_in_every_spelling() -> None:
    assert {fold("go vap"), fold("Gò Vấp"), fold("GO VAP")} == {"go vap"}


@pytest.mark.parametrize(
    ("old_style", "new_style"), [("hoà", "hòa"), ("thuỷ", "thủy"), ("khoẻ", "khỏe"), ("Hoá", "hóa")]
)
def test_both_tone_mark_placements_compare_equal(old_style: str, new_style: str) -> None:
    assert tone_key(old_style) == tone_key(new_style)


def test_tone_and_vowel_shape_still_count() -> None:
    assert tone_key("mới") != tone_key("mối")  # same tone, different vowel shape
    assert tone_key("mới") != tone_key("mời")  # same vowel, different tone
    assert tone_key("đổi") != tone_key("dổi")


def test_decomposed_input_is_stored_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "  Khởi   nghiệp ")
    assert clean(decomposed) == "Khởi nghiệp"
    assert unicodedata.is_normalized("NFC", clean(decomposed))


def test_words_split_on_punctuation() -> None:
    assert folded_words("Nông-nghiệp, công nghệ cao!") == ["nong", "nghiep", "cong", "nghe", "cao"]
