"""The yearly report drawn as a PDF with ReportLab (platypus for text and tables, its
graphics for the charts, from the same layout as the SVG charts)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, TYPE_CHECKING

from reportlab.graphics.shapes import Circle, Drawing, Polygon, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from accord.figures import charts
from accord.figures.metrics import STATUSES

if TYPE_CHECKING:
    from accord.figures.report import Report
    from accord.figures.selectors import Row

WIDTH = A4[0] - 36 * mm


def build_pdf(report: Report, out: IO[bytes]) -> None:
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"{report.instance_name}: adoption report {report.year}",
        author=report.instance_name,
        subject="Adoption of cyber norms by member organisations",
    )
    doc.build(_story(report), onFirstPage=_footer, onLaterPages=_footer)


def _styles() -> dict[str, ParagraphStyle]:
    sheet = getSampleStyleSheet()
    return {
        "title": sheet["Title"],
        "h2": sheet["Heading2"],
        "h3": sheet["Heading3"],
        "body": sheet["BodyText"],
        "small": ParagraphStyle("small", parent=sheet["BodyText"], fontSize=8, leading=10),
    }


def _story(report: Report) -> list[Flowable]:
    s = _styles()
    figures = report.figures
    story: list[Flowable] = [
        Paragraph(_text(f"{report.instance_name}: adoption report {report.year}"), s["title"]),
        Paragraph(_text(_as_at(report)), s["body"]),
    ]
    if figures.includes_demo:
        story.append(
            Paragraph("These figures include demo data (fictional organisations).", s["body"])
        )
    story += [Paragraph("Method", s["h2"])]
    story += [Paragraph(_text(line), s["body"]) for line in _method(report)]
    story += [Paragraph("Headline figures and changes since the previous year", s["h2"])]
    rows = [["", f"{figures.day}", "a year before", "change"]]
    rows += [[c.label, c.now, c.before, c.change] for c in report.changes]
    story.append(_table(rows, [70 * mm, 32 * mm, 32 * mm, 30 * mm]))
    story += [Spacer(1, 4 * mm), _drawing(charts.layout_bar_chart(report.frameworks_bars))]
    story.append(
        KeepTogether(
            [
                Paragraph("Adoption over the year, per framework", s["h2"]),
                _drawing(charts.layout_line_chart(report.frameworks_chart)),
            ]
        )
    )
    story += [Paragraph(_text(report.frameworks_chart.description), s["small"])]
    for section in report.sections:
        story += _section(section, s)
    story += [Paragraph("What the data cannot show", s["h2"])]
    story += [Paragraph(_text(f"- {line}"), s["body"]) for line in report.limits]
    return story


def _section(section: object, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    from accord.figures.report import FrameworkSection

    assert isinstance(section, FrameworkSection)
    head = [Paragraph(_text(section.row.title), s["h2"])]
    head.append(_drawing(charts.layout_line_chart(section.chart)))
    rows = [["Norm", *[status.capitalize() for status in STATUSES], "Verified change"]]
    for line in section.norms:
        change = "n/a" if line.verified_change is None else f"{line.verified_change:+.1f} pts"
        rows.append([Paragraph(_text(line.row.title), s["small"]), *_cells(line.row), change])
    widths = [62 * mm, 22 * mm, 22 * mm, 22 * mm, 22 * mm, 24 * mm]
    return [KeepTogether(head), _table(rows, widths)]


def _cells(row: Row) -> list[str]:
    return [charts.percent(cell.share) for _, cell in row.cells]


def _table(rows: Sequence[Sequence[object]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
                ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f6f8fa")),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor(charts.GRID)),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _drawing(layout: charts.Layout) -> Drawing:
    """The chart layout (origin top left) as ReportLab shapes (origin bottom left)."""
    scale = WIDTH / layout.width
    height = layout.height
    drawing = Drawing(WIDTH, height * scale)
    drawing.transform = (scale, 0, 0, scale, 0, 0)
    for rect in layout.rects:
        drawing.add(
            Rect(rect.x, height - rect.y - rect.height, rect.width, rect.height,
                 fillColor=colors.HexColor(rect.colour), strokeColor=None)
        )  # fmt: skip
    for line in layout.lines:
        points = [value for x, y in line.points for value in (x, height - y)]
        dash = [float(d) for d in line.dash.split()] if line.dash else None
        drawing.add(
            PolyLine(points, strokeColor=colors.HexColor(line.colour),
                     strokeWidth=line.width, strokeDashArray=dash)
        )  # fmt: skip
    for marker in layout.markers:
        fill = colors.HexColor(marker.colour)
        outline = charts.marker_points(marker)
        if outline:
            flat = [value for x, y in outline for value in (x, height - y)]
            drawing.add(Polygon(flat, fillColor=fill, strokeColor=None))
        else:
            drawing.add(Circle(marker.x, height - marker.y, 3.5, fillColor=fill, strokeColor=None))
    for text in layout.texts:
        drawing.add(
            String(text.x, height - text.y, _latin1(text.text), fontName="Helvetica",
                   fontSize=text.size, fillColor=colors.HexColor(text.colour),
                   textAnchor=text.anchor)
        )  # fmt: skip
    return drawing


def _as_at(report: Report) -> str:
    figures = report.figures
    partial = " (the year is not over: the latest day kept)" if report.partial_year else ""
    return (
        f"Figures as at the end of {figures.day.isoformat()}{partial}, for "
        f"{figures.population or 0:,} member organisations. Generated on "
        f"{report.generated_on.isoformat()}."
    )


def _method(report: Report) -> list[str]:
    from accord.figures.report import method_lines

    return method_lines(report)


def _footer(canvas: object, doc: object) -> None:
    from reportlab.pdfgen.canvas import Canvas

    assert isinstance(canvas, Canvas)
    canvas.saveState()
    canvas.setFont("Helvetica", 7)
    canvas.setFillColor(colors.HexColor(charts.MUTED))
    canvas.drawString(18 * mm, 10 * mm, "Accord adoption report: open data at /api/v1/adoption/")
    canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"page {canvas.getPageNumber()}")
    canvas.restoreState()


def _latin1(text: str) -> str:
    """The built-in PDF fonts cover Latin-1 (WinAnsi): replace what they cannot draw."""
    return text.replace("…", "...").encode("cp1252", "replace").decode("cp1252")


def _text(text: str) -> str:
    """Plain text for a Paragraph (which reads a little XML)."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _latin1(escaped)
