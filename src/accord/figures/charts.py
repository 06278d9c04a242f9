"""Charts drawn on the server: a line chart of shares over time and a bar chart of
shares, as SVG for pages and as shapes for the PDF report, from one layout.

Each chart is an image for assistive technology (`role="img"`, `aria-label`,
`<title>` and `<desc>`), and every page that shows one shows its numbers in a table
next to it. A suppressed value (None) leaves a gap in a line, and a bar reading "withheld".
Colours are the Okabe-Ito palette (distinguishable with colour-blindness) and each
line has its own dash pattern and marker as well, so colour is never the only cue.
"""

from __future__ import annotations

from collections.abc import Callable
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


def layout_line_chart(
    chart: LineChart, *, width: float = 640, height: float = 300, legend: bool = True
) -> Layout:
    """Axes, grid, one line per series (broken where a value is suppressed), legend.

    Days are placed by date, so a short last interval looks short. Axis labels are as
    many as fit without touching, and the legend has as many columns as its labels fit
    in; the chart grows taller rather than cut a legend off.
    """
    left, right, top = 44.0, 12.0, 12.0
    plot_w = width - left - right
    key = _legend_layout([series.label for series in chart.series] if legend else [], plot_w)
    bottom = (34.0 if legend else 24.0) + LEGEND_ROW * key.rows
    height = max(height, top + min(MIN_PLOT_HEIGHT, height / 2) + bottom)
    plot_h = height - top - bottom
    out = Layout(width, height)
    for tick in range(5):
        y = top + plot_h * (1 - tick / 4)
        out.lines.append(Line([(left, y), (left + plot_w, y)], GRID, width=1))
        out.texts.append(Text(left - 6, y + 4, f"{tick * 25}%", "end"))
    x_of = _x_scale(chart.days, left, plot_w)
    for text in _axis_labels(chart.days, x_of, left, left + plot_w):
        text.y = top + plot_h + 16
        out.texts.append(text)
    count = len(chart.days)
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
        if legend:
            _legend_entry(out, key, n, series.label, top + plot_h)
    return out


