"""The coalition's yearly adoption report, as HTML or PDF (`accord report`, and the
secretariat's "Publish" button on /adoption/reports/).

Its figures are the published ones (`selectors`), so they are the dashboard's and the
open data's for the same day: the end of the year, or the latest day kept when the
year is not over. Changes are against the end of the previous year, from that day's
snapshots. Nothing in the report depends on when or where it is made, only on the
figures, the catalogue, the instance's name and its address (`ACCORD_BASE_URL`), so
the command and the web make the same file from the same data.

A figure withheld by disclosure control is never replaced by a guess. Where the exact
share verified for at least one practice is withheld, the report gives the largest
share it must reach, read from figures that are published anyway (see `Share`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from accord import __version__
from accord.accounts import countries
from accord.figures import charts
from accord.figures import selectors as figures_of
from accord.figures.metrics import OVERALL, STATUSES
from accord.figures.models import Dimension
from accord.figures.selectors import Figures, NoFigures, Row, Segment
from accord.figures.suppression import THRESHOLD

if TYPE_CHECKING:
    from django.http import HttpRequest

__all__ = [
    "NoFigures",
    "Report",
    "build_report",
    "render_report_html",
    "render_report_pdf",
    "report_base_url",
]

# Where `accord serve` answers by default: the links' host when nothing else says.
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
MOVERS = 3
# Printed where no change (or no earlier figure) can be shown; the caveats say why.
DASH = "\u2013"

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
class Share:
    """A share of the members as the report prints it: exact, a lower bound, or withheld.

    `bound` means the exact share is withheld and `value` is the largest share it is
    known to reach from figures published anyway (the share verified for some
    practice, norm or framework cannot exceed the share verified for at least one), so
    the bound discloses nothing the open data does not.
    """

    value: float | None
    count: int | None = None
    bound: bool = False

    @property
    def exact(self) -> float | None:
        return None if self.bound else self.value

    @property
    def text(self) -> str:
        if self.value is None:
            return charts.SUPPRESSED_LABEL
        shown = f"{self.value * 100:.1f}%"
        return f"at least {shown}" if self.bound else shown

    @property
    def short(self) -> str:
        """For tables: "≥ 97.0%" for a bound."""
        return self.text.replace("at least ", "≥ ")


WITHHELD = Share(None)


@dataclass(frozen=True)
class Headline:
    """One headline figure at the end of the year and a year before, and its method."""

    key: str
    label: str
    now: str
    before: str
    change: str
    method: str


@dataclass(frozen=True)
class NormLine:
    """One norm's figures at the end of the year, and its change in verified share."""

    row: Row
    verified_change: float | None  # percentage points; None when not computable
    verified_before: float | None = None

    @property
    def reference(self) -> str:
        """The norm's short reference ("para. 13(j)"), its title's part before ": "."""
        head, sep, _ = self.row.title.partition(": ")
        return head if sep else self.row.title

    @property
    def name(self) -> str:
        _, sep, tail = self.row.title.partition(": ")
        return tail if sep else self.row.title


@dataclass(frozen=True)
class FrameworkSection:
    row: Row
    chart: charts.BarChart
    norms: list[NormLine]
    verified: Share = field(default_factory=lambda: WITHHELD)
    verified_before: Share | None = None


@dataclass(frozen=True)
class Mover:
    """A norm whose verified share changed the most since the end of last year."""

    title: str
    framework: str
    before: float
    now: float

    @property
    def points(self) -> float:
        return round((self.now - self.before) * 100, 1)

    @property
    def before_percent(self) -> str:
        return f"{self.before * 100:.1f}%"

    @property
    def now_percent(self) -> str:
        return f"{self.now * 100:.1f}%"


@dataclass(frozen=True)
class SegmentLine:
    """One sector's or country's figures; `remainder` for the row of those not published
    separately (its population follows from published ones: all, less the rest)."""

    value: str
    label: str
    population: int | None
    committed: Share = WITHHELD
    verified: Share = WITHHELD
    verified_change: float | None = None
    remainder: bool = False


@dataclass(frozen=True)
class SegmentTable:
    dimension: str
    title: str
    heading: str  # the first column's heading: "Sector", "Country"
    lines: list[SegmentLine]


@dataclass(frozen=True)
class Links:
    """Absolute addresses of the published figures, for a printed or e-mailed report."""

    base: str
    dashboard: str
    summary: str
    norms_csv: str
    practices_csv: str
    api_docs: str
    archive: str


