"""Posted forms (issue 15): the fields as typed, and what went wrong with them, mapped onto
the form's fields in the reader's language (pydantic's errors, a service's problem, a
domain error, an identity failure, a gateway `Problem`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from services.gateway.problems import field_errors, from_rpc
from services.gateway.service import AuthFailure
from shared.contracts.base import DomainError
from shared.i18n import gettext, known
from shared.infra.broker import RpcFailure

if TYPE_CHECKING:
    # Types only: the page kit imports this module for its forms.
    from services.gateway.web.kit import Web

CSRF_FIELD = "csrf_token"
#: Form bodies are small: the edge middleware already caps every body (max_body_bytes).
MAX_FIELDS = 400


@dataclass
class FormData:
    """A posted urlencoded form: every value of each field, in order."""

    values: dict[str, list[str]] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        """The first value of `name`, stripped, or `default`."""
        found = self.values.get(name)
        return found[0].strip() if found else default

    def all(self, name: str) -> list[str]:
        """Every non-empty value of `name` (checkbox groups, repeated fields)."""
        return [value.strip() for value in self.values.get(name, []) if value.strip()]

    def flag(self, name: str) -> bool:
        """Whether a checkbox `name` was ticked."""
        return name in self.values

    def optional(self, name: str) -> str | None:
        """The value of `name`, or `None` when it is empty."""
        return self.get(name) or None

    def kept(self) -> dict[str, str | list[str]]:
        """What the person typed, to fill the form again after an error (never a password)."""
        return {
            key: (values if len(values) > 1 else values[0])
            for key, values in self.values.items()
            if "password" not in key and key != CSRF_FIELD
        }


@dataclass
class FormErrors:
    """What went wrong with a form: a summary and messages by field name."""

    summary: str = ""
    fields: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.summary or self.fields)


def form_errors(error: Exception, locale: str) -> FormErrors:
    """A failed call as a form's errors, in `locale`: pydantic's errors by field, a
    service's or the identity's problem detail with its `field`. Raises `error` itself
    when it is none of those."""
    if isinstance(error, ValidationError):
        found = FormErrors(summary=gettext("web.form.fix_errors", locale))
        raw = list(error.errors())
        for item, source in zip(field_errors(raw, locale), raw, strict=True):
            name = str(item["field"])
            if source.get("input") == "":
                # An empty field or an unchosen option: say it is needed, not its rules.
                label = gettext(f"field.{name}", locale) if known(f"field.{name}") else ""
                item["msg"] = gettext("web.form.required", locale, field=label or name)
            found.fields.setdefault(name, str(item["msg"]))
        return found
    if isinstance(error, RpcFailure):
        problem = from_rpc(error)
        details: Mapping[str, Any] = problem.extra.get("details") or {}
        detail = problem.detail or ""
        text = gettext(detail, locale, **dict(details)) if known(detail) else detail
        text = text or gettext(f"problem.{problem.code}", locale)
        found = FormErrors(summary=text)
        if details.get("field"):
            found.fields[str(details["field"])] = text
        if problem.code == "conflict":
            found.summary = f"{gettext('web.form.conflict', locale)} {text}".strip()
        return found
    if isinstance(error, DomainError):
        text = (
            gettext(error.message, locale, **error.details)
            if known(error.message)
            else error.message
        )
        found = FormErrors(summary=text)
        if error.details.get("field"):
            found.fields[str(error.details["field"])] = text
        return found
    if isinstance(error, AuthFailure):
        return FormErrors(summary=gettext(f"problem.{error.code}", locale))
    raise error


def problem_errors(page: Web, problem: Any) -> FormErrors:
    """A gateway `Problem` (raised by the JSON API's own use cases: accounts, the report's
    lock) as a form's errors: its detail in the page's locale, and the same text next to
    each field its `errors` name (`loc` = ["body", "<field>"])."""
    detail = str(problem.detail or "")
    params = dict(problem.params or {})
    text = (
        gettext(detail, page.locale, **params)
        if known(detail)
        else detail or gettext(f"problem.{problem.code}", page.locale)
    )
    found = FormErrors(summary=text)
    for item in problem.extra.get("errors") or []:
        loc = [str(part) for part in item.get("loc", []) if part != "body"]
        if loc:
            found.fields[".".join(loc)] = text
    return found
