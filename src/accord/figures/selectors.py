"""Reading the published adoption figures: the dashboard, the open data and the report
all call `adoption_figures` and `adoption_timeseries`, so they show the same numbers.

Every read is a lookup on `DailySnapshot`'s unique index (segment, date): one row for
a day's figures, one row per point for a time series. Nothing here counts raw records.
"""

from __future__ import annotations

import calendar
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any, Literal

from django.db.models import Max, Min
from django.db.models.fields.json import KeyTransform
from django.utils import timezone

from accord import errors
from accord.accounts import selectors as accounts
from accord.accounts.countries import country_name
from accord.catalogue import selectors as catalogue
from accord.engine.registry import ACKNOWLEDGEMENT_CHECK
from accord.evidence import selectors as evidence
from accord.figures.metrics import DIMENSIONS, OVERALL, STATUSES
from accord.figures.models import DailySnapshot, Dimension, PublishedReport
from accord.figures.suppression import NOT_COMMITTED, THRESHOLD, PublishedRow, implied_ranges

Interval = Literal["auto", "day", "week", "month"]
MAX_POINTS = 1830  # five years of days
_PICK_IN_DATABASE = 4  # up to this many subjects, the database extracts them

SEGMENT_SUPPRESSED = (
    f"Fewer than {THRESHOLD} organisations match this filter (or so few that the figures "
    "of a smaller group could be worked out from it), so no figures are shown for it."
)
COMBINED_FILTERS = (
    "Filter by one of sector, country or size band at a time: combined filters would let "
    "figures be subtracted from each other to single out a member."
)


class NoFigures(errors.NotFound):
    """No published figures for the date asked for (a message a person can read)."""


class InvalidFilter(errors.Invalid, ValueError):
    """A filter that cannot be answered."""


@dataclass(frozen=True)
class Segment:
    """The organisations figures describe: everyone, or one sector, country or size band."""

    dimension: str = Dimension.ALL.value
    value: str = ""

    @classmethod
    def from_filters(cls, *, sector: str = "", country: str = "", size_band: str = "") -> Segment:
        given = {
            dim: value.strip()
            for dim, value in zip(DIMENSIONS, (sector, country, size_band), strict=True)
            if value and value.strip()
        }
        if len(given) > 1:
            raise InvalidFilter(COMBINED_FILTERS)
        if not given:
            return cls()
        ((dimension, value),) = given.items()
        if dimension == Dimension.COUNTRY:
            value = value.upper()
        if len(value) > 80:
            raise InvalidFilter(f"The {dimension.replace('_', ' ')} is too long.", field=dimension)
        return cls(str(dimension), value)

    @property
    def is_all(self) -> bool:
        return self.dimension == Dimension.ALL

    @property
    def label(self) -> str:
        """ "All organisations", or the dimension and the value as people read it
        ("Country: Germany" for the code DE)."""
        if self.is_all:
            return "All organisations"
        return f"{Dimension(self.dimension).label}: {self.value_label}"

    @property
    def phrase(self) -> str:
        """The label inside a sentence: "all organisations", "country: Germany"."""
        if self.is_all:
            return "all organisations"
        return f"{Dimension(self.dimension).label.lower()}: {self.value_label}"

    @property
    def value_label(self) -> str:
        """The value as people read it: a country's name, else the value itself."""
        if self.dimension == Dimension.COUNTRY:
            return country_name(self.value)
        return self.value

    def params(self) -> dict[str, str]:
        return {} if self.is_all else {self.dimension: self.value}


ALL_ORGANISATIONS = Segment()


@dataclass(frozen=True)
class Cell:
    """How many organisations stood at one status, and their share of the population;
    both None when suppressed."""

    count: int | None
    share: float | None

    @property
    def suppressed(self) -> bool:
        return self.count is None

    @property
    def percent(self) -> str:
        return "" if self.share is None else f"{self.share * 100:.1f}%"


SUPPRESSED_CELL = Cell(None, None)