@dataclass(frozen=True)
class Report:
    year: int
    instance_name: str
    figures: Figures
    previous: Figures | None
    partial_year: bool
    first_day: date
    frameworks_chart: charts.LineChart
    series_table: list[tuple[date, list[Share]]]
    sections: list[FrameworkSection]
    headlines: list[Headline]
    risers: list[Mover]
    fallers: list[Mover]
    sectors: SegmentTable
    countries: SegmentTable
    links: Links
    limits: list[str] = field(default_factory=lambda: list(LIMITS))

    @property
    def title(self) -> str:
        return f"Adoption of the norms in {self.year}"

    @property
    def previous_day(self) -> date:
        return date(self.year - 1, 12, 31)

    @property
    def verified(self) -> Share:
        return verified_share(self.figures)

    @property
    def committed(self) -> Share:
        return committed_share(self.figures)

    @property
    def summary(self) -> list[str]:
        """The summary in words, one paragraph each."""
        return summarise(self)


def report_base_url(request: HttpRequest | None = None) -> str:
    """The address the report's links start with: `ACCORD_BASE_URL`, else the address the
    request came to, else `accord serve`'s default. Set the setting so that the command
    and the web make the same file."""
    configured = str(getattr(settings, "ACCORD_BASE_URL", "") or "")
    if configured:
        return configured.rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return DEFAULT_BASE_URL


def build_report(*, year: int, base_url: str | None = None) -> Report:
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
    sections = _sections(figures, previous)
    risers, fallers = _movers(sections)
    name = str(getattr(settings, "ACCORD_INSTANCE_NAME", "") or "Accord")
    sectors = _segment_table(Dimension.SECTOR, figures, previous)
    countries = _segment_table(Dimension.COUNTRY, figures, previous)
    return Report(
        year=year,
        instance_name=name,
        figures=figures,
        previous=previous,
        partial_year=day < date(year, 12, 31),
        first_day=span[0],
        frameworks_chart=charts.framework_chart(series),
        series_table=_series_table(series, [row.key for row in figures.frameworks]),
        sections=sections,
        headlines=_headlines(figures, previous),
        risers=risers,
        fallers=fallers,
        sectors=sectors,
        countries=countries,
        links=_links(base_url or report_base_url(), day),
    )


def render_report_html(report: Report) -> str:
    """A single self-contained HTML file (styles and SVG charts inline)."""
    context = {
        "report": report,
        "statuses": STATUSES,
        "threshold": THRESHOLD,
        "version": __version__,
        "frameworks_svg": charts.line_chart_svg(report.frameworks_chart, chart_id="frameworks"),
        "framework_bars": [
            (s.row.group, s.verified, s.verified_before.exact if s.verified_before else None)
            for s in report.sections
        ],
        "report_sections": [
            (
                section,
                [
                    (n.reference, Share(n.row.verified.share), n.verified_before)
                    for n in section.norms
                ],
            )
            for section in report.sections
        ],
        "method": method_lines(report),
        "segment_tables": [
            {"number": 5, "anchor": "sectors", "noun": "sector", "table": report.sectors},
            {"number": 6, "anchor": "countries", "noun": "country", "table": report.countries},
        ],
        "movers": [
            ("Norms that rose the most", report.risers),
            ("Norms that fell the most", report.fallers),
        ],
        "framework_table": [
            (day, [share.short for share in shares]) for day, shares in report.series_table
        ],
    }
    return render_to_string("figures/report.html", context)


def render_report_pdf(report: Report) -> bytes:
    """The report as a PDF (A4), drawn with ReportLab; the same bytes for the same
    report."""
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
        f"No figure describes fewer than {THRESHOLD} organisations: smaller counts are "
        "withheld, and further counts are withheld where a withheld one could otherwise "
        "be worked out by subtraction. Changes are shown only where both years' figures "
        "are.",
        "Where the share verified for at least one practice is withheld, the report gives "
        "a lower bound instead (\u201cat least\u201d): the largest share verified for any "
        "one framework, norm or practice, which are published, and which it cannot be "
        "below. The bound reveals nothing that the open data does not.",
    ]


# --- shares and bounds


