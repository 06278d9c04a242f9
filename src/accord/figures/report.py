"""The coalition's yearly adoption report, as HTML or PDF (`accord report`).

Its figures are the published ones (`metrics_selectors`), so they are the dashboard's
and the open data's for the same day: the end of the year, or the latest day kept when
the year is not over. Changes are against the end of the previous year. The PDF is
drawn with ReportLab: the same text and tables, and the charts from the same layout
as the SVG ones (`charts.layout_*`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from accord import __version__
from accord.figures import charts
from accord.figures import selectors as figures_of
from accord.figures.metrics import STATUSES
from accord.figures.selectors import Figures, NoFigures, Row
from accord.figures.suppression import THRESHOLD

__all__ = ["NoFigures", "Report", "build_report", "render_report_html", "render_report_pdf"]

LIMITS = [
    "Whether a practice is carried out well: only whether it is proven as the catalogue "
    "asks (an automated check, a reviewed document, an attestation).",
    "Organisations outside the coalition, and members that left: their records leave with "
    "them, so earlier figures are recomputed without them when snapshots are rebuilt.",
    "Why an organisation lapsed, or why it has not committed.",
    "Past sectors, countries or size bands of organisations that changed them: figures "
    "use the current ones.",
    f"Anything about groups of fewer than {THRESHOLD} organisations, by design.",
    "Cause and effect: a rise in adoption may follow the coalition's work or other "
    "pressures (regulation, customers) alike.",
]


@dataclass(frozen=True)
class NormLine:
    """One norm's figures at the end of the year, and its change in verified share."""

    row: Row
    verified_change: float | None  # percentage points; None when not computable


@dataclass(frozen=True)
class FrameworkSection:
    row: Row
    chart: charts.LineChart
    norms: list[NormLine]


@dataclass(frozen=True)
class Change:
    label: str
    now: str
    before: str
    change: str


@dataclass(frozen=True)
class Report:
    year: int
    instance_name: str
    generated_on: date
    figures: Figures
    previous: Figures | None
    partial_year: bool
    first_day: date
    frameworks_chart: charts.LineChart
    frameworks_bars: charts.BarChart
    sections: list[FrameworkSection]
    changes: list[Change]
    limits: list[str]


def build_report(*, year: int) -> Report:
    """Gather the published figures for the report of `year`.

    Raises NoFigures when no day of the year has figures.
    """
    span = figures_of.kept_range()
    if span is None or not date(year, 1, 1) <= span[1] or span[0] > date(year, 12, 31):
        kept = f" (figures are kept from {span[0]} to {span[1]})" if span else ""
        raise NoFigures(f"No adoption figures for {year}{kept}.")
    day = min(date(year, 12, 31), span[1])
    figures = figures_of.adoption_figures(day=day)
    before = date(year - 1, 12, 31)
    previous = figures_of.adoption_figures(day=before) if span[0] <= before else None
    series = figures_of.adoption_timeseries(
        start=max(date(year, 1, 1), span[0]), end=day, interval="month"
    )
    return Report(
        year=year,
        instance_name=getattr(settings, "ACCORD_INSTANCE_NAME", "Accord"),
        generated_on=timezone.localdate(),
        figures=figures,
        previous=previous,
        partial_year=day < date(year, 12, 31),
        first_day=span[0],
        frameworks_chart=charts.framework_chart(series),
        frameworks_bars=_framework_bars(figures),
        sections=_sections(figures, previous, series),
        changes=_changes(figures, previous),
        limits=LIMITS,
    )


def render_report_html(report: Report) -> str:
    """A single self-contained HTML file (styles and SVG charts inline)."""
    context = {
        "report": report,
        "statuses": STATUSES,
        "threshold": THRESHOLD,
        "version": __version__,
        "frameworks_svg": charts.line_chart_svg(report.frameworks_chart, chart_id="frameworks"),
        "bars_svg": charts.bar_chart_svg(report.frameworks_bars, chart_id="framework-bars"),
        "report_sections": [
            (section, charts.line_chart_svg(section.chart, chart_id=f"fw-{section.row.id}"))
            for section in report.sections
        ],
        "method": method_lines(report),
        "framework_table": [
            (day, [charts.percent(s.values[i]) for s in report.frameworks_chart.series])
            for i, day in enumerate(report.frameworks_chart.days)
        ],
    }
    return render_to_string("figures/report.html", context)