@dataclass(frozen=True)
class Bound:
    """The range a withheld count must lie in, worked out from the published figures
    alone (`suppression.implied_ranges`): safe to show, since any reader could work it
    out. Shown as "more than 96%" or "fewer than 4%" when that says something."""

    lower: int
    upper: int
    population: int

    @property
    def text(self) -> str:
        lower, upper, population = self.lower, self.upper, self.population
        if population <= 0:
            return ""
        if lower > 0 and 2 * lower >= population:
            # The largest whole percentage the share is surely above.
            return f"more than {-(-100 * lower // population) - 1}%"
        if upper < population and 2 * upper <= population:
            return f"fewer than {100 * upper // population + 1}%"
        return ""


@dataclass(frozen=True)
class Row:
    """One subject's figures: a practice, a norm, a framework, or all practices."""

    key: str
    kind: str
    id: str
    title: str
    group: str
    committed: Cell
    implemented: Cell
    verified: Cell
    lapsed: Cell

    @property
    def cells(self) -> list[tuple[str, Cell]]:
        return [(status, getattr(self, status)) for status in STATUSES]

    @property
    def any_suppressed(self) -> bool:
        return any(cell.suppressed for _, cell in self.cells)


@dataclass(frozen=True)
class Figures:
    """Everything published about one segment on one day."""

    day: date
    segment: Segment
    population: int | None
    includes_demo: bool
    reason: str
    overall: Row | None
    median_days_to_verified: float | None
    lapse_rate: float | None
    frameworks: list[Row]
    norms: list[Row]
    practices: list[Row]
    engaged_count: int | None = None
    # For a withheld headline count: what the published figures show of it anyway.
    engaged_bound: Bound | None = None
    verified_bound: Bound | None = None

    @property
    def suppressed(self) -> bool:
        return self.population is None

    @property
    def lapse_percent(self) -> str:
        return "" if self.lapse_rate is None else f"{self.lapse_rate * 100:.1f}%"

    @property
    def engaged(self) -> Cell:
        """Organisations with at least one commitment."""
        if self.engaged_count is None:
            return SUPPRESSED_CELL
        return Cell(self.engaged_count, _share(self.engaged_count, self.population))

    def rows(self) -> Iterable[Row]:
        yield from self.frameworks
        yield from self.norms
        yield from self.practices

    @cached_property
    def _by_key(self) -> dict[str, Row]:
        rows = {row.key: row for row in self.rows()}
        if self.overall is not None:
            rows[OVERALL] = self.overall
        return rows

    def row(self, key: str) -> Row | None:
        return self._by_key.get(key)


@dataclass(frozen=True)
class Timeseries:
    segment: Segment
    interval: str
    points: list[Figures]


def kept_range() -> tuple[date, date] | None:
    """The first and last day with stored figures, or None before the first snapshot."""
    span = DailySnapshot.objects.filter(dimension=Dimension.ALL, value="").aggregate(
        first=Min("date"), last=Max("date")
    )
    if span["first"] is None:
        return None
    return span["first"], span["last"]


def resolve_day(day: date | None) -> date:
    """The day asked for (default: the latest), if figures are kept for it."""
    return _resolve_day(day, kept_range())


def _resolve_day(day: date | None, span: tuple[date, date] | None) -> date:
    if span is None:
        raise NoFigures("No adoption figures have been published yet.")
    first, last = span
    if day is None:
        return last
    if not first <= day <= last:
        raise NoFigures(
            f"No adoption figures for {day.isoformat()}: figures are kept from "
            f"{first.isoformat()} to {last.isoformat()}."
        )
    return day


def adoption_figures(*, day: date | None = None, segment: Segment = ALL_ORGANISATIONS) -> Figures:
    """The published figures of `segment` at the end of `day` (default: the latest).

    Raises NoFigures for a day outside the kept range. A segment too small to publish
    gives Figures with `population` None and the reason.
    """
    day = resolve_day(day)
    _require_known(segment)
    snapshot = (
        DailySnapshot.objects.filter(dimension=segment.dimension, value=segment.value, date=day)
        .values_list("population", "includes_demo", "figures")
        .first()
    )
    figures = _figures(day, segment, snapshot, _Labels.load())
    withheld = figures.overall is not None and figures.overall.verified.suppressed
    if figures.suppressed or not (withheld or figures.engaged.suppressed):
        return figures
    engaged, verified = _headline_bounds(day, segment)
    return replace(figures, engaged_bound=engaged, verified_bound=verified)


