"""The public adoption dashboard at /adoption/ (no sign-in).

It shows the published figures (`metrics_selectors`): the same numbers as the open data
at /api/v1/adoption/ and the yearly report. Filters: `?date=YYYY-MM-DD` and one of
`?sector=`, `?country=`, `?size_band=` (the form sends them as `?segment=sector:energy`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from accord.accounts.countries import country_name
from accord.figures import selectors as figures_of
from accord.figures.charts import (
    LineChart,
    framework_chart,
    norm_chart,
    percent,
    responsive_line_chart_svg,
)
from accord.figures.metrics import DIMENSIONS, STATUSES
from accord.figures.models import Dimension
from accord.figures.selectors import (
    Figures,
    InvalidFilter,
    NoFigures,
    Row,
    Segment,
    Timeseries,
)
from accord.figures.suppression import THRESHOLD


@dataclass(frozen=True)
class ChartBlock:
    """A chart with the table of its numbers: one row per day, one column per line.

    The table's rows are rendered here, not in the template: with a point per week
    and a column per norm they are thousands of cells, which the template language
    renders an order of magnitude slower.
    """

    ident: str
    svg: SafeString
    columns: list[str]
    body: SafeString


@dataclass(frozen=True)
class FrameworkBlock:
    title: str
    chart: ChartBlock
    norms: list[Row]


def dashboard(request: HttpRequest) -> HttpResponse:
    """Headline figures, adoption over time per framework and norm, per-practice table."""
    try:
        day, segment = _parse(request)
        figures = figures_of.adoption_figures(day=day, segment=segment)
        charted = [row.key for row in (*figures.frameworks, *figures.norms)]
        series = figures_of.adoption_timeseries(segment=segment, end=figures.day, subjects=charted)
        disclosure = figures_of.disclosure_figures(day=figures.day, segment=segment)
    except InvalidFilter as exc:
        return _problem(request, str(exc), status=exc.http_status)
    except NoFigures as exc:
        return _problem(request, str(exc), status=404 if request.GET.get("date") else 200)
    context = {
        **_base_context(figures.day),
        "figures": figures,
        "disclosure": disclosure,
        "segment": segment,
        "frameworks_chart": _chart_block("frameworks", framework_chart(series)),
        "framework_blocks": _framework_blocks(figures, series),
    }
    return render(request, "figures/dashboard.html", context)


def _parse(request: HttpRequest) -> tuple[date | None, Segment]:
    raw_day = request.GET.get("date", "").strip()
    try:
        day = date.fromisoformat(raw_day) if raw_day else None
    except ValueError as exc:
        raise InvalidFilter(
            f"{raw_day[:40]!r} is not a date: use YYYY-MM-DD.", field="date"
        ) from exc
    filters = {dim: request.GET.get(dim, "") for dim in DIMENSIONS}
    chosen = request.GET.get("segment", "")
    if chosen:
        dimension, _, value = chosen.partition(":")
        if dimension not in filters:
            raise InvalidFilter("Choose a sector, a country or a size band.", field="segment")
        filters[dimension] = filters[dimension] or value
    return day, Segment.from_filters(**filters)


def _base_context(day: date | None) -> dict[str, Any]:
    span = figures_of.kept_range()
    choices = figures_of.segment_choices(day=day) if day else {}
    return {
        "span": span,
        "statuses": STATUSES,
        "threshold": THRESHOLD,
        "segment_groups": [
            (Dimension(dim).label, dim, _named(dim, choices.get(dim, []))) for dim in DIMENSIONS
        ],
    }


def _named(dimension: str, values: list[str]) -> list[tuple[str, str]]:
    """(value, what the filter shows): countries by name, in the order of their names."""
    if dimension != Dimension.COUNTRY:
        return [(value, value) for value in values]
    return sorted(((value, country_name(value)) for value in values), key=lambda pair: pair[1])


def _problem(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    context = {**_base_context(None), "problem": message, "segment": Segment()}
    return render(request, "figures/dashboard.html", context, status=status)


def _chart_block(ident: str, chart: LineChart) -> ChartBlock:
    body = format_html_join(
        "",
        '<tr><th scope="row">{}</th>{}</tr>',
        (
            (
                day.isoformat(),
                format_html_join(
                    "", "<td>{}</td>", ((percent(s.values[i]),) for s in chart.series)
                ),
            )
            for i, day in enumerate(chart.days)
        ),
    )
    return ChartBlock(
        ident=ident,
        svg=responsive_line_chart_svg(chart, chart_id=f"chart-{ident}"),
        columns=[series.label for series in chart.series],
        body=body,
    )


def _framework_blocks(figures: Figures, series: Timeseries) -> list[FrameworkBlock]:
    blocks = []
    for framework in figures.frameworks:
        norms = [row for row in figures.norms if row.key.startswith(f"norm:{framework.id}:")]
        chart = norm_chart(series, framework.group, [row.key for row in norms])
        blocks.append(
            FrameworkBlock(framework.title, _chart_block(f"fw-{framework.id}", chart), norms)
        )
    return blocks


urlpatterns: list[URLPattern] = [
    path("", dashboard, name="dashboard"),
]
