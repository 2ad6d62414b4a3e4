"""Certificates as people hold them (issue 17): the PDF, its QR code, and what the public
verification page shows.

- The PDF is made with fpdf2 and the embedded DejaVu Sans (every Vietnamese glyph; the
  Bitstream Vera / DejaVu licence ships beside it in `assets/`); fpdf2 embeds only the
  glyphs used, so a certificate weighs tens of kilobytes.
- The QR code (segno, error correction M) encodes `<public_base_url>/verify/{code}` and is
  drawn as vector squares, module by module, from segno's matrix.
- `find_certificate` asks the service the code's prefix names (`issuer_of`), so the JSON
  route, the PDF and the `/verify/{code}` page read a certificate the same way;
  `verification` is what that page shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import segno
from fpdf import FPDF

from services.gateway.deps import Services
from shared.contracts.base import NotFound
from shared.contracts.rpc.certificates import (
    CertificateView,
    GetCertificate,
    certificates_subject,
    issuer_of,
)
from shared.i18n import gettext
from shared.localtime import local_date

ASSETS = Path(__file__).parent / "assets"
FONT = ASSETS / "DejaVuSans.ttf"
FONT_BOLD = ASSETS / "DejaVuSans-Bold.ttf"
QR_ERROR = "m"


def verify_url(public_base_url: str, code: str) -> str:
    """The public verification page of `code`: `<base>/verify/<code>`."""
    return f"{public_base_url.rstrip('/')}/verify/{code}"


def qr_code(url: str) -> segno.QRCode:
    """The QR code of `url` (a full QR code, never a Micro QR; error correction M)."""
    return segno.make(url, error=QR_ERROR, micro=False)


async def find_certificate(rpc: Services, code: str) -> CertificateView:
    """The certificate with `code`, asked of the service its prefix names. Raises
    `RpcFailure` (`not_found`, `unavailable`) or `NotFound` for an unknown prefix."""
    service = issuer_of(code)
    if service is None:
        raise NotFound("không tìm thấy chứng nhận", code=code)
    return await rpc.call(GetCertificate(code=code), subject=certificates_subject(service, "get"))


def verification(certificate: CertificateView, locale: str = "vi") -> dict[str, Any]:
    """What the verification page shows: holder, what for, date, issuer and whether it is
    valid (and, when revoked, why and when); every word from the catalogue."""
    return {
        "code": certificate.code,
        "valid": certificate.valid,
        "status": gettext(
            "certificate.valid" if certificate.valid else "certificate.revoked", locale
        ),
        "holder": certificate.holder_name,
        "kind": gettext(f"enum.CertificateKind.{certificate.kind.value}", locale),
        "for": certificate.subject_title,
        "detail": certificate.detail,
        "issued_on": certificate.issued_on.strftime("%d/%m/%Y"),
        "issuer": certificate.issuer,
        "revoked_reason": certificate.revoked_reason,
        "revoked_on": (
            local_date(certificate.revoked_at).strftime("%d/%m/%Y")
            if certificate.revoked_at
            else None
        ),
    }


def render_pdf(certificate: CertificateView, url: str, locale: str = "vi") -> bytes:
    """The certificate as an A4 landscape PDF with its QR code opening `url`.

    Text is in `locale` from the catalogue, the holder's name as issued; a revoked
    certificate says so across the page."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_title(gettext("certificate.title", locale))
    pdf.set_creator("Gò Vấp InnoHub")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_font("DejaVu", "B", str(FONT_BOLD))
    pdf.add_page()
    width = pdf.w
    pdf.set_draw_color(20, 70, 140)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, width - 20, pdf.h - 20)

    def line(text: str, size: float, y: float, *, bold: bool = False) -> None:
        pdf.set_font("DejaVu", "B" if bold else "", size)
        pdf.set_xy(20, y)
        pdf.cell(width - 40, size * 0.5, text, align="C")

    pdf.set_text_color(20, 70, 140)
    line(gettext("certificate.title", locale), 30, 28, bold=True)
    pdf.set_text_color(0, 0, 0)
    line(gettext(f"certificate.kind.{certificate.kind.value}", locale), 15, 46)
    line(gettext("certificate.awarded_to", locale), 13, 62)
    line(certificate.holder_name, 24, 74, bold=True)
    line(certificate.subject_title, 15, 94)
    if certificate.detail:
        line(certificate.detail, 15, 106, bold=True)
    issued = gettext(
        "certificate.issued",
        locale,
        date=certificate.issued_on.strftime("%d/%m/%Y"),
        issuer=certificate.issuer,
    )
    line(issued, 12, 122)
    _draw_qr(pdf, qr_code(url), x=22, y=pdf.h - 62, size=40)
    pdf.set_font("DejaVu", "", 9)
    pdf.set_xy(66, pdf.h - 46)
    pdf.multi_cell(
        width - 90, 5, gettext("certificate.verify_at", locale, code=certificate.code, url=url)
    )
    if certificate.revoked:
        pdf.set_text_color(200, 0, 0)
        line(gettext("certificate.revoked", locale), 28, 138, bold=True)
    return bytes(pdf.output())


def _draw_qr(pdf: FPDF, qr: segno.QRCode, *, x: float, y: float, size: float) -> None:
    """Draw `qr` as filled squares (its 4-module quiet zone included) in a `size` mm square."""
    border = 4
    modules = len(qr.matrix) + 2 * border
    step = size / modules
    pdf.set_fill_color(0, 0, 0)
    for row, cells in enumerate(qr.matrix):
        for column, dark in enumerate(cells):
            if dark:
                pdf.rect(
                    x + (column + border) * step, y + (row + border) * step, step, step, style="F"
                )
