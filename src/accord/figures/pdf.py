"""The yearly report drawn as a PDF with ReportLab: a cover, contents with page numbers,
numbered sections, tables and charts (drawn here, for print, from the report's
figures), in fonts that cover every script (`typesetting`).

The file depends on the report alone: ReportLab's invariant mode fixes the creation
date and the document id, so the same figures give the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable
from reportlab.platypus.tableofcontents import TableOfContents

from accord import __version__
from accord.figures import charts
from accord.figures import pdf_drawing as draw
from accord.figures import typesetting as ts
from accord.figures.metrics import STATUSES
from accord.figures.report import DASH, Share, method_lines
from accord.figures.suppression import THRESHOLD

if TYPE_CHECKING:
    from accord.figures.report import FrameworkSection, Report, SegmentTable

PAGE_W, PAGE_H = A4
MARGIN = 20 * mm
WIDTH = PAGE_W - 2 * MARGIN
NAVY, ACCENT, PALE = draw.NAVY, draw.ACCENT, draw.PALE
INK, MUTED, GRID = draw.INK, draw.MUTED, draw.GRID


def build_pdf(report: Report, out: IO[bytes]) -> None:
    ts.fonts()
    doc = _Document(out, report)
    doc.multiBuild(_story(report, doc), canvasmaker=_NumberedCanvas)


# --- the document: page templates, contents entries, page numbers


class _Document(BaseDocTemplate):
    def __init__(self, out: IO[bytes], report: Report) -> None:
        self.report = report
        super().__init__(
            out,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=24 * mm,
            bottomMargin=22 * mm,
            title=f"{report.instance_name}: {report.title}",
            author=report.instance_name,
            subject="Adoption of cyber norms by member organisations",
            creator=f"Accord {__version__}",
            invariant=1,
        )
        body = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body")
        cover = Frame(MARGIN, 30 * mm, WIDTH, 120 * mm, id="cover")
        self.addPageTemplates(
            [
                PageTemplate("cover", [cover], onPage=self._cover),
                PageTemplate("body", [body], onPage=self._page),
            ]
        )

    def afterFlowable(self, flowable: Flowable) -> None:
        if isinstance(flowable, _Heading):
            key = f"s{flowable.number}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.plain, key, flowable.level, closed=True)
            self.notify("TOCEntry", (flowable.level, flowable.markup, self.page, key))

    def _cover(self, canvas: Canvas, _doc: Any) -> None:
        _draw_cover(canvas, self.report)

    def _page(self, canvas: Canvas, _doc: Any) -> None:
        report = self.report
        canvas.saveState()
        canvas.setStrokeColor(colors.HexColor(GRID))
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, PAGE_H - 14 * mm, PAGE_W - MARGIN, PAGE_H - 14 * mm)
        draw.text(
            canvas, MARGIN, PAGE_H - 12 * mm, report.instance_name, 7.5, colour=NAVY, bold=True
        )
        draw.text(canvas, PAGE_W - MARGIN, PAGE_H - 12 * mm, report.title, 7.5, anchor="end")
        link = report.links.summary
        label = f"Open data: {link}"
        draw.text(canvas, MARGIN, 11 * mm, label, 7)
        canvas.linkURL(link, (MARGIN, 10 * mm, MARGIN + ts.width(label, 7), 14 * mm), relative=0)
        canvas.restoreState()


class _NumberedCanvas(Canvas):
    """Holds the pages back until the end, to print "page N of M" on each."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held)
        for state in self._held:
            self.__dict__.update(state)
            number = self.getPageNumber()
            if number > 1:
                draw.text(
                    self, PAGE_W - MARGIN, 11 * mm, f"page {number} of {total}", 7, anchor="end"
                )
            super().showPage()
        super().save()


class _Heading(Paragraph):
    """A numbered section heading, listed in the contents and the PDF's outline."""

    def __init__(self, number: str, text: str, style: ParagraphStyle, level: int) -> None:
        self.number, self.level = number, level
        self.plain = f"{number}  {text}" if level == 0 else text
        self.markup = ts.markup(self.plain)
        label = f'<font color="{ACCENT}">{number}</font>&nbsp;&nbsp;' if level == 0 else ""
        super().__init__(label + ts.markup(text, bold=True), style)


