"""Server-rendered charts of the district report (issue 16): pygal SVG, shown as an image
(`data:` URI, allowed by the page's CSP, no script) with its numbers as a table under it.

A chart is built from one breakdown of the report's JSON (`startups.by_ward`, ...), keyed by
the codes the JSON keeps and labelled with the JSON's own `labels`, so the table under the
chart shows exactly the report's figures (the browser tests compare them).
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass, field
from typing import Any

import pygal  # type: ignore[import-untyped]
from babel.numbers import format_decimal
from pygal.style import Style  # type: ignore[import-untyped]

from services.gateway.reports import percent

#: The breakdowns drawn, by section, in the order the dashboard shows them.
CHARTED: dict[str, tuple[str, ...]] = {
    "startups": ("by_ward", "by_sector", "by_stage"),
    "consultations": ("by_referral", "by_topic"),
    "competitions": ("winners_by_ward",),
    "clubs": ("coverage_by_ward", "coverage_by_level"),
    "initiatives": ("recognised_by_scope",),
    "events": ("by_kind", "attendees_by_ward"),
}
#: Figures that are shares of 1: drawn and shown as percentages.
SHARES = frozenset({"coverage_by_ward", "coverage_by_level"})
#: Plain colours with enough contrast on white (WCAG AA).
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1a1a1a",
    foreground_strong="#1a1a1a",
    foreground_subtle="#555555",
    colors=("#0b5394", "#b45f06", "#38761d", "#741b47"),
    font_family="sans-serif",
)


@dataclass
class Chart:
    """One chart: where its numbers come from in the report, its title, the SVG as a
    `data:` URI, and its rows (label, key, value as shown, raw value)."""

    section: str
    figure: str
    title: str
    image: str
    rows: list[tuple[str, str, str, float]] = field(default_factory=list)
    share: bool = False


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def shown(value: float, share: bool, locale: str = "vi") -> str:
    """A figure as the table shows it, as `locale` writes numbers (Babel): a count as an
    integer, a share as a percentage with one decimal ("12,5 %" in Vietnamese, "12.5%" in
    English), any other number with at most two decimals ("7,55")."""
    if share:
        return percent(value, locale)
    if value == int(value):
        return str(int(value))
    return format_decimal(value, format="#,##0.##", locale=locale)


def bar_chart(
    section: str,
    figure: str,
    values: dict[str, Any],
    title: str,
    names: dict[str, str],
    target: float | None = None,
    target_label: str = "",
    locale: str = "vi",
) -> Chart:
    """A horizontal bar chart of one breakdown (`values`: key → number); `names` labels the
    keys; `target` (a share) is drawn as a second series when given."""
    share = figure in SHARES
    keys = list(values)
    rows = [
        (
            names.get(key, key),
            key,
            shown(_number(values[key]), share, locale),
            _number(values[key]),
        )
        for key in keys
    ]
    chart = pygal.HorizontalBar(
        style=STYLE,
        width=640,
        height=max(160, 60 + 28 * len(keys)),
        show_legend=target is not None,
        legend_at_bottom=True,
        js=[],
        disable_xml_declaration=False,
        explicit_size=True,
        print_values=False,
        truncate_label=40,
        value_formatter=lambda v: shown(v, share, locale),
    )
    chart.x_labels = [row[0] for row in rows]
    if not share:
        # Counts: whole-number ticks only (pygal would draw 0.1, 0.2... for small counts).
        top = max([int(row[3]) for row in rows] + [1])
        step = max(1, math.ceil(top / 8))
        chart.y_labels = list(range(0, top + step, step))
    chart.add(title, [row[3] for row in rows])
    if target is not None:
        chart.add(target_label, [target for _ in rows])
    svg = chart.render(is_unicode=True)
    image = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return Chart(section=section, figure=figure, title=title, image=image, rows=rows, share=share)


def report_charts(
    report: dict[str, Any], sections: dict[str, str], target_label: str = "", locale: str = "vi"
) -> list[Chart]:
    """Every charted breakdown present in `report` (the district report's JSON, with its
    `labels`), in `CHARTED` order, titled with `sections` (section key → heading) and the
    figure's heading; sections missing from the report are skipped."""
    labels = report.get("labels") or {}
    headings = labels.get("headings") or {}
    charts: list[Chart] = []
    for section, figures in CHARTED.items():
        data = report.get(section)
        if not isinstance(data, dict):
            continue
        for figure in figures:
            values = data.get(figure)
            if not isinstance(values, dict) or not values:
                continue
            title = f"{sections.get(section, section)} — {headings.get(figure, figure)}"
            target = None
            if section == "clubs" and figure in SHARES and isinstance(data.get("target"), float):
                target = float(data["target"])
            names = {str(k): str(v) for k, v in (labels.get(figure) or {}).items()}
            charts.append(
                bar_chart(section, figure, values, title, names, target, target_label, locale)
            )
    return charts


#: The figures followed month by month, by chart: (section, figure) pairs.
TRENDS: dict[str, tuple[tuple[str, str], ...]] = {
    "startups": (("startups", "registered"), ("startups", "women_led"), ("startups", "youth_led")),
    "activity": (
        ("consultations", "requests"),
        ("consultations", "sessions_held"),
        ("competitions", "entries"),
    ),
}


@dataclass
class Trend:
    """A figure per month as a line chart: its title, the SVG as a `data:` URI, the series'
    (section, figure, heading) and one row per month (period, label, values or `None`)."""

    key: str
    title: str
    image: str
    series: list[tuple[str, str, str]]
    rows: list[tuple[str, str, list[float | None]]]


def trend_chart(
    key: str,
    title: str,
    months: list[tuple[str, str, dict[str, Any]]],
    headings: dict[str, str],
    locale: str = "vi",
) -> Trend:
    """A line chart of `TRENDS[key]` over `months` ((period, label, report JSON) in order);
    a section missing from a month's report is a gap (`None`), never a zero."""
    series = [(s, f, headings.get(f, f)) for s, f in TRENDS[key]]
    rows: list[tuple[str, str, list[float | None]]] = []
    for period, label, report in months:
        values: list[float | None] = []
        for section, figure, _ in series:
            data = report.get(section)
            value = data.get(figure) if isinstance(data, dict) else None
            values.append(_number(value) if value is not None else None)
        rows.append((period, label, values))
    chart = pygal.Line(
        style=STYLE,
        width=640,
        height=320,
        js=[],
        explicit_size=True,
        legend_at_bottom=True,
        truncate_legend=40,
        value_formatter=lambda v: shown(v, False, locale),
    )
    chart.x_labels = [label for _, label, _ in rows]
    top = max([int(v) for _, _, vs in rows for v in vs if v is not None] + [1])
    step = max(1, math.ceil(top / 8))
    chart.y_labels = list(range(0, top + step, step))
    for index, (_, _, heading) in enumerate(series):
        chart.add(heading, [values[index] for _, _, values in rows])
    svg = chart.render(is_unicode=True)
    image = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return Trend(key=key, title=title, image=image, series=series, rows=rows)
