"""Filing an initiative (sáng kiến) in the web app (QA 13): `/initiatives/new` for any
signed-in person, with the dossier fields of `InitiativeFields` (Decree 13/2012) and its
authors with their shares in percent. The same RPC as `POST /api/v1/initiatives`
(`FileInitiative`); the competitions service checks the shares sum to 100 %, that it has
been applied and is not already protected as intellectual property."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import ValidationError

from services.gateway.access import ANYONE
from services.gateway.problems import field_errors
from services.gateway.web.forms import FormData, FormErrors
from services.gateway.web.kit import Web, WebRoute, web
from shared.contracts.rpc.competitions.initiatives import (
    FileInitiative,
    GetInitiative,
    InitiativeFields,
)
from shared.infra.broker import RpcFailure

router = APIRouter(include_in_schema=False, dependencies=[ANYONE], route_class=WebRoute)
Page = Annotated[Web, Depends(web)]
#: Rows of authors in the form (the contract allows up to 20).
AUTHOR_ROWS = 5
#: The dossier's text fields, in the order the form shows them: (name, kind of input).
DOSSIER = (
    ("title", "text"),
    ("unit", "text"),
    ("field", "text"),
    ("solution", "textarea"),
    ("novelty", "textarea"),
    ("applied_where", "text"),
    ("applied_since", "date"),
    ("economic_benefit", "textarea"),
    ("social_benefit", "textarea"),
)


def _authors(form: FormData) -> list[dict[str, Any]]:
    """The filled author rows, each with its share in percent (`,` or `.` decimals); a
    share left empty or not a number is sent as 0, which the contract refuses."""
    found = []
    for row in range(AUTHOR_ROWS):
        name = form.get(f"author_name_{row}")
        share = form.get(f"author_share_{row}")
        if not name and not share:
            continue
        try:
            number = float(share.replace(",", "."))
        except ValueError:
            number = 0.0
        found.append({"name": name, "share": number, "row": row})
    return found


def _errors(page: Web, error: Exception, authors: list[dict[str, Any]]) -> FormErrors:
    """A refusal as the form's errors; an author's error is shown on that author's row
    (`author_name_<row>`, `author_share_<row>`), a rule about all authors on the group."""
    errors = page.errors_of(error)
    if isinstance(error, ValidationError):
        for item in error.errors():
            loc = list(item.get("loc") or ())
            if loc[:1] != ["authors"]:
                continue
            errors.fields.pop("name", None)
            errors.fields.pop("share", None)
            if len(loc) >= 3 and isinstance(loc[1], int) and loc[1] < len(authors):
                row = authors[loc[1]]["row"]
                part = "share" if loc[2] == "share" else "name"
                if item.get("input") == "":
                    text = page.t("web.form.required", field=page.t(f"field.{part}"))
                else:
                    text = str(field_errors([item], page.locale)[0]["msg"])
                errors.fields[f"author_{part}_{row}"] = text
            else:
                errors.fields["authors"] = page.t("web.initiative.authors_needed")
    if errors.fields and not isinstance(error, RpcFailure):
        errors.summary = page.t("web.form.fix_errors")
    return errors


async def _render(page: Web, *, status: int = 200, **context: Any) -> Response:
    await page.load_unread()
    values: dict[str, Any] = {"form": {}, "errors": None, "filed": None}
    values.update(context)
    return page.render(
        "initiative_form.html",
        status=status,
        dossier=DOSSIER,
        author_rows=range(AUTHOR_ROWS),
        **values,
    )


@router.get("/initiatives/new")
async def initiative_form(page: Page, filed: str = "") -> Response:
    """The dossier form; `filed` (an initiative's id, after filing) shows it was received."""
    page.require()
    done = await page.try_call(GetInitiative(initiative_id=filed[:64])) if filed else None
    return await _render(page, filed=done)


@router.post("/initiatives/new")
async def file_initiative(page: Page) -> Response:
    """File the dossier; it waits for an organizer to name its council."""
    page.require()
    form = await page.form()
    authors = _authors(form)
    try:
        fields = InitiativeFields.model_validate(
            {
                **{name: form.get(name) for name, _ in DOSSIER},
                "applied_since": form.get("applied_since") or None,
                "authors": [{"name": a["name"], "share": a["share"]} for a in authors],
                "can_spread": form.flag("can_spread"),
                "ip_protected": form.flag("ip_protected"),
            }
        )
        created = await page.call(FileInitiative(initiative=fields))
    except (ValidationError, RpcFailure) as error:
        return await _render(
            page, status=422, form=form.kept(), errors=_errors(page, error, authors)
        )
    return page.redirect(f"/initiatives/new?filed={created.id}")
