"""Certificate pages (issue 17, DESIGN §9 `/verify/{code}`): the public verification page
(holder, what for, date, issuer, valid or revoked with the reason; a clear page for an
unknown code) with a link to the PDF, the reader's `/me/certificates`, and the organizer's
revocation form. The code's prefix names the issuer, as in `routes/certificates.py`."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import ValidationError

from services.gateway.access import ANYONE
from services.gateway.certificates import verification
from services.gateway.deps import Services
from services.gateway.routes.certificates import ISSUERS, MAX_LISTED
from services.gateway.web.kit import Web, web
from services.gateway.web.units import organization_names
from shared.contracts.base import ErrorCode, Role
from shared.contracts.rpc.certificates import (
    CertificateView,
    GetCertificate,
    ListMyCertificates,
    RevokeCertificate,
    certificates_subject,
    issuer_of,
)
from shared.infra.broker import RpcFailure

router = APIRouter(include_in_schema=False, dependencies=[ANYONE])
Page = Annotated[Web, Depends(web)]
#: The shape of a code (`CertificateCode`): checked before any service is asked.
CODE = re.compile(r"^(CT|EV)-[A-Z2-7]{24}$")
#: Who may revoke (the service checks that they organize what it certifies).
REVOKERS = (Role.ORGANIZER, Role.ASSOCIATION_STAFF, Role.ADMIN)


async def _find(page: Web, code: str) -> CertificateView | None:
    """The certificate with `code` from its issuer, or None when there is none.
    Raises `RpcFailure` when the issuer does not answer."""
    code = code.strip().upper()
    service = issuer_of(code)
    if not CODE.match(code) or service is None:
        return None
    try:
        return await Services(page.request).call(
            GetCertificate(code=code), subject=certificates_subject(service, "get")
        )
    except RpcFailure as failure:
        if failure.code == ErrorCode.NOT_FOUND:
            return None
        raise


@router.get("/verify/{code}")
async def verify(code: str, page: Page) -> Response:
    """Anyone checks a certificate: valid, or revoked with why; 404 for an unknown code."""
    await page.load_unread()
    found = await _find(page, code[:40])
    if found is None:
        return page.render("certificates/unknown.html", status=404, code=code[:40])
    shown = verification(found, page.locale)
    shown["issuer"] = await organization_names(page.request, found.issuer)
    return page.render("certificates/verify.html", shown=shown, certificate=found)


@router.get("/me/certificates")
async def my_certificates(page: Page) -> Response:
    """The reader's certificates from every issuer, newest first, with their PDFs."""
    actor = page.require()
    await page.load_unread()
    found: list[CertificateView] = []
    missing = False
    for service in ISSUERS:
        request = ListMyCertificates(user_id=actor.id, page=1, page_size=MAX_LISTED)
        try:
            listed = await Services(page.request).call(
                request, subject=certificates_subject(service, "mine")
            )
        except RpcFailure:
            missing = True
            continue
        found.extend(listed.items)
    found.sort(key=lambda c: (c.issued_on, c.code), reverse=True)
    return page.render("certificates/mine.html", certificates=found, missing=missing)


async def _revoke_page(
    page: Web, certificate: CertificateView, *, errors: object = None, status: int = 200
) -> Response:
    await page.load_unread()
    return page.render(
        "certificates/revoke.html",
        status=status,
        certificate=certificate,
        shown=verification(certificate, page.locale),
        form={},
        errors=errors,
    )


@router.get("/certificates/{code}/revoke")
async def revoke_form(code: str, page: Page) -> Response:
    """The revocation form: the certificate and a reason to give."""
    page.require(*REVOKERS)
    found = await _find(page, code[:40])
    if found is None:
        return page.render("certificates/unknown.html", status=404, code=code[:40])
    return await _revoke_page(page, found)


@router.post("/certificates/{code}/revoke")
async def revoke(code: str, page: Page) -> Response:
    """Revoke with the reason (the organizer of what it certifies; others are refused)."""
    page.require(*REVOKERS)
    form = await page.form()
    found = await _find(page, code[:40])
    if found is None:
        return page.render("certificates/unknown.html", status=404, code=code[:40])
    service = issuer_of(found.code) or ""
    try:
        await Services(page.request).call(
            RevokeCertificate(code=found.code, reason=form.get("reason")),
            subject=certificates_subject(service, "revoke"),
        )
    except (ValidationError, RpcFailure) as error:
        errors = page.errors_of(error)
        errors.fields.setdefault("reason", errors.summary)
        return await _revoke_page(page, found, errors=errors, status=422)
    return page.redirect(f"/verify/{found.code}")
