"""The bounded kinds every events-service contract is built from (DESIGN §7: a line or a
passage with lengths, codes that cannot carry an operator) and the capacity bounds of an
event (issue 18)."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from shared.text import Line, Passage

#: Capacity bounds of an event (issue 18).
MIN_CAPACITY = 1
MAX_CAPACITY = 10_000
MAX_SITTINGS = 30

Title = Annotated[Line, StringConstraints(min_length=3, max_length=200)]
Description = Annotated[Passage, StringConstraints(max_length=5000)]
Place = Annotated[Line, StringConstraints(min_length=2, max_length=300)]
Link = Annotated[
    str, StringConstraints(min_length=10, max_length=500, pattern=r"^https://[^\s<>\"']+$")
]
#: A reference-data code (ward, organization): lower-case letters, digits, hyphens and
#: underscores (the plan's units are `youth_union`, `business_association`, ...).
Code = Annotated[
    str, StringConstraints(min_length=2, max_length=48, pattern=r"^[a-z0-9][a-z0-9_\-]*$")
]
EventId = Annotated[Line, StringConstraints(min_length=1, max_length=64)]
#: A ticket code as typed or scanned (16 base32 characters; spaces, hyphens and case are
#: forgiven by the service).
TicketCode = Annotated[Line, StringConstraints(min_length=4, max_length=40)]
Reason = Annotated[Passage, StringConstraints(min_length=3, max_length=1000)]
