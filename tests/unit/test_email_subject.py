"""A Vietnamese email subject reaches the reader with every space (issue 13: the day-of-work
test read "đến vớiGò Vấp" in the welcome emails of staff accounts)."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from aiosmtplib.email import flatten_message

from services.notifications.delivery import Message, compose_email
from services.notifications.domain import Contact
from shared.contracts.base import Locale

SENDER = "InnoHub Gò Vấp <no-reply@innohub.local>"


@pytest.mark.parametrize(
    "title",
    [
        "Chào mừng Phan Thanh Tùng đến với Gò Vấp InnoHub",
        "Chào mừng Lê Thị Hồng 0 đến với Gò Vấp InnoHub",
        "Nhắc lịch: buổi tư vấn lúc 10:00 01/12/2026 cho dự án “Nông Sản Sạch Gò Vấp 2”",
        "Kết quả cuộc thi Khởi nghiệp Đổi mới Sáng tạo Gò Vấp: dự án của bạn xếp hạng 1/3",
        "Welcome to Gò Vấp InnoHub, Nguyễn Thị Lan",
    ],
)
def test_the_subject_and_sender_read_back_as_written(title: str) -> None:
    contact = Contact("u1", "lan@example.vn", "Nguyễn Thị Lan", "founder", Locale.VI)
    raw = flatten_message(compose_email(SENDER, contact, Message(title=title, body="Nội dung")))
    assert all(len(line) <= 78 for line in raw.split(b"\n\n")[0].splitlines())
    read = message_from_bytes(raw, policy=policy.default)
    assert str(read["Subject"]) == title
    assert str(read["From"]) == SENDER
    assert str(read["To"]) == "lan@example.vn"
    body = read.get_body()
    assert body is not None and "Nội dung" in body.get_content()


def test_an_email_sent_again_is_the_same_message_to_the_mail_system() -> None:
    """A copy that died between sending and recording sends the delivery again: the same
    Message-ID lets the recipient's mail system drop the second (SMTP has no exactly-once)."""
    contact = Contact("u1", "lan@example.vn", "Nguyễn Thị Lan", "founder", Locale.VI)

    def sent(key: str) -> str:
        email = compose_email(SENDER, contact, Message(title="Chào", body="Nội dung", key=key))
        return str(email["Message-ID"])

    assert sent("delivery-1") == sent("delivery-1")
    assert sent("delivery-1") != sent("delivery-2")
    assert sent("delivery-1").endswith("@innohub.local>")
    assert sent("") != sent("")  # nothing to name: a fresh id each time