def verified_share(figures: Figures | None, key: str = OVERALL) -> Share:
    """Organisations verified for at least one practice (of the framework `key`, or of
    all): exact, or a lower bound from the published subjects that count towards it."""
    if figures is None or figures.suppressed:
        return WITHHELD
    row = figures.row(key)
    if row is not None and row.verified.count is not None:
        return Share(row.verified.share, row.verified.count)
    counts = [row.verified.count for row in _within(figures, key) if row.verified.count]
    if not counts or not figures.population:
        return WITHHELD
    best = max(counts)
    return Share(round(best / figures.population, 4), best, bound=True)


def _within(figures: Figures, key: str) -> list[Row]:
    """The published subjects whose verified organisations are all verified for `key`:
    everything for overall, a framework's own norms for a framework."""
    if key == OVERALL:
        return list(figures.rows())
    framework = key.removeprefix("framework:")
    return [row for row in figures.norms if row.key.startswith(f"norm:{framework}:")]


def change_text(now: Share, before: Share | None) -> str:
    """The change in points between two shares; a bound when one of them is a bound
    ("at least +8.6 points" when this year's is at least a share)."""
    if before is None or now.value is None or before.value is None or (now.bound and before.bound):
        return DASH
    points = f"{(now.value - before.value) * 100:+.1f} points"
    if now.bound:
        return f"≥ {points}"
    return f"≤ {points}" if before.bound else points


def committed_share(figures: Figures | None) -> Share:
    """Organisations committed to at least one practice: exact, or a lower bound (the
    most organisations any one subject's published cells count)."""
    if figures is None or figures.suppressed:
        return WITHHELD
    engaged = figures.engaged
    if engaged.count is not None:
        return Share(engaged.share, engaged.count)
    sums = [
        sum(cell.count for _, cell in row.cells if cell.count is not None) for row in figures.rows()
    ]
    if not sums or not figures.population or not max(sums):
        return WITHHELD
    return Share(round(max(sums) / figures.population, 4), max(sums), bound=True)


def _points(now: float | None, before: float | None) -> float | None:
    if now is None or before is None:
        return None
    return round((now - before) * 100, 1)


# --- the parts


def _series_table(series: figures_of.Timeseries, keys: list[str]) -> list[tuple[date, list[Share]]]:
    """Per point of the series, each framework's share verified, or its bound."""
    return [(point.day, [verified_share(point, key) for key in keys]) for point in series.points]


def _sections(figures: Figures, previous: Figures | None) -> list[FrameworkSection]:
    sections = []
    for framework in figures.frameworks:
        norms = [row for row in figures.norms if row.key.startswith(f"norm:{framework.id}:")]
        lines = [NormLine(row, *_change(row, previous)) for row in norms]
        chart = charts.BarChart(
            title=f"{framework.group}: organisations verified, per norm",
            description=(
                f"Share of organisations with at least one verified practice serving each "
                f"norm of the {framework.group}, on {figures.day.isoformat()}."
            ),
            bars=[charts.Bar(line.reference, line.row.verified.share) for line in lines],
        )
        before = verified_share(previous, framework.key) if previous else None
        now = verified_share(figures, framework.key)
        sections.append(FrameworkSection(framework, chart, lines, now, before))
    return sections


def _change(row: Row, previous: Figures | None) -> tuple[float | None, float | None]:
    before = previous.row(row.key) if previous else None
    share = before.verified.share if before is not None else None
    return _points(row.verified.share, share), share


def _movers(sections: list[FrameworkSection]) -> tuple[list[Mover], list[Mover]]:
    movers = [
        Mover(line.row.title, section.row.group, line.verified_before, line.row.verified.share)
        for section in sections
        for line in section.norms
        if line.verified_before is not None and line.row.verified.share is not None
    ]
    risers = sorted((m for m in movers if m.points > 0), key=lambda m: (-m.points, m.title))
    fallers = sorted((m for m in movers if m.points < 0), key=lambda m: (m.points, m.title))
    return risers[:MOVERS], fallers[:MOVERS]


def _headlines(figures: Figures, previous: Figures | None) -> list[Headline]:
    count_before = previous.population if previous else None
    lines = [
        Headline(
            "population",
            "Member organisations",
            _count(figures.population),
            _count(count_before),
            _count_change(figures.population, count_before),
            "Organisations that are members at the end of the day (joined, or first "
            "committed, by then).",
        ),
        _share_headline(
            "committed",
            "Committed to at least one practice",
            committed_share(figures),
            committed_share(previous) if previous else None,
            "Members with at least one commitment that has not been withdrawn, whatever "
            "its status, as a share of all members.",
        ),
        _share_headline(
            "verified",
            "Verified for at least one practice",
            verified_share(figures),
            verified_share(previous) if previous else None,
            "Members with at least one practice proven: by an automated check of their "
            "domains or a document accepted by the secretariat.",
        ),
        _days_headline(figures, previous),
        _share_headline(
            "lapse-rate",
            "Lapse rate",
            _rate(figures.lapse_rate),
            _rate(previous.lapse_rate) if previous else None,
            "Of the commitments verified at some moment in the 365 days up to the day, the "
            "share whose proof stopped holding in that time.",
        ),
    ]
    return lines


