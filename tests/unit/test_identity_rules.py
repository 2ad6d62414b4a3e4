from __future__ import annotations

import pytest

from services.gateway.domain import (
    check_password,
    clean_text,
    normalise_email,
    normalise_phone,
)
from services.gateway.ratelimit import SlidingWindow
from shared.contracts.base import Invalid


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("0912345678", "+84912345678"),
        ("+84912345678", "+84912345678"),
        ("091 234 5678", "+84912345678"),
        ("0381.234.567", "+84381234567"),
    ],
)
def test_mobile_numbers_are_stored_e164(raw: str, stored: str) -> None:
    assert normalise_phone(raw) == stored


@pytest.mark.parametrize("raw", ["912345678", "0212345678", "+8491234567", "+1 555 0100", "abc"])
def test_other_numbers_are_refused(raw: str) -> None:
    with pytest.raises(Invalid):
        normalise_phone(raw)


def test_email_is_compared_case_insensitively() -> None:
    assert normalise_email("  Lan.Nguyen@Example.VN ") == "lan.nguyen@example.vn"


def test_text_is_nfc_and_trimmed() -> None:
    decomposed = "Nguye\u0302\u0303n  Thi\u0323 Lan "
    assert clean_text(decomposed) == "Nguyễn Thị Lan"


def test_password_needs_ten_characters() -> None:
    with pytest.raises(Invalid):
        check_password("ngắn-quá")
    check_password("đủ-mười-ký-tự")


def test_sliding_window_refuses_past_the_limit_and_frees_up_later() -> None:
    now = [0.0]
    window = SlidingWindow(3, 60.0, clock=lambda: now[0])
    assert [window.retry_after("ip:1") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert window.retry_after("ip:1") == pytest.approx(60.0)
    assert window.retry_after("ip:2") == 0.0
    now[0] = 61.0
    assert window.retry_after("ip:1") == 0.0
