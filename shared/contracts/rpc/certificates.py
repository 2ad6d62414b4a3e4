"""Certificates: one shape, whichever service issues them (DESIGN §9 "certificates").

Competitions issue certificates to winners, participants and judges; events issue
certificates of attendance. Each issuing service stores its own and answers the RPCs below
on its own subject (`certificates_subject(service, verb)`). The code says which service
holds a certificate by its prefix (`CERTIFICATE_ISSUERS`), so the gateway knows whom to ask
for `GET /certificates/{code}` and `/verify/{code}` without asking everyone.

The code is the credential a verifier types or scans: 120 random bits in RFC 4648 base32
(A–Z and 2–7, so no 0/O or 1/l to confuse), unguessable and short enough to type from paper.
"""

from __future__ import annotations

import base64
import secrets
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from shared.contracts.base import Page, RpcRequest
from shared.text import Line

#: Code prefix → the service that issued (and verifies) certificates with it.
CERTIFICATE_ISSUERS: dict[str, str] = {"CT": "competitions", "EV": "events"}

#: `CT-` or `EV-` and 24 base32 characters (120 bits).
CertificateCode = Annotated[
    str, StringConstraints(min_length=27, max_length=27, pattern=r"^(CT|EV)-[A-Z2-7]{24}$")
]


class CertificateKind(StrEnum):
    """What the certificate says its holder did."""

    WINNER = "winner"
    PARTICIPANT = "participant"
    JUDGE = "judge"
    ATTENDEE = "attendee"


class CertificateView(BaseModel):
    """One certificate as its holder, a verifier and the PDF see it.

    `holder_id` is the account it was issued to (None for a school team); the gateway shows
    it only to the holder. `subject_title` is what it is for (a competition's or an event's
    title), `detail` a line such as the prize ("Giải Nhất") or the sittings attended ("3/3").
    Dates are the local day in Asia/Ho_Chi_Minh.
    """

    code: str
    kind: CertificateKind
    holder_id: str | None = None
    holder_name: str
    subject_id: str
    subject_title: str
    detail: str | None = None
    issuer: str
    issued_on: date
    revoked: bool = False
    revoked_reason: str | None = None
    revoked_at: datetime | None = None

    @property
    def valid(self) -> bool:
        """A certificate is valid until it is revoked."""
        return not self.revoked


class GetCertificate(RpcRequest[CertificateView]):
    """One certificate by its code; `not_found` when the issuer has none with that code."""

    subject = "rpc.*.certificates.get"

    code: CertificateCode


class ListMyCertificates(RpcRequest[Page[CertificateView]]):
    """The certificates issued to one account (the actor's own), newest first."""

    subject = "rpc.*.certificates.mine"

    user_id: Annotated[Line, StringConstraints(min_length=1, max_length=64)]
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(20, ge=1, le=100)


class RevokeCertificate(RpcRequest[CertificateView]):
    """Revoke a certificate with a reason (its organizer only; `forbidden` otherwise).
    Revoking twice keeps the first reason and answers the certificate as it is."""

    subject = "rpc.*.certificates.revoke"

    code: CertificateCode
    reason: Annotated[Line, StringConstraints(min_length=3, max_length=500)]


def certificates_subject(service: str, verb: str) -> str:
    """`rpc.<service>.certificates.<verb>` (`get`, `mine`, `revoke`)."""
    return f"rpc.{service}.certificates.{verb}"


def new_certificate_code(prefix: str) -> str:
    """A fresh code for `prefix` (a key of `CERTIFICATE_ISSUERS`): 120 random bits.

    Raises `ValueError` for an unknown prefix."""
    if prefix not in CERTIFICATE_ISSUERS:
        raise ValueError(f"unknown certificate prefix {prefix!r}")
    return f"{prefix}-{base64.b32encode(secrets.token_bytes(15)).decode()}"


def issuer_of(code: str) -> str | None:
    """The service that holds a certificate with this code, or None for an unknown prefix."""
    return CERTIFICATE_ISSUERS.get(code.split("-", 1)[0])