def _headline_bounds(day: date, segment: Segment) -> tuple[Bound | None, Bound | None]:
    """What the day's published figures, all segments together, show of the segment's
    organisations with a commitment and verified ones, where those are withheld."""
    subjects = KeyTransform("subjects", "figures")
    rows = DailySnapshot.objects.filter(date=day).annotate(
        overall=KeyTransform(OVERALL, subjects), engaged=KeyTransform("engaged", "figures")
    )
    published = {}
    for dimension, value, population, overall, engaged in rows.values_list(
        "dimension", "value", "population", "overall", "engaged"
    ):
        if not isinstance(overall, list) or len(overall) != len(STATUSES):
            return None, None
        not_committed = None if engaged is None else population - engaged
        published[(dimension, value)] = PublishedRow(population, (*overall, not_committed))
    ranges = implied_ranges(published, DIMENSIONS).get((segment.dimension, segment.value))
    if ranges is None:
        return None, None
    population = published[(segment.dimension, segment.value)].population
    lowest, highest = ranges[NOT_COMMITTED]
    return (
        Bound(population - highest, population - lowest, population),
        Bound(*ranges[STATUSES.index("verified")], population),
    )


def adoption_timeseries(
    *,
    segment: Segment = ALL_ORGANISATIONS,
    start: date | None = None,
    end: date | None = None,
    interval: Interval = "auto",
    subjects: Sequence[str] | None = None,
) -> Timeseries:
    """The figures of `segment` on a run of days ending with `end` (default: the latest),
    one point per day, week (every 7th day back from `end`) or month (month ends, and
    `end`). "auto" picks days up to two months, weeks up to a year, months beyond.
    With `subjects`, each point holds only those subjects' rows (the database picks
    them out of the stored documents, which keeps long daily series fast)."""
    span = kept_range()
    end = _resolve_day(end, span)
    first, _ = span or (end, end)
    start = max(start or first, first)
    if start > end:
        raise NoFigures(f"The series would start ({start}) after it ends ({end}).")
    _require_known(segment)
    chosen = _interval(start, end) if interval == "auto" else interval
    days = sample_days(start, end, chosen)
    if len(days) > MAX_POINTS:
        raise InvalidFilter(
            f"That is {len(days)} points; ask for at most {MAX_POINTS} (a shorter span or "
            "a longer interval).",
            field="interval",
        )
    found = _snapshots(segment, days, subjects)
    labels = _Labels.load()
    points = [_figures(day, segment, found.get(day), labels) for day in days]
    return Timeseries(segment=segment, interval=chosen, points=points)


def _snapshots(
    segment: Segment, days: list[date], subjects: Sequence[str] | None
) -> dict[date, tuple[Any, ...]]:
    rows = DailySnapshot.objects.filter(
        dimension=segment.dimension, value=segment.value, date__in=days
    )
    if subjects is None or len(subjects) > _PICK_IN_DATABASE:
        found = rows.values_list("date", "population", "includes_demo", "figures")
        if subjects is None:
            return {row[0]: row[1:] for row in found}
        wanted = set(subjects)
        return {
            day: (population, demo, _only(document, wanted))
            for day, population, demo, document in found
        }
    picked = {
        f"subject_{i}": KeyTransform(key, KeyTransform("subjects", "figures"))
        for i, key in enumerate(subjects)
    }
    values = rows.annotate(
        median=KeyTransform("median_days_to_verified", "figures"),
        lapse=KeyTransform("lapse_rate", "figures"),
        **picked,
    ).values("date", "population", "includes_demo", "median", "lapse", *picked)
    documents = {}
    for row in values:
        document = {
            "subjects": {
                key: row[f"subject_{i}"]
                for i, key in enumerate(subjects)
                if row[f"subject_{i}"] is not None
            },
            "median_days_to_verified": row["median"],
            "lapse_rate": row["lapse"],
        }
        documents[row["date"]] = (row["population"], row["includes_demo"], document)
    return documents


def _only(document: dict[str, Any], wanted: set[str]) -> dict[str, Any]:
    subjects = document.get("subjects", {})
    return {**document, "subjects": {key: subjects[key] for key in wanted if key in subjects}}


