"""A certificate's PDF (issue 17): opened with a PDF reader, it carries the holder's name
with its diacritics; the QR code drawn on it is segno's code of the verification URL,
module for module; a revoked one says so; codes are random; the font has every
Vietnamese letter and ships with its licence."""

from __future__ import annotations

import io
import re
import time
from datetime import UTC, date, datetime

import pypdf
from fontTools.ttLib import TTFont

from services.gateway.certificates import (
    ASSETS,
    FONT,
    FONT_BOLD,
    qr_code,
    render_pdf,
    verification,
    verify_url,
)
from shared.contracts.rpc.certificates import CertificateView, issuer_of, new_certificate_code
from shared.infra.logging import get_logger

log = get_logger(__name__)
VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
)
NAME = "Nguyễn Thị Ngọc Ánh — Xanh Gò Vấp"


def certificate(**extra: object) -> CertificateView:
    data: dict[str, object] = {
        "code": new_certificate_code("CT"),
        "kind": "winner",
        "holder_id": "u-1",
        "holder_name": NAME,
        "subject_id": "c-1",
        "subject_title": "Cuộc thi Khởi nghiệp Thanh niên Gò Vấp 2026",
        "detail": "Giải Nhất",
        "issuer": "Đoàn Thanh niên",
        "issued_on": date(2026, 11, 30),
        **extra,
    }
    return CertificateView.model_validate(data)


def drawn_modules(pdf: bytes) -> set[tuple[int, int]]:
    """The dark squares of the QR code, read back from the page's drawing operators."""
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    stream = page.get_contents()
    assert stream is not None
    ops = re.findall(rb"(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re f", stream.get_data())
    squares = [(float(x), float(y), float(w)) for x, y, w, _ in ops]
    step = min(w for _, _, w in squares)
    qr = [(x, y) for x, y, w in squares if abs(w - step) < 1e-3]
    left, top = min(x for x, _ in qr), max(y for _, y in qr)
    return {(round((top - y) / step), round((x - left) / step)) for x, y in qr}


def test_the_pdf_names_the_holder_with_diacritics_and_links_the_verification_page() -> None:
    cert = certificate()
    url = verify_url("https://innohub.govap.gov.vn/", cert.code)
    started = time.perf_counter()
    pdf = render_pdf(cert, url)
    elapsed_ms = (time.perf_counter() - started) * 1000
    log.info("certificate.measured", bytes=len(pdf), milliseconds=round(elapsed_ms, 1))

    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert NAME in text
    assert "GIẤY CHỨNG NHẬN" in text and "Giải Nhất" in text and "30/11/2026" in text
    assert url == f"https://innohub.govap.gov.vn/verify/{cert.code}"
    assert url in text.replace("\n", "")
    assert len(pdf) < 200_000  # only the glyphs used are embedded


def test_the_qr_code_on_the_page_is_the_code_of_the_verification_url() -> None:
    cert = certificate()
    url = verify_url("https://innohub.govap.gov.vn", cert.code)
    expected = {
        (row, column)
        for row, cells in enumerate(qr_code(url).matrix)
        for column, dark in enumerate(cells)
        if dark
    }
    drawn = drawn_modules(render_pdf(cert, url))
    # the drawing is anchored at its first dark module (the finder pattern's corner)
    assert drawn == expected
    other = qr_code(verify_url("https://innohub.govap.gov.vn", new_certificate_code("CT")))
    assert expected != {
        (r, c) for r, cells in enumerate(other.matrix) for c, dark in enumerate(cells) if dark
    }


def test_a_revoked_certificate_says_so_on_paper_and_on_the_page() -> None:
    cert = certificate(
        revoked=True, revoked_reason="Nhầm người nhận", revoked_at=datetime(2026, 12, 1, tzinfo=UTC)
    )
    text = pypdf.PdfReader(io.BytesIO(render_pdf(cert, "https://x.vn/verify/c"))).pages[0]
    assert "ĐÃ THU HỒI" in text.extract_text()
    shown = verification(cert)
    assert shown["valid"] is False and shown["status"] == "ĐÃ THU HỒI"
    assert shown["revoked_reason"] == "Nhầm người nhận"
    assert verification(certificate(), "en")["status"] == "Valid"


def test_codes_are_random_and_name_their_issuer() -> None:
    codes = {new_certificate_code("CT") for _ in range(1000)}
    assert len(codes) == 1000
    assert all(re.fullmatch(r"CT-[A-Z2-7]{24}", code) for code in codes)
    assert issuer_of(next(iter(codes))) == "competitions"
    assert issuer_of("EV-" + "A" * 24) == "events"


def test_the_shipped_font_has_every_vietnamese_letter_and_its_licence() -> None:
    for path in (FONT, FONT_BOLD):
        cmap = TTFont(path).getBestCmap()
        letters = set(VIETNAMESE + VIETNAMESE.upper())
        assert sorted(c for c in letters if ord(c) not in cmap) == []
    assert "Bitstream" in (ASSETS / "DejaVu-LICENSE.txt").read_text("utf-8")