def _legend_entry(out: Layout, key: _Legend, n: int, label: str, plot_bottom: float) -> None:
    colour, dash = COLOURS[n % len(COLOURS)], DASHES[n % len(DASHES)]
    lx = 44.0 + (n % key.columns) * key.column_width
    ly = plot_bottom + 34 + LEGEND_ROW * (n // key.columns)
    out.lines.append(Line([(lx, ly - 4), (lx + 22, ly - 4)], colour, dash))
    out.markers.append(Marker(lx + 11, ly - 4, colour, n))
    out.texts.append(Text(lx + 28, ly, _clip(label, key.characters), colour=INK))


FONT_SIZE = 11.0
CHAR_EM = 0.62  # a generous average advance of the sans-serif fonts pages use, in ems
LABEL_GAP = 16.0  # at least this much space between two axis labels
LEGEND_SWATCH = 28.0  # the line sample and its marker, before a legend label
LEGEND_ROW = 16.0
MIN_PLOT_HEIGHT = 120.0
MAX_SERIES = 6  # more lines than this in one chart cannot be told apart


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """How wide `text` is drawn at `size`, erring on the wide side."""
    return len(text) * size * CHAR_EM


@dataclass(frozen=True)
class _Legend:
    columns: int
    rows: int
    column_width: float
    characters: int  # a label longer than this is shortened with an ellipsis


def _legend_layout(labels: list[str], plot_w: float) -> _Legend:
    """As many columns as the longest label allows (at most 3), each label in full
    where a column is wide enough, shortened with an ellipsis where not."""
    if not labels:
        return _Legend(1, 0, plot_w, 1)
    longest = max(text_width(label) for label in labels) + LEGEND_SWATCH + LABEL_GAP
    columns = max(1, min(3, len(labels), int(plot_w // longest)))
    column_width = plot_w / columns
    characters = max(4, int((column_width - LEGEND_SWATCH - LABEL_GAP) / (FONT_SIZE * CHAR_EM)))
    return _Legend(columns, -(-len(labels) // columns), column_width, characters)


def _x_scale(days: list[date], left: float, plot_w: float) -> Callable[[int], float]:
    """The x of the i-th day: by date, from the first day to the last."""
    if len(days) < 2 or days[-1] == days[0]:
        return lambda i: left + plot_w / 2
    first, span = days[0], (days[-1] - days[0]).days

    def x_of(i: int) -> float:
        return left + plot_w * (days[i] - first).days / span

    return x_of


def _axis_labels(
    days: list[date], x_of: Callable[[int], float], left: float, right: float
) -> list[Text]:
    """Labels for the first and the last day, and for as many days between as fit with
    LABEL_GAP around each: no two ever overlap, nor run past the plot."""
    if not days:
        return []
    count = len(days)
    if count == 1:
        return [Text(x_of(0), 0, days[0].isoformat(), "middle")]
    last = _label_box(days, x_of, count - 1, count)
    chosen = [last]
    first = _label_box(days, x_of, 0, count)
    if first[1] + LABEL_GAP <= last[0]:
        chosen.insert(0, first)
        # Room between the first and the last label, shared out evenly to those between.
        start, end = first[1] + LABEL_GAP, last[0] - LABEL_GAP
        width = text_width(days[0].isoformat())
        between = int((end - start) // (width + 2 * LABEL_GAP)) if end > start else 0
        for j in range(min(between, count - 2)):
            target = start + (end - start) * (j + 0.5) / between
            nearest = min(range(1, count - 1), key=lambda i: abs(x_of(i) - target))
            box = _label_box(days, x_of, nearest, count)
            if box[0] >= left and box[1] <= right and _clear(box, chosen):
                chosen.append(box)
    return [text for _, _, text in sorted(chosen, key=lambda box: box[0])]


def _label_box(
    days: list[date], x_of: Callable[[int], float], i: int, count: int
) -> tuple[float, float, Text]:
    label = days[i].isoformat()
    x, width = x_of(i), text_width(label)
    if i == 0:
        return x, x + width, Text(x, 0, label, "start")
    if i == count - 1:
        return x - width, x, Text(x, 0, label, "end")
    return x - width / 2, x + width / 2, Text(x, 0, label, "middle")


def _clear(box: tuple[float, float, Text], chosen: list[tuple[float, float, Text]]) -> bool:
    return all(box[1] + LABEL_GAP <= other[0] or other[1] + LABEL_GAP <= box[0] for other in chosen)


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


def responsive_line_chart_svg(chart: LineChart, *, chart_id: str) -> SafeString:
    """The chart for a page that may be read on any screen: drawn wide and drawn narrow
    (the stylesheet shows the one that fits, so its text stays a readable size), or,
    with more than MAX_SERIES lines, as small multiples: one small chart per line, on
    the same scale, side by side where there is room."""
    if len(chart.series) > MAX_SERIES:
        return small_multiples_svg(chart, chart_id=chart_id)
    wide = _svg(layout_line_chart(chart), chart.title, chart.description, chart_id, "chart-wide")
    narrow = _svg(
        layout_line_chart(chart, width=NARROW_WIDTH, height=NARROW_HEIGHT),
        chart.title,
        chart.description,
        f"{chart_id}-narrow",
        "chart-narrow",
    )
    return mark_safe(wide + narrow)


NARROW_WIDTH, NARROW_HEIGHT = 360.0, 280.0
MULTIPLE_WIDTH, MULTIPLE_HEIGHT = 320.0, 150.0


def small_multiples_svg(chart: LineChart, *, chart_id: str) -> SafeString:
    """One small chart per series of `chart`, each named by its series."""
    parts = [f'<div class="small-multiples" role="group" aria-label="{escape(chart.title)}">']
    for n, series in enumerate(chart.series):
        single = LineChart(
            title=f"{series.label}: organisations verified",
            description=f"{chart.description} This panel: {series.label}.",
            days=chart.days,
            series=[series],
        )
        layout = layout_line_chart(
            single, width=MULTIPLE_WIDTH, height=MULTIPLE_HEIGHT, legend=False
        )
        svg = _svg(layout, single.title, single.description, f"{chart_id}-{n}", "")
        # The panel's name in the page's own text: it wraps, where SVG text cannot.
        parts.append(
            f'<div class="panel"><p aria-hidden="true">{escape(series.label)}</p>{svg}</div>'
        )
    parts.append("</div>")
    return mark_safe("".join(parts))


def _flush(out: Layout, run: list[tuple[float, float]], colour: str, dash: str) -> None:
    if len(run) > 1:
        out.lines.append(Line(list(run), colour, dash))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(
    layout: Layout, title: str, description: str, chart_id: str, variant: str = ""
) -> SafeString:
    """Everything taken from data is escaped here, so the result is safe to embed."""
    ident = escape(chart_id)
    css_class = f"chart {variant}".strip()
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {layout.width:.0f} '
        f'{layout.height:.0f}" role="img" aria-label="{escape(title)}" '
        f'aria-labelledby="{ident}-title {ident}-desc" class="{css_class}" id="{ident}">',
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