def _rate(value: float | None) -> Share:
    return WITHHELD if value is None else Share(value)


def _count(value: int | None) -> str:
    return charts.SUPPRESSED_LABEL if value is None else f"{value:,}"


def _count_change(now: int | None, before: int | None) -> str:
    if now is None or before is None:
        return DASH
    return f"{now - before:+,}"


def _share_headline(
    key: str, label: str, now: Share, before: Share | None, method: str
) -> Headline:
    return Headline(
        key, label, now.short, before.short if before else DASH, change_text(now, before), method
    )


def _days_headline(figures: Figures, previous: Figures | None) -> Headline:
    def show(value: float | None) -> str:
        return charts.SUPPRESSED_LABEL if value is None else f"{value:g} days"

    now = figures.median_days_to_verified
    before = previous.median_days_to_verified if previous else None
    change = DASH if now is None or before is None else f"{now - before:+g} days"
    return Headline(
        "median-days",
        "Median days from commitment to verified",
        show(now),
        show(before) if previous else DASH,
        change,
        "Over the commitments first verified in the 365 days up to the day, the median "
        "of the days from commitment to first verification.",
    )


# --- sectors and countries


def country_name(code: str) -> str:
    """The country's name people use (ISO 3166-1), the code ISO does not know, or "Not
    stated"."""
    return countries.country_name(code) or "Not stated"


def sector_name(value: str) -> str:
    """A sector as typed, made readable ("iot" -> "IoT", "oil_gas" -> "Oil gas")."""
    special = {"iot": "IoT", "ict": "ICT", "it": "IT"}
    words = value.replace("_", " ").replace("-", " ").strip()
    return special.get(words.lower(), words[:1].upper() + words[1:])


def _segment_table(dimension: str, figures: Figures, previous: Figures | None) -> SegmentTable:
    name = country_name if dimension == Dimension.COUNTRY else sector_name
    values = figures_of.segment_choices(day=figures.day).get(dimension, [])
    lines = []
    for value in values:
        segment = Segment(dimension, value)
        now = figures_of.adoption_figures(day=figures.day, segment=segment)
        if now.suppressed:
            continue
        before = (
            figures_of.adoption_figures(day=previous.day, segment=segment) if previous else None
        )
        verified = verified_share(now)
        lines.append(
            SegmentLine(
                value=value,
                label=name(value),
                population=now.population,
                committed=committed_share(now),
                verified=verified,
                verified_change=_points(verified.exact, verified_share(before).exact),
            )
        )
    lines.sort(key=lambda line: line.label.casefold())
    shown = sum(line.population or 0 for line in lines)
    if figures.population and figures.population > shown:
        lines.append(
            SegmentLine("", _remainder_label(dimension), figures.population - shown, remainder=True)
        )
    label = Dimension(dimension).label
    return SegmentTable(dimension, f"By {label.lower()}", label, lines)


def _remainder_label(dimension: str) -> str:
    plural = {Dimension.SECTOR: "sectors", Dimension.COUNTRY: "countries"}[Dimension(dimension)]
    return f"Other {plural}, or not stated"


# --- links and the summary


def _links(base: str, day: date) -> Links:
    on = f"date={day.isoformat()}"
    return Links(
        base=base,
        dashboard=f"{base}{reverse('figures:dashboard')}?{on}",
        summary=f"{base}/api/v1/adoption/summary?{on}",
        norms_csv=f"{base}/api/v1/adoption/norms?{on}&format=csv",
        practices_csv=f"{base}/api/v1/adoption/practices?{on}&format=csv",
        api_docs=f"{base}/api/v1/docs",
        archive=f"{base}{reverse('figures:reports')}",
    )