def render_report_pdf(report: Report) -> bytes:
    """The report as a PDF (A4), drawn with ReportLab."""
    from accord.figures.pdf import build_pdf

    buffer = io.BytesIO()
    build_pdf(report, buffer)
    return buffer.getvalue()


def method_lines(report: Report) -> list[str]:
    """The method, in the words the report prints (HTML and PDF alike)."""
    return [
        f"Figures describe member organisations at the end of {report.figures.day.isoformat()} "
        f"and of {report.year - 1}-12-31, as published on the dashboard and as open data "
        "for those days. They are computed once a day from every commitment and every change "
        "of its status, and kept.",
        "A practice's figures count organisations by the status of their commitment to it: "
        "committed, implemented (attested, or a document awaits review), verified (confirmed "
        "by an automated check or the secretariat), lapsed (proof that once held no longer "
        "does). Shares are of all member organisations, committed or not.",
        "A norm's or framework's figures count each organisation once, at the most advanced "
        "status among its commitments to the practices serving it (verified, implemented, "
        "committed, lapsed): verified means at least one such practice is verified.",
        "Median days to verified: over commitments first verified in the 365 days up to the "
        "day, the median of the days from commitment to first verification. Lapse rate: of "
        "the commitments verified at any moment in those 365 days, the share that lapsed in "
        "them.",
        f"No figure describes fewer than {THRESHOLD} organisations: smaller counts are shown "
        f"as <{THRESHOLD}, and further counts are hidden where a hidden one could otherwise "
        "be worked out by subtraction. Changes are shown only where both years' figures "
        "are.",
    ]


def _framework_bars(figures: Figures) -> charts.BarChart:
    return charts.BarChart(
        title=f"Organisations verified, per framework, on {figures.day.isoformat()}",
        description=(
            "Share of organisations with at least one verified practice serving each "
            "framework. The table of headline figures gives the numbers."
        ),
        bars=[charts.Bar(row.group, row.verified.share) for row in figures.frameworks],
    )


def _sections(
    figures: Figures, previous: Figures | None, series: figures_of.Timeseries
) -> list[FrameworkSection]:
    sections = []
    for framework in figures.frameworks:
        norms = [row for row in figures.norms if row.key.startswith(f"norm:{framework.id}:")]
        lines = [NormLine(row, _points(row, previous)) for row in norms]
        chart = charts.norm_chart(series, framework.group, [row.key for row in norms])
        sections.append(FrameworkSection(framework, chart, lines))
    return sections


def _points(row: Row, previous: Figures | None) -> float | None:
    before = previous.row(row.key) if previous else None
    if before is None or row.verified.share is None or before.verified.share is None:
        return None
    return round((row.verified.share - before.verified.share) * 100, 1)


def _changes(figures: Figures, previous: Figures | None) -> list[Change]:
    pairs: list[tuple[str, Any, Any, str]] = [
        ("Member organisations", figures.population, _get(previous, "population"), "count"),
        (
            "Committed to at least one practice",
            figures.engaged.share,
            previous.engaged.share if previous else None,
            "share",
        ),
        (
            "Verified for at least one practice",
            _verified(figures),
            _verified(previous),
            "share",
        ),
        (
            "Median days from commitment to verified",
            figures.median_days_to_verified,
            _get(previous, "median_days_to_verified"),
            "days",
        ),
        ("Lapse rate", figures.lapse_rate, _get(previous, "lapse_rate"), "share"),
    ]
    return [Change(label, *_compare(now, before, kind)) for label, now, before, kind in pairs]


def _get(figures: Figures | None, name: str) -> Any:
    return getattr(figures, name) if figures is not None else None


def _verified(figures: Figures | None) -> float | None:
    if figures is None or figures.overall is None:
        return None
    return figures.overall.verified.share


def _compare(now: Any, before: Any, kind: str) -> tuple[str, str, str]:
    def show(value: Any) -> str:
        if value is None:
            return "n/a"
        if kind == "share":
            return f"{value * 100:.1f}%"
        if kind == "days":
            return f"{value:g} days"
        return f"{value:,}"

    if now is None or before is None:
        return show(now), show(before), "n/a"
    if kind == "share":
        return show(now), show(before), f"{(now - before) * 100:+.1f} points"
    if kind == "days":
        return show(now), show(before), f"{now - before:+g} days"
    return show(now), show(before), f"{now - before:+,}"
