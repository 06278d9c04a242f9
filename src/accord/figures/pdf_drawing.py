"""Drawing for the PDF report: lines of text in any script on a canvas or in a
drawing, and the charts (bars with last year's mark, lines over the year), laid out
for print from the report's figures."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from accord.figures import charts
from accord.figures import typesetting as ts

if TYPE_CHECKING:
    from accord.figures.report import Report, Share

MARGIN = 20 * mm
WIDTH = A4[0] - 2 * MARGIN
NAVY, ACCENT, LIGHT, PALE = "#0b3c5d", charts.COLOURS[0], "#9cc7e4", "#eef3f7"
INK, MUTED, GRID = charts.INK, charts.MUTED, charts.GRID
BEFORE = "#1b1f24"  # last year's mark on the bars


def text(
    canvas: Any,
    x: float,
    y: float,
    text: str,
    size: float,
    *,
    anchor: str = "start",
    colour: str = MUTED,
    bold: bool = False,
) -> None:
    """Draw a line of text in any script on a canvas, anchored at its start, middle or end."""
    offset = {"start": 0.0, "middle": 0.5, "end": 1.0}[anchor] * ts.width(text, size, bold=bold)
    canvas.setFillColor(colors.HexColor(colour))
    for name, run in ts.runs(text, bold=bold):
        canvas.setFont(name, size)
        canvas.drawString(x - offset, y, run)
        offset -= canvas.stringWidth(run, name, size)


def strings(
    x: float,
    y: float,
    text: str,
    size: float,
    *,
    anchor: str = "start",
    colour: str = INK,
    bold: bool = False,
) -> list[String]:
    """The same, as shapes for a Drawing."""
    offset = {"start": 0.0, "middle": 0.5, "end": 1.0}[anchor] * ts.width(text, size, bold=bold)
    out = []
    for name, run in ts.runs(text, bold=bold):
        out.append(
            String(
                x - offset, y, run, fontName=name, fontSize=size, fillColor=colors.HexColor(colour)
            )
        )
        offset -= ts.width(run, size, bold=bold)
    return out


def bar_drawing(
    bars: list[tuple[str, Share, float | None]], report: Report, *, label_width: float
) -> Drawing:
    """One bar per label (the share verified now; paler where only a lower bound is
    published) with a mark at last year's share."""
    row, value_w, top = 5.6 * mm, 22 * mm, 2 * mm
    plot_w = WIDTH - label_width - value_w
    axis_y = 13 * mm
    height = axis_y + top + row * len(bars)
    drawing = Drawing(WIDTH, height)
    for tick in range(5):
        x = label_width + plot_w * tick / 4
        _add(drawing, Line(x, axis_y, x, height - top, strokeColor=_c(GRID), strokeWidth=0.4))
        _add(drawing, *strings(x, axis_y - 3.5 * mm, f"{tick * 25}%", 6.5, anchor="middle",
                                colour=MUTED))  # fmt: skip
    for i, (label, now, before) in enumerate(bars):
        y = height - top - row * (i + 1)
        _add(drawing, *strings(label_width - 2 * mm, y + 1.6 * mm, _clip(label, 34), 7.5,
                                anchor="end"))  # fmt: skip
        _add(drawing, _bar(label_width, y, plot_w, 1.0, row, PALE))
        if now.value is not None:
            _add(
                drawing,
                _bar(label_width, y, plot_w, now.value, row, LIGHT if now.bound else ACCENT),
            )
        if before is not None:
            x = label_width + plot_w * min(1.0, before)
            mark = Line(
                x, y + 0.3 * mm, x, y + row - 0.3 * mm, strokeColor=_c(BEFORE), strokeWidth=1.4
            )
            _add(drawing, mark)
        _add(drawing, *strings(WIDTH, y + 1.6 * mm, now.short, 7.5, anchor="end",
                                bold=now.value is not None))  # fmt: skip
    _bar_legend(drawing, report, label_width, bounds=any(now.bound for _, now, _ in bars))
    return drawing


def _bar(x: float, y: float, width: float, share: float, row: float, colour: str) -> Rect:
    return Rect(x, y + 0.9 * mm, width * min(1.0, share), row - 1.8 * mm, fillColor=_c(colour),
                strokeColor=None)  # fmt: skip