def _require_known(segment: Segment) -> None:
    """Refuse a sector, country or size band that no published figures have ever
    described. Only published segments are stored, so this tells nobody more than the
    figures already did: an unknown value and one too small to publish read alike."""
    if segment.is_all:
        return
    if not DailySnapshot.objects.filter(dimension=segment.dimension, value=segment.value).exists():
        name = segment.dimension.replace("_", " ")
        raise InvalidFilter(
            f"No figures are published for the {name} “{segment.value[:80]}”: it has no "
            f"organisations, or fewer than {THRESHOLD}, whose figures are never shown.",
            field=segment.dimension,
        )


def segment_choices(*, day: date) -> dict[str, list[str]]:
    """The sectors, countries and size bands with published figures on `day`."""
    choices: dict[str, list[str]] = {dim: [] for dim in DIMENSIONS}
    for dimension, value in (
        DailySnapshot.objects.filter(date=day)
        .exclude(dimension=Dimension.ALL)
        .order_by("dimension", "value")
        .values_list("dimension", "value")
    ):
        choices[dimension].append(value)
    return choices


def sample_days(start: date, end: date, interval: str) -> list[date]:
    """The days of a series, oldest first, always ending with `end`."""
    if interval == "day":
        return [start + timedelta(days=i) for i in range((end - start).days + 1)]
    if interval == "week":
        count = (end - start).days // 7
        return [end - timedelta(days=7 * i) for i in range(count, -1, -1)]
    days = []
    year, month = start.year, start.month
    while (year, month) < (end.year, end.month):
        month_end = date(year, month, calendar.monthrange(year, month)[1])
        if month_end >= start:
            days.append(month_end)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return [*days, end]


def _interval(start: date, end: date) -> str:
    span = (end - start).days
    return "day" if span <= 62 else "week" if span <= 366 else "month"


def _share(count: int | None, population: int | None) -> float | None:
    if count is None or not population:
        return None
    return round(count / population, 4)


def _figures(
    day: date, segment: Segment, snapshot: tuple[Any, ...] | None, labels: _Labels
) -> Figures:
    if snapshot is None:
        return Figures(day, segment, None, False, SEGMENT_SUPPRESSED, None, None, None, [], [], [])
    population, includes_demo, document = snapshot
    subjects: dict[str, list[int | None]] = document.get("subjects", {})
    rows = [labels.row(key, subjects[key], population) for key in labels.order(subjects)]
    by_kind: dict[str, list[Row]] = {"framework": [], "norm": [], "practice": []}
    overall = None
    for row in rows:
        if row.kind == OVERALL:
            overall = row
        else:
            by_kind[row.kind].append(row)
    return Figures(
        day=day,
        segment=segment,
        population=population,
        includes_demo=includes_demo,
        reason="",
        overall=overall,
        median_days_to_verified=document.get("median_days_to_verified"),
        lapse_rate=document.get("lapse_rate"),
        frameworks=by_kind["framework"],
        norms=by_kind["norm"],
        practices=by_kind["practice"],
        engaged_count=document.get("engaged"),
    )


class _Labels:
    """Titles of the catalogue's subjects, and their order (the catalogue's)."""

    def __init__(self, entries: dict[str, tuple[str, str]]):
        self.entries = entries  # key -> (title, group)

    @classmethod
    def load(cls) -> _Labels:
        entries: dict[str, tuple[str, str]] = {OVERALL: ("All practices", "")}
        for slug, title, short in catalogue.framework_rows():
            entries[f"framework:{slug}"] = (title, short)
        for framework, key, reference, title, short in catalogue.norm_rows():
            entries[f"norm:{framework}:{key}"] = (f"{reference}: {title}", short)
        for _pk, slug, title, area in catalogue.practice_rows():
            entries[f"practice:{slug}"] = (title, area)
        return cls(entries)

    def order(self, keys: Iterable[str]) -> list[str]:
        present = set(keys)
        known = [key for key in self.entries if key in present]
        return known + sorted(present - set(known))

    def row(self, key: str, counts: list[int | None], population: int) -> Row:
        kind, _, ident = key.partition(":")
        title, group = self.entries.get(key, (ident or key, ""))
        cells = [
            SUPPRESSED_CELL if count is None else Cell(count, _share(count, population))
            for count in counts
        ]
        return Row(key, kind, ident or kind, title, group, *cells)