def summarise(report: Report) -> list[str]:
    """The summary in words, from the figures alone: membership, adoption, frameworks,
    the biggest movers among the norms, pace and lapses, sectors."""
    parts = [
        _membership(report),
        _adoption(report),
        _frameworks_sentence(report),
        _movers_sentence(report),
        _pace(report),
        _sectors_sentence(report),
    ]
    return [part for part in parts if part]


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _membership(report: Report) -> str:
    figures, previous = report.figures, report.previous
    when = long_date(figures.day)
    text = f"At the end of {report.year}, {report.instance_name} had "
    text += f"{_count(figures.population)} member organisations"
    if report.partial_year:
        text = f"On {when}, the latest day with figures, {report.instance_name} had "
        text += f"{_count(figures.population)} member organisations"
    if previous is None or previous.population is None or figures.population is None:
        return text + "."
    change = figures.population - previous.population
    if change == 0:
        return text + ", as many as a year before."
    more = "more" if change > 0 else "fewer"
    return text + f", {abs(change):,} {more} than a year before."


def _adoption(report: Report) -> str:
    committed, verified = committed_share(report.figures), report.verified
    if committed.value is None and verified.value is None:
        return (
            "How many of them committed to or proved practices is withheld: the groups "
            f"behind those figures are smaller than {THRESHOLD} organisations."
        )
    text = f"{_capital(committed.text)} of them had committed to at least one of the "
    text += "catalogue's practices"
    if committed.value is None:
        text = "The share committed to a practice is withheld"
    text += f", and {verified.text} had proven at least one"
    if verified.value is None:
        text += " (how many proved one is withheld)"
    before = verified_share(report.previous) if report.previous else None
    change = change_text(verified, before)
    if before is not None and change != DASH:
        words = change.replace("≥ ", "at least ").replace("≤ ", "at most ")
        text += f", against {before.text} a year before ({words})"
    return text + "."


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _frameworks_sentence(report: Report) -> str:
    shown = [f"the {s.row.group} {s.verified.text}" for s in report.sections if s.verified.value]
    if not shown:
        return ""
    return (
        f"Members verified for at least one practice of each framework: {_join(shown, sep=', ')}."
    )


def _movers_sentence(report: Report) -> str:
    if report.previous is None:
        return (
            f"There are no figures for the end of {report.year - 1}, so this report shows "
            "no changes."
        )
    if not report.risers and not report.fallers:
        return "No norm's verified share changed since the end of last year."
    text = ""
    if report.risers:
        names = [
            f"{m.title} ({m.framework}, {m.points:+.1f} points, to {m.now_percent})"
            for m in report.risers
        ]
        text = f"The biggest movers among the norms were {_join(names)}."
    if report.fallers:
        fell = report.fallers[0]
        text += (
            f" The largest fall was for {fell.title} ({fell.framework}, {fell.points:+.1f} "
            f"points, to {fell.now_percent})."
        )
    return text.strip()


def _join(items: list[str], *, sep: str = "; ") -> str:
    if len(items) == 1:
        return items[0]
    return f"{sep.join(items[:-1])}{sep}and {items[-1]}"


def _pace(report: Report) -> str:
    figures, previous = report.figures, report.previous
    days, rate = figures.median_days_to_verified, figures.lapse_rate
    parts = []
    if days is not None:
        before = previous.median_days_to_verified if previous else None
        again = f" ({before:g} a year before)" if before is not None else ""
        parts.append(
            f"Organisations took a median of {days:g} days from committing to a practice "
            f"to its first verification{again}"
        )
    if rate is not None:
        before_rate = previous.lapse_rate if previous else None
        again = f" ({before_rate * 100:.1f}% a year before)" if before_rate is not None else ""
        parts.append(f"{rate * 100:.1f}% of verified commitments lapsed within the year{again}")
    return "; ".join(parts) + "." if parts else ""


def _sectors_sentence(report: Report) -> str:
    exact = [line for line in report.sectors.lines if not line.remainder and line.verified.exact]
    if len(exact) < 2:
        return ""
    ranked = sorted(exact, key=lambda line: (-(line.verified.exact or 0), line.label))
    high, low = ranked[0], ranked[-1]
    if high.verified.exact == low.verified.exact:
        return (
            f"In each of the {len(exact)} sectors whose exact share is published, "
            f"{high.verified.text} of members were verified for at least one practice."
        )
    return (
        f"Across the {len(exact)} sectors whose exact share is published, the share verified "
        f"for at least one practice ranged from {low.verified.text} ({low.label}) to "
        f"{high.verified.text} ({high.label})."
    )
