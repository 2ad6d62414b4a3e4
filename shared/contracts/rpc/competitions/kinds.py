"""The bounded text and number kinds every competitions contract is built from (DESIGN §7:
a line or a passage, with lengths; ids and codes that cannot carry an operator)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from shared.text import Line, Passage

Text = Line
#: An id (in a path or a body): a line, so no control character reaches a query.
Id = Annotated[Line, StringConstraints(min_length=1, max_length=64)]
Code = Annotated[
    str, StringConstraints(min_length=2, max_length=48, pattern=r"^[a-z0-9][a-z0-9\-]*$")
]
Title = Annotated[Text, StringConstraints(min_length=3, max_length=200)]
LongText = Annotated[Passage, StringConstraints(min_length=1, max_length=5000)]
ShortText = Annotated[Text, StringConstraints(min_length=1, max_length=200)]
PersonName = Annotated[Text, StringConstraints(min_length=2, max_length=120)]
CriterionName = Annotated[Text, StringConstraints(min_length=1, max_length=80)]
Score = Annotated[float, Field(ge=-1000, le=1000, allow_inf_nan=False)]
PrizeLabel = Annotated[Text, StringConstraints(min_length=1, max_length=60)]