# --- styles


@dataclass(frozen=True)
class _Styles:
    body: ParagraphStyle
    lede: ParagraphStyle
    small: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    cell: ParagraphStyle
    number: ParagraphStyle
    head: ParagraphStyle
    head_number: ParagraphStyle
    toc: ParagraphStyle
    toc2: ParagraphStyle


def _styles() -> _Styles:
    base = ParagraphStyle("body", fontName=ts.SANS, fontSize=9.5, leading=14, textColor=INK)
    base.spaceAfter = 5

    def make(name: str, parent: ParagraphStyle = base, **changes: Any) -> ParagraphStyle:
        return ParagraphStyle(name, parent=parent, **changes)

    cell = make("cell", fontSize=8, leading=10, spaceAfter=0)
    head = make("head", parent=cell, fontName=ts.SANS_BOLD, textColor=NAVY)
    return _Styles(
        body=base,
        lede=make("lede", fontSize=11, leading=16, spaceAfter=8),
        small=make("small", fontSize=7.5, leading=10, textColor=MUTED),
        h1=make("h1", fontName=ts.SANS_BOLD, fontSize=17, leading=22, textColor=NAVY,
                spaceBefore=0, spaceAfter=10),
        h2=make("h2", fontName=ts.SANS_BOLD, fontSize=11.5, leading=15, textColor=NAVY,
                spaceBefore=10, spaceAfter=4),
        cell=cell,
        number=make("number", parent=cell, alignment=TA_RIGHT),
        head=head,
        head_number=make("head_number", parent=head, alignment=TA_RIGHT),
        toc=make("toc", fontSize=11, leading=20, spaceAfter=0),
        toc2=make("toc2", fontSize=9, leading=14, leftIndent=18, textColor=MUTED, spaceAfter=0),
    )  # fmt: skip


# --- the story


def _story(report: Report, doc: _Document) -> list[Flowable]:
    s = _styles()
    contents = TableOfContents(levelStyles=[s.toc, s.toc2], dotsMinLevel=0)
    story: list[Flowable] = [NextPageTemplate("body"), PageBreak()]
    story += [Paragraph(ts.markup("Contents", bold=True), s.h1), contents, PageBreak()]
    numbered = [
        ("Summary", _summary),
        ("Headline figures and their method", _headlines),
        ("Adoption over the year", _over_the_year),
        ("Per framework and per norm", _frameworks),
        ("By sector", lambda r, st: _segments(r, r.sectors, st)),
        ("By country", lambda r, st: _segments(r, r.countries, st)),
        ("What changed since last year", _changes),
        ("Caveats", _caveats),
        ("Method and open data", _method),
    ]
    for n, (title, part) in enumerate(numbered, start=1):
        if n > 1:
            story.append(PageBreak() if n in (2, 4, 5, 7) else CondPageBreak(80 * mm))
        body = part(report, s)
        story += [KeepTogether([_Heading(str(n), title, s.h1, 0), *body[:2]]), *body[2:]]
    return story


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(ts.markup(text), style)


def _summary(report: Report, s: _Styles) -> list[Flowable]:
    out: list[Flowable] = [_key_figures(report, s), Spacer(1, 6 * mm)]
    first, *rest = report.summary
    out.append(_p(first, s.lede))
    out += [_p(text, s.body) for text in rest]
    if report.figures.includes_demo:
        out.append(_p("These figures include demo data: fictional organisations.", s.small))
    return out


def _key_figures(report: Report, s: _Styles) -> Table:
    figures = report.figures
    boxes = [
        (f"{figures.population or 0:,}", "member organisations"),
        (_share_big(report.committed), "committed to at least one practice"),
        (_share_big(report.verified), "verified for at least one practice"),
    ]
    big = ParagraphStyle("big", parent=s.h1, fontSize=22, leading=26, spaceAfter=2)
    cells = [
        [Paragraph(ts.markup(value, bold=True), big), _p(label, s.small)] for value, label in boxes
    ]
    table = Table([cells], colWidths=[WIDTH / 3] * 3)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(PALE)),
                ("LINEBEFORE", (1, 0), (-1, -1), 2, colors.white),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 8),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
            ]
        )
    )
    return table


def _share_big(share: Share) -> str:
    return share.short


