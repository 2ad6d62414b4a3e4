"""Certificates (DESIGN §9): one's own, the public JSON and PDF by code, revocation.

The code's prefix names the issuing service (`CT-` competitions, `EV-` events); the gateway
asks that one alone. `GET /me/certificates` merges both issuers' lists; an events service
that does not answer (not deployed, or down) counts as no certificates from it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field, StringConstraints

from services.gateway.access import ANYONE, SIGNED_IN, allow
from services.gateway.certificates import find_certificate, render_pdf, verify_url
from services.gateway.deps import CurrentUser, OptionalUser, Paging, Rpc, State
from services.gateway.problems import request_locale
from shared.contracts.base import ErrorCode, NotFound, Page, Role
from shared.contracts.rpc.certificates import (
    CertificateCode,
    CertificateKind,
    CertificateView,
    ListMyCertificates,
    RevokeCertificate,
    certificates_subject,
    issuer_of,
)
from shared.infra.broker import RpcFailure
from shared.text import Line

router = APIRouter(tags=["certificates"])

#: The services that issue certificates, asked for one's own list.
ISSUERS = ("competitions", "events")
#: How many of one's certificates each issuer is asked for at most.
MAX_LISTED = 100

Code = Annotated[CertificateCode, Path(description="CT-… or EV-… and 24 base32 characters")]


class CertificateOut(BaseModel):
    """A certificate as `CertificateView` with `valid` spelled out; `holder_id` only for
    its holder."""

    code: str
    kind: CertificateKind
    holder_id: str | None = None
    holder_name: str
    subject_id: str
    subject_title: str
    detail: str | None = None
    issuer: str
    issued_on: date
    valid: bool = Field(description="False once revoked")
    revoked_reason: str | None = None
    revoked_at: datetime | None = None


class Revocation(BaseModel):
    """Why a certificate is revoked."""

    reason: Annotated[Line, StringConstraints(min_length=3, max_length=500)]


def _out(certificate: CertificateView, viewer_id: str | None) -> CertificateOut:
    shown = certificate.holder_id if viewer_id and viewer_id == certificate.holder_id else None
    return CertificateOut.model_validate(
        {**certificate.model_dump(), "holder_id": shown, "valid": certificate.valid}
    )


@router.get("/me/certificates", dependencies=[SIGNED_IN])
async def my_certificates(rpc: Rpc, user: CurrentUser, paging: Paging) -> Page[CertificateOut]:
    """One's certificates from every issuer, newest first (at most 100 from each)."""
    found: list[CertificateView] = []
    for service in ISSUERS:
        request = ListMyCertificates(user_id=user.id, page=1, page_size=MAX_LISTED)
        try:
            page = await rpc.call(request, subject=certificates_subject(service, "mine"))
        except RpcFailure as failure:
            if service != "competitions" and failure.code == ErrorCode.UNAVAILABLE:
                continue  # the events service is not there: none from it
            raise
        found.extend(page.items)
    found.sort(key=lambda c: (c.issued_on, c.code), reverse=True)
    start = (paging.page - 1) * paging.page_size
    items = [_out(c, user.id) for c in found[start : start + paging.page_size]]
    return Page[CertificateOut](
        items=items, total=len(found), page=paging.page, page_size=paging.page_size
    )


@router.get(
    "/certificates/{code}.pdf",
    dependencies=[ANYONE],
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def certificate_pdf(code: Code, rpc: Rpc, state: State, request: Request) -> Response:
    """The certificate as a PDF with a QR code opening its public verification page."""
    certificate = await find_certificate(rpc, code)
    url = verify_url(state.settings.public_base_url, code)
    body = render_pdf(certificate, url, await request_locale(request))
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{code}.pdf"'},
    )


@router.get("/certificates/{code}", dependencies=[ANYONE])
async def certificate(code: Code, rpc: Rpc, user: OptionalUser) -> CertificateOut:
    """Anyone may check a certificate by its code: holder, what for, date, issuer and
    whether it is valid; the holder's account id only to the holder."""
    return _out(await find_certificate(rpc, code), user.id if user else None)


@router.post(
    "/certificates/{code}/revoke",
    dependencies=[allow(Role.ORGANIZER, Role.ASSOCIATION_STAFF, Role.ADMIN)],
)
async def revoke_certificate(
    code: Code, body: Revocation, rpc: Rpc, user: CurrentUser
) -> CertificateOut:
    """The organizer of what it certifies revokes it with a reason (403 for others)."""
    service = issuer_of(code)
    if service is None:
        raise NotFound("không tìm thấy chứng nhận", code=code)
    revoked = await rpc.call(
        RevokeCertificate(code=code, reason=body.reason),
        subject=certificates_subject(service, "revoke"),
    )
    return _out(revoked, user.id)
