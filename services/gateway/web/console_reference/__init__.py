"""The Economic Division's (admin) reference-data editor (DESIGN §7: wards, schools, sectors
and organizations are data an admin edits, not constants).

`/console/admin/reference` lists wards (with the dates each was valid and its ward set),
sectors, schools and organizations (`listing`); linked pages add one of each and edit
one at the version the admin saw (`wards`, `sectors`, `schools`, `organizations`).

The views call the JSON API's own use cases (`routes/reference.py`: its request models,
their bounds, `ReferenceData.create/update` with the 409 on a stale version), never the
HTTP API, through the steps every kind shares (`editor`). Errors are shown next to their
field in the page's language with every value typed kept; a save redirects to the list
with `?saved=<code>` (POST-redirect-GET). Days are typed and shown dd/mm/yyyy (an ISO
`yyyy-mm-dd` is read too)."""

from __future__ import annotations

from fastapi import APIRouter

from services.gateway.web.console_reference import (
    listing,
    organizations,
    schools,
    sectors,
    wards,
)

router = APIRouter(include_in_schema=False)
for _module in (listing, wards, sectors, schools, organizations):
    router.include_router(_module.router)
