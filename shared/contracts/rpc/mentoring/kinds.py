"""The bounded text kinds every mentoring contract is built from (DESIGN §7: a line or a
passage, with lengths; ids and codes that cannot carry an operator; HH:MM times of a slot)."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from shared.text import Line, Passage

HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
#: An end of a slot: any HH:MM, or 24:00 for midnight at the end of the day.
HHMM_END = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
#: An id (in a path or a body): a line, so no control character reaches a query.
Id = Annotated[Line, StringConstraints(min_length=1, max_length=64)]
Code = Annotated[
    str, StringConstraints(min_length=2, max_length=48, pattern=r"^[a-z0-9][a-z0-9\-]*$")
]


Text = Passage