def _c(colour: str) -> Any:
    return colors.HexColor(colour)


def _add(drawing: Drawing, *shapes: Any) -> None:
    for shape in shapes:
        drawing.add(shape)


def _bar_legend(drawing: Drawing, report: Report, x: float, *, bounds: bool) -> None:
    """What the bar, the pale bar and the mark stand for, in one row below the axis."""
    entries: list[tuple[str, str]] = [("bar", f"end of {report.figures.day.isoformat()}")]
    if bounds:
        entries.append(("bound", "at least (exact share withheld)"))
    if report.previous is not None:
        entries.append(("mark", f"end of {report.previous_day.isoformat()}"))
    for kind, label in entries:
        if kind == "mark":
            _add(drawing, Line(x + 3 * mm, 0.6 * mm, x + 3 * mm, 4.4 * mm, strokeColor=_c(BEFORE),
                               strokeWidth=1.4))  # fmt: skip
        else:
            fill = ACCENT if kind == "bar" else LIGHT
            _add(drawing, Rect(x, 1.2 * mm, 6 * mm, 2.6 * mm, fillColor=_c(fill), strokeColor=None))
        _add(drawing, *strings(x + 8 * mm, 1.5 * mm, label, 7, colour=MUTED))
        x += 8 * mm + ts.width(label, 7) + 8 * mm


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def line_drawing(chart: charts.LineChart) -> Drawing:
    """Shares over the year, one line per series, the months along the bottom."""
    columns = 2
    legend_rows = (len(chart.series) + columns - 1) // columns
    left, right, plot_h = 12 * mm, 4 * mm, 62 * mm
    bottom = 9 * mm + legend_rows * 5 * mm
    height = bottom + plot_h + 3 * mm
    plot_w = WIDTH - left - right
    drawing = Drawing(WIDTH, height)
    for tick in range(5):
        y = bottom + plot_h * tick / 4
        drawing.add(
            Line(left, y, left + plot_w, y, strokeColor=colors.HexColor(GRID), strokeWidth=0.4)
        )
        for shape in strings(
            left - 2 * mm, y - 1 * mm, f"{tick * 25}%", 6.5, anchor="end", colour=MUTED
        ):
            drawing.add(shape)
    count = len(chart.days)

    def x_of(i: int) -> float:
        return left + (plot_w * i / (count - 1) if count > 1 else plot_w / 2)

    for i, day in enumerate(chart.days):
        label = f"{day:%b}" if _month_end(day) else f"{day.day} {day:%b}"
        for shape in strings(x_of(i), bottom - 4 * mm, label, 6.5, anchor="middle", colour=MUTED):
            drawing.add(shape)
    for n, series in enumerate(chart.series):
        colour = colors.HexColor(charts.COLOURS[n % len(charts.COLOURS)])
        dash = [float(d) for d in charts.DASHES[n % len(charts.DASHES)].split()] or None
        run: list[float] = []
        for i, value in enumerate(series.values):
            if value is None:
                _flush(drawing, run, colour, dash)
                run = []
                continue
            x, y = x_of(i), bottom + plot_h * max(0.0, min(1.0, value))
            run += [x, y]
            drawing.add(Circle(x, y, 1.3, fillColor=colour, strokeColor=None))
        _flush(drawing, run, colour, dash)
        lx = left + (n % columns) * (plot_w / columns)
        ly = bottom - 10 * mm - (n // columns) * 5 * mm
        drawing.add(
            PolyLine(
                [lx, ly + 1, lx + 8 * mm, ly + 1],
                strokeColor=colour,
                strokeWidth=1.6,
                strokeDashArray=dash,
            )
        )
        for shape in strings(lx + 10 * mm, ly - 0.4 * mm, _clip(series.label, 60), 7.5):
            drawing.add(shape)
    return drawing


def _flush(drawing: Drawing, run: list[float], colour: Any, dash: list[float] | None) -> None:
    if len(run) >= 4:
        drawing.add(PolyLine(run, strokeColor=colour, strokeWidth=1.6, strokeDashArray=dash))


def _month_end(day: date) -> bool:
    return (day + timedelta(days=1)).day == 1