def _headlines(report: Report, s: _Styles) -> list[Flowable]:
    day = report.figures.day.isoformat()
    out: list[Flowable] = [
        _p(
            f"The figures the coalition publishes for the end of {day}, each with how it is "
            "made. Section 7 compares them with a year before.",
            s.body,
        )
    ]
    rows: list[list[Any]] = [[_head("Figure"), _head(day, number=True)]]
    for line in report.headlines:
        text = f"<b>{ts.markup(line.label, bold=True)}</b><br/>"
        text += f'<font color="{MUTED}">{ts.markup(line.method)}</font>'
        rows.append([Paragraph(text, s.cell), _cell(line.now, s, number=True)])
    out.append(_table(rows, [WIDTH - 36 * mm, 36 * mm]))
    if report.verified.bound:
        out.append(Spacer(1, 2 * mm))
        out.append(
            _p(
                "≥: the exact share is withheld, because it would let a group of fewer than "
                f"{THRESHOLD} organisations be worked out; the figure shown is a "
                "lower bound read from figures published anyway (see Method).",
                s.small,
            )
        )
    out.append(
        Paragraph(ts.markup("Verified for at least one practice, per framework", bold=True), s.h2)
    )
    bars = [(sec.row.group, sec.verified, _exact(sec.verified_before)) for sec in report.sections]
    out.append(draw.bar_drawing(bars, report, label_width=38 * mm))
    return out


def _exact(share: Share | None) -> float | None:
    return share.exact if share is not None else None


def _over_the_year(report: Report, s: _Styles) -> list[Flowable]:
    chart = report.frameworks_chart
    out: list[Flowable] = [
        _p(
            "The share of members verified for at least one practice of each framework, at "
            "the end of each month of the year.",
            s.body,
        ),
        draw.line_drawing(chart),
        Spacer(1, 4 * mm),
    ]
    names = [series.label for series in chart.series]
    rows: list[list[Any]] = [[_head("Day"), *[_head(n, number=True) for n in names]]]
    for day, shares in report.series_table:
        values = [share.short for share in shares]
        rows.append([_cell(day.isoformat(), s), *[_cell(v, s, number=True) for v in values]])
    first = 30 * mm
    rest = (WIDTH - first) / max(1, len(names))
    out.append(_table(rows, [first, *[rest] * len(names)]))
    return out


def _frameworks(report: Report, s: _Styles) -> list[Flowable]:
    out: list[Flowable] = [
        _p(
            "For each framework, the share of members at each status for each of its norms: "
            "an organisation counts once per norm, at the most advanced status among its "
            "commitments to the practices that serve it. The bars show the share verified; "
            "the black mark, the share a year before.",
            s.body,
        )
    ]
    for n, section in enumerate(report.sections, start=1):
        out += _framework(report, section, f"4.{n}", s)
    return out


def _framework(
    report: Report, section: FrameworkSection, number: str, s: _Styles
) -> list[Flowable]:
    row = section.row
    lead = f"{_capital(section.verified.text)} of members are verified for at least one of "
    lead += "its practices"
    if section.verified_before is not None and section.verified_before.value is not None:
        lead += f" ({section.verified_before.text} a year before)"
    head = [
        CondPageBreak(90 * mm),
        _Heading(number, row.title, s.h2, 1),
        _p(lead + ".", s.body),
        draw.bar_drawing(
            [
                (line.reference, _share(line.row.verified), line.verified_before)
                for line in section.norms
            ],
            report,
            label_width=30 * mm,
        ),
    ]
    heads = ["Norm", *[status.capitalize() for status in STATUSES], "Verified, change"]
    rows: list[list[Any]] = [[_head(h, number=i > 0) for i, h in enumerate(heads)]]
    for line in section.norms:
        cells = [_cell(_percent_count(cell), s, number=True) for _, cell in line.row.cells]
        rows.append(
            [_cell(line.row.title, s), *cells, _cell(_pts(line.verified_change), s, number=True)]
        )
    widths = [WIDTH - 5 * 22 * mm, *[22 * mm] * 5]
    return [KeepTogether(head), Spacer(1, 3 * mm), _table(rows, widths), Spacer(1, 4 * mm)]


