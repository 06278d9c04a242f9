"""Charts drawn on the server: a line chart of shares over time and a bar chart of
shares, as SVG for pages and as shapes for the PDF report, from one layout.

Each chart is an image for assistive technology (`role="img"`, `aria-label`,
`<title>` and `<desc>`), and every page that shows one shows its numbers in a table
next to it. A suppressed value (None) leaves a gap in a line, and a bar reading "withheld".
Colours are the Okabe-Ito palette (distinguishable with colour-blindness) and each
line has its own dash pattern and marker as well, so colour is never the only cue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from html import escape
from typing import TYPE_CHECKING

from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from accord.figures.selectors import Timeseries

COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4", "4 2 1 2")
INK, MUTED, GRID = "#1b1f24", "#57606a", "#d0d7de"
SUPPRESSED_LABEL = "withheld"


@dataclass(frozen=True)
class Series:
    label: str
    values: list[float | None]  # shares, 0 to 1; None where suppressed


@dataclass(frozen=True)
class LineChart:
    title: str
    description: str
    days: list[date]
    series: list[Series]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None


@dataclass(frozen=True)
class BarChart:
    title: str
    description: str
    bars: list[Bar]


@dataclass
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"  # start, middle, end
    colour: str = MUTED
    size: float = 11


@dataclass
class Line:
    points: list[tuple[float, float]]
    colour: str
    dash: str = ""
    width: float = 2


@dataclass
class Rect:
    x: float
    y: float
    width: float
    height: float
    colour: str


@dataclass
class Marker:
    x: float
    y: float
    colour: str
    shape: int  # index: circle, square, triangle, diamond, ...


@dataclass
class Layout:
    """A chart in drawing coordinates (origin top left, y down)."""

    width: float
    height: float
    lines: list[Line] = field(default_factory=list)
    rects: list[Rect] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)


def percent(value: float | None) -> str:
    return SUPPRESSED_LABEL if value is None else f"{value * 100:.1f}%"


def layout_line_chart(chart: LineChart, *, width: float = 640, height: float = 300) -> Layout:
    """Axes, grid, one line per series (broken where a value is suppressed), legend."""
    legend_rows = (len(chart.series) + 2) // 3
    left, right, top = 44.0, 12.0, 12.0
    bottom = 34.0 + 16 * legend_rows
    plot_w, plot_h = width - left - right, height - top - bottom
    out = Layout(width, height)
    for tick in range(5):
        y = top + plot_h * (1 - tick / 4)
        out.lines.append(Line([(left, y), (left + plot_w, y)], GRID, width=1))
        out.texts.append(Text(left - 6, y + 4, f"{tick * 25}%", "end"))
    count = len(chart.days)

    def x_of(i: int) -> float:
        return left + (plot_w * i / (count - 1) if count > 1 else plot_w / 2)

    for i in _x_ticks(count):
        anchor = "start" if i == 0 and count > 1 else "end" if i == count - 1 else "middle"
        out.texts.append(Text(x_of(i), top + plot_h + 16, chart.days[i].isoformat(), anchor))
    for n, series in enumerate(chart.series):
        colour, dash = COLOURS[n % len(COLOURS)], DASHES[n % len(DASHES)]
        run: list[tuple[float, float]] = []
        for i, value in enumerate(series.values):
            if value is None:
                _flush(out, run, colour, dash)
                run = []
                continue
            point = (x_of(i), top + plot_h * (1 - max(0.0, min(1.0, value))))
            run.append(point)
            if count <= 40 or i == count - 1:
                out.markers.append(Marker(*point, colour, n))
        _flush(out, run, colour, dash)
        lx = left + (n % 3) * (plot_w / 3)
        ly = top + plot_h + 34 + 16 * (n // 3)
        out.lines.append(Line([(lx, ly - 4), (lx + 22, ly - 4)], colour, dash))
        out.markers.append(Marker(lx + 11, ly - 4, colour, n))
        out.texts.append(Text(lx + 28, ly, _clip(series.label, 30), colour=INK))
    return out


def layout_bar_chart(chart: BarChart, *, width: float = 640) -> Layout:
    """One horizontal bar per label, 0 to 100%, the value written at its end."""
    label_w, right, row_h, top = 220.0, 56.0, 22.0, 8.0
    height = top + row_h * len(chart.bars) + 24
    plot_w = width - label_w - right
    out = Layout(width, height)
    for tick in range(5):
        x = label_w + plot_w * tick / 4
        out.lines.append(Line([(x, top), (x, height - 20)], GRID, width=1))
        out.texts.append(Text(x, height - 6, f"{tick * 25}%", "middle"))
    for i, bar in enumerate(chart.bars):
        y = top + row_h * i
        out.texts.append(Text(label_w - 8, y + 15, _clip(bar.label, 36), "end", INK))
        bar_w = plot_w * max(0.0, min(1.0, bar.value or 0.0))
        if bar.value is not None:
            out.rects.append(Rect(label_w, y + 4, bar_w, row_h - 8, COLOURS[0]))
        out.texts.append(Text(label_w + bar_w + 6, y + 15, percent(bar.value), colour=INK))
    return out


def line_chart_svg(chart: LineChart, *, chart_id: str) -> SafeString:
    return _svg(layout_line_chart(chart), chart.title, chart.description, chart_id)


def bar_chart_svg(chart: BarChart, *, chart_id: str) -> SafeString:
    return _svg(layout_bar_chart(chart), chart.title, chart.description, chart_id)


def _flush(out: Layout, run: list[tuple[float, float]], colour: str, dash: str) -> None:
    if len(run) > 1:
        out.lines.append(Line(list(run), colour, dash))


def _x_ticks(count: int) -> list[int]:
    if count <= 1:
        return [0] if count else []
    step = max(1, round((count - 1) / 5))
    ticks = list(range(0, count, step))
    if count - 1 - ticks[-1] < step / 2:
        ticks[-1] = count - 1
    else:
        ticks.append(count - 1)
    return ticks


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(layout: Layout, title: str, description: str, chart_id: str) -> SafeString:
    """Everything taken from data is escaped here, so the result is safe to embed."""
    ident = escape(chart_id)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {layout.width:.0f} '
        f'{layout.height:.0f}" role="img" aria-label="{escape(title)}" '
        f'aria-labelledby="{ident}-title {ident}-desc" class="chart" id="{ident}">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
    ]
    for rect in layout.rects:
        parts.append(
            f'<rect x="{rect.x:.1f}" y="{rect.y:.1f}" width="{rect.width:.1f}" '
            f'height="{rect.height:.1f}" fill="{rect.colour}"/>'
        )
    for line in layout.lines:
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in line.points)
        dash = f' stroke-dasharray="{line.dash}"' if line.dash else ""
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{line.colour}" '
            f'stroke-width="{line.width}"{dash}/>'
        )
    parts += [_marker_svg(marker) for marker in layout.markers]
    for text in layout.texts:
        parts.append(
            f'<text x="{text.x:.1f}" y="{text.y:.1f}" text-anchor="{text.anchor}" '
            f'font-size="{text.size}" fill="{text.colour}">{escape(text.text)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def marker_points(marker: Marker, size: float = 3.5) -> list[tuple[float, float]]:
    """The outline of a non-circle marker (square, triangle, diamond, ...)."""
    x, y, s = marker.x, marker.y, size
    shapes = [
        [],
        [(x - s, y - s), (x + s, y - s), (x + s, y + s), (x - s, y + s)],
        [(x, y - s - 1), (x + s + 1, y + s), (x - s - 1, y + s)],
        [(x, y - s - 1), (x + s + 1, y), (x, y + s + 1), (x - s - 1, y)],
    ]
    return shapes[marker.shape % len(shapes)]


def _marker_svg(marker: Marker) -> str:
    outline = marker_points(marker)
    if not outline:
        return f'<circle cx="{marker.x:.1f}" cy="{marker.y:.1f}" r="3.5" fill="{marker.colour}"/>'
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in outline)
    return f'<polygon points="{points}" fill="{marker.colour}"/>'


# --- the charts the dashboard and the report show, from published figures


def framework_chart(series: Timeseries) -> LineChart:
    """Share of organisations verified for at least one practice of each framework."""
    first = series.points[0] if series.points else None
    keys = [row.key for row in first.frameworks] if first else []
    keys = keys or _keys(series, "framework")
    return LineChart(
        title="Organisations verified, per framework",
        description=(
            "Share of organisations with at least one verified practice serving each "
            f"framework, {series.segment.phrase}, "
            f"{_span(series)}. The table below gives the numbers."
        ),
        days=[point.day for point in series.points],
        series=[Series(_label(series, key), _verified(series, key)) for key in keys],
    )


def norm_chart(series: Timeseries, framework_short_title: str, norm_keys: list[str]) -> LineChart:
    """Share of organisations verified for each norm of one framework."""
    return LineChart(
        title=f"{framework_short_title}: organisations verified, per norm",
        description=(
            f"Share of organisations with at least one verified practice serving each norm "
            f"of the {framework_short_title}, {series.segment.phrase}, "
            f"{_span(series)}. The table below gives the numbers."
        ),
        days=[point.day for point in series.points],
        series=[Series(_label(series, key), _verified(series, key)) for key in norm_keys],
    )


def _keys(series: Timeseries, kind: str) -> list[str]:
    for point in series.points:
        rows = [row.key for row in point.rows() if row.kind == kind]
        if rows:
            return rows
    return []


def _label(series: Timeseries, key: str) -> str:
    for point in reversed(series.points):
        row = point.row(key)
        if row is not None:
            return row.group if row.kind == "framework" else row.title
    return key


def _verified(series: Timeseries, key: str) -> list[float | None]:
    values: list[float | None] = []
    for point in series.points:
        row = point.row(key)
        values.append(row.verified.share if row is not None else None)
    return values


def _span(series: Timeseries) -> str:
    if not series.points:
        return "no data"
    first, last = series.points[0].day, series.points[-1].day
    return f"{first.isoformat()} to {last.isoformat()}, one point per {series.interval}"