# --- the archive of published reports


@dataclass(frozen=True)
class ArchivedYear:
    """A year's published versions, newest first: the first is the current one."""

    year: int
    versions: list[PublishedReport]

    @property
    def current(self) -> PublishedReport:
        return self.versions[0]

    @property
    def earlier(self) -> list[PublishedReport]:
        return self.versions[1:]


def report_archive(user: Any) -> list[ArchivedYear]:
    """Every published report the user may read, by year, newest year first."""
    years: dict[int, list[PublishedReport]] = {}
    for published in PublishedReport.objects.visible_to(user).order_by("-year", "-version"):
        years.setdefault(published.year, []).append(published)
    return [ArchivedYear(year, versions) for year, versions in years.items()]


def published_report(user: Any, *, year: int, version: int | None = None) -> PublishedReport | None:
    """One published version (default: the year's latest) if the user may read it."""
    found = PublishedReport.objects.visible_to(user).filter(year=year)
    if version is not None:
        found = found.filter(version=version)
    return found.order_by("-version").first()


def report_years() -> list[int]:
    """The years with figures, newest first: those a report can be made for."""
    span = kept_range()
    if span is None:
        return []
    return list(range(span[1].year, span[0].year - 1, -1))


# Coordinated disclosure: the coalition's medians ---------------------------------------

DISCLOSURE_MEASURES = (
    ("acknowledgement", "Median days from notification to acknowledgement"),
    ("first_statement", "Median days from notification to the vendor's first statement"),
    ("fix", "Median days from notification to a stated fix"),
    ("publication", "Median days from notification to the published advisory"),
)


@dataclass(frozen=True)
class DisclosureFigures:
    """How the coalition's vendors handle coordinated cases on the platform, as at the end
    of `day`: per measure the median, over the organisations with a value, of each
    organisation's own median (days); and the share of agreed embargoes that held. Each
    is None (withheld) unless at least `THRESHOLD` organisations stand behind it; no
    count is published beside them, so they single out nobody."""

    day: date
    segment: Segment
    medians: dict[str, float | None]
    embargo_held_rate: float | None
    includes_demo: bool

    def rows(self) -> list[tuple[str, str, float | None]]:
        return [(key, label, self.medians[key]) for key, label in DISCLOSURE_MEASURES]


def disclosure_figures(
    *, day: date | None = None, segment: Segment = ALL_ORGANISATIONS
) -> DisclosureFigures:
    """The coalition's disclosure medians for `segment` at the end of `day` (default: the
    latest day with figures), from the platform's evidence of each vendor organisation
    (`evidence.platform_results`). Raises NoFigures and InvalidFilter as
    `adoption_figures` does."""
    day = resolve_day(day)
    _require_known(segment)
    zone = timezone.get_current_timezone()
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    results = evidence.platform_results(ACKNOWLEDGEMENT_CHECK, until=end)
    members = {row[0]: row for row in accounts.member_rows()}  # id, sector, ..., is demo
    if not segment.is_all:
        column = 1 + DIMENSIONS.index(segment.dimension)
        results = {
            org: result
            for org, result in results.items()
            if org in members and members[org][column] == segment.value
        }
    demo = any(members[org][4] for org in results if org in members)
    details = [result.get("details") or {} for result in results.values()]
    medians = {
        key: _published_median([(d.get("median_days") or {}).get(key) for d in details])
        for key, _ in DISCLOSURE_MEASURES
    }
    return DisclosureFigures(day, segment, medians, _embargo_rate(details), demo)


def _published_median(values: Iterable[float | None]) -> float | None:
    known = sorted(float(value) for value in values if isinstance(value, int | float))
    if len(known) < THRESHOLD:
        return None
    return round(statistics.median(known), 1)


def _embargo_rate(details: list[dict[str, Any]]) -> float | None:
    embargoes = [d.get("embargo") or {} for d in details]
    counted = [(e.get("held", 0), e.get("broken", 0)) for e in embargoes]
    counted = [(held, broken) for held, broken in counted if held + broken > 0]
    if len(counted) < THRESHOLD:
        return None
    held = sum(held for held, _ in counted)
    return round(held / sum(held + broken for held, broken in counted), 4)