def _pts(points: float | None) -> str:
    return DASH if points is None else f"{points:+.1f} pts"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _share(cell: Any) -> Share:
    return Share(cell.share, cell.count)


def _percent_count(cell: Any) -> str:
    if cell.count is None:
        return charts.SUPPRESSED_LABEL
    return f"{cell.percent} ({cell.count:,})"


def _segments(report: Report, table: SegmentTable, s: _Styles) -> list[Flowable]:
    noun = "sector" if table.dimension == "sector" else "country"
    out: list[Flowable] = [
        _p(
            f"Members by {noun}, at the end of {report.figures.day.isoformat()}. A {noun} "
            f"with fewer than {THRESHOLD} members is not shown on its own, nor one "
            "hidden so that such a group cannot be worked out by subtraction; those members "
            "are counted together in the last row.",
            s.body,
        )
    ]
    heads = [
        table.heading,
        "Members",
        "Committed to one or more",
        "Verified for one or more",
        "Verified, change",
    ]
    rows: list[list[Any]] = [[_head(h, number=i > 0) for i, h in enumerate(heads)]]
    for line in table.lines:
        values = [line.committed.short, line.verified.short, _pts(line.verified_change)]
        if line.remainder:
            values = [DASH] * 3
        numbers = [f"{line.population or 0:,}", *values]
        rows.append([_cell(line.label, s), *[_cell(v, s, number=True) for v in numbers]])
    out.append(_table(rows, [WIDTH - 4 * 30 * mm, *[30 * mm] * 4]))
    if not table.lines:
        out.append(_p(f"No {noun} has enough members to be shown.", s.small))
    out.append(Spacer(1, 2 * mm))
    out.append(_p("≥: a lower bound, the exact share being withheld (see Method).", s.small))
    return out


def _changes(report: Report, s: _Styles) -> list[Flowable]:
    if report.previous is None:
        return [
            _p(
                f"No figures are kept for the end of {report.year - 1} (figures start on "
                f"{report.first_day.isoformat()}), so no changes can be shown.",
                s.body,
            )
        ]
    now, before = report.figures.day.isoformat(), report.previous_day.isoformat()
    out: list[Flowable] = [
        _p(f"The headline figures at the end of {now}, against {before}.", s.body)
    ]
    heads = ["Figure", now, before, "Change"]
    rows: list[list[Any]] = [[_head(h, number=i > 0) for i, h in enumerate(heads)]]
    for line in report.headlines:
        rows.append(
            [
                _cell(line.label, s),
                *[_cell(v, s, number=True) for v in (line.now, line.before, line.change)],
            ]
        )
    out.append(_table(rows, [WIDTH - 3 * 32 * mm, *[32 * mm] * 3]))
    for title, movers in (
        ("Norms that rose the most", report.risers),
        ("Norms that fell the most", report.fallers),
    ):
        out.append(Paragraph(ts.markup(title, bold=True), s.h2))
        if not movers:
            out.append(_p("None.", s.body))
            continue
        rows = [[_head(h, number=i > 0) for i, h in enumerate(["Norm", before, now, "Change"])]]
        for m in movers:
            numbers = [m.before_percent, m.now_percent, _pts(m.points)]
            cells = [_cell(v, s, number=True) for v in numbers]
            rows.append([_cell(f"{m.title} ({m.framework})", s), *cells])
        out.append(_table(rows, [WIDTH - 3 * 24 * mm, *[24 * mm] * 3]))
    return out


def _caveats(report: Report, s: _Styles) -> list[Flowable]:
    out: list[Flowable] = []
    if report.partial_year:
        out.append(
            _p(
                "The year is not over: the figures are those of "
                f"{report.figures.day.isoformat()}, the latest day kept.",
                s.body,
            )
        )
    if report.figures.includes_demo:
        out.append(
            _p(
                "These figures include demo data: fictional organisations made by the demo.",
                s.body,
            )
        )
    out.append(_p("What the data cannot show:", s.body))
    out += [
        _p(f"•  {line}", ParagraphStyle("bullet", parent=s.body, leftIndent=10, firstLineIndent=-8))
        for line in report.limits
    ]
    return out


