"""What every page is rendered with (DESIGN §7/§10): the Jinja2 environment, autoescape on
for every template, and its filters writing times, days and numbers the Vietnamese way
(`dd/mm/yyyy` in Asia/Ho_Chi_Minh, a decimal comma in Vietnamese); the static folder.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, pass_context
from jinja2.runtime import Context

from shared.localtime import HCMC

HERE = Path(__file__).parent
STATIC = HERE / "static"

templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


def local_time(moment: datetime | None, with_time: bool = True) -> str:
    """`dd/mm/yyyy HH:MM` (or the date alone) in Asia/Ho_Chi_Minh (DESIGN §7)."""
    if moment is None:
        return ""
    local = moment.astimezone(HCMC) if moment.tzinfo else moment.replace(tzinfo=HCMC)
    return local.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")


templates.filters["local"] = local_time


def local_day(value: date | datetime | str | None) -> str:
    """A day as `dd/mm/yyyy` (DESIGN §7): a `date`, an ISO `YYYY-MM-DD` string, or an
    instant (its day in Asia/Ho_Chi_Minh); empty for `None`, any other text as it is."""
    if value is None or value == "":
        return ""
    moment: date
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
    else:
        moment = value
    if isinstance(moment, datetime):
        return local_time(moment, with_time=False)
    return moment.strftime("%d/%m/%Y")


templates.filters["day"] = local_day


@pass_context
def decimal_number(context: Context, value: float | int | None, digits: int = 2) -> str:
    """A number as the page's language writes it, at most `digits` decimals: "7,55" and
    "12,5" in Vietnamese, "7.55" in English (Babel; DESIGN §7). Not for `<input
    type=number>` values, which HTML wants with a dot."""
    if value is None:
        return ""
    pattern = "#,##0." + "#" * digits if digits else "#,##0"
    return format_decimal(value, format=pattern, locale=context.get("locale") or "vi")


templates.filters["decimal"] = decimal_number