def _method(report: Report, s: _Styles) -> list[Flowable]:
    out: list[Flowable] = [_p(line, s.body) for line in method_lines(report)]
    out.append(Paragraph(ts.markup("Open data", bold=True), s.h2))
    out.append(
        _p(
            "Every figure in this report is published as open data (JSON, or CSV with "
            "format=csv), for this day and any other kept:",
            s.body,
        )
    )
    links = report.links
    for label, url in (
        ("Headline figures", links.summary),
        ("Per norm (CSV)", links.norms_csv),
        ("Per practice (CSV)", links.practices_csv),
        ("The dashboard on this day", links.dashboard),
        ("How to query the open data", links.api_docs),
        ("Every published report", links.archive),
    ):
        href = url.replace("&", "&amp;")
        text = f'{ts.markup(label)}: <a href="{href}" color="{ACCENT}">{ts.markup(url)}</a>'
        out.append(Paragraph(text, ParagraphStyle("link", parent=s.body, spaceAfter=2)))
    out.append(Spacer(1, 6 * mm))
    out.append(_p(f"Made with Accord {__version__}.", s.small))
    return out


# --- tables


def _head(text: str, *, number: bool = False) -> Paragraph:
    s = _styles()
    return Paragraph(ts.markup(text, bold=True), s.head_number if number else s.head)


def _cell(text: str, s: _Styles, *, number: bool = False) -> Paragraph:
    return Paragraph(ts.markup(text), s.number if number else s.cell)


def _table(rows: Sequence[Sequence[object]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(PALE)),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.HexColor(NAVY)),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor(GRID)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


# --- the cover


def _draw_cover(canvas: Canvas, report: Report) -> None:
    canvas.saveState()
    band = 150 * mm
    canvas.setFillColor(colors.HexColor(NAVY))
    canvas.rect(0, PAGE_H - band, PAGE_W, band, stroke=0, fill=1)
    canvas.setFillColor(colors.HexColor(ACCENT))
    canvas.rect(0, PAGE_H - band - 3 * mm, PAGE_W, 3 * mm, stroke=0, fill=1)
    name_style = ParagraphStyle("cover-name", fontName=ts.SANS_BOLD, fontSize=30, leading=36,
                                textColor=colors.white)  # fmt: skip
    name = Paragraph(ts.markup(report.instance_name, bold=True), name_style)
    _, height = name.wrap(WIDTH, 60 * mm)
    top = PAGE_H - 55 * mm
    name.drawOn(canvas, MARGIN, top - height)
    y = top - height - 16 * mm
    draw.text(canvas, MARGIN, y, "Adoption of the norms", 20, colour="#ffffff")
    draw.text(
        canvas, MARGIN, y - 12 * mm, f"Yearly report {report.year}", 20, colour="#9ccbe8", bold=True
    )
    draw.text(
        canvas, MARGIN, PAGE_H - 30 * mm, "YEARLY ADOPTION REPORT", 8, colour="#9ccbe8", bold=True
    )
    day = report.figures.day
    as_at = f"Figures as at the end of {day.day} {day:%B %Y}"
    if report.partial_year:
        as_at += ", the latest day kept (the year is not over)"
    draw.text(canvas, MARGIN, PAGE_H - band - 16 * mm, as_at, 11, colour=INK)
    members = f"{report.figures.population or 0:,} member organisations"
    draw.text(canvas, MARGIN, PAGE_H - band - 23 * mm, f"{members} · every figure is open data", 9)
    glance = _key_figures(report, _styles())
    _, tall = glance.wrapOn(canvas, WIDTH, 40 * mm)
    glance.drawOn(canvas, MARGIN, PAGE_H - band - 32 * mm - tall)
    if report.figures.includes_demo:
        draw.text(
            canvas,
            MARGIN,
            PAGE_H - band - 42 * mm - tall,
            "Includes demo data: fictional organisations.",
            9,
            colour="#b35900",
            bold=True,
        )
    draw.text(canvas, MARGIN, 22 * mm, report.instance_name, 9, colour=NAVY, bold=True)
    draw.text(canvas, MARGIN, 17 * mm, report.links.base, 8)
    canvas.linkURL(report.links.base, (MARGIN, 16 * mm, MARGIN + 80 * mm, 20 * mm), relative=0)
    draw.text(canvas, PAGE_W - MARGIN, 17 * mm, f"Made with Accord {__version__}", 8, anchor="end")
    canvas.restoreState()
