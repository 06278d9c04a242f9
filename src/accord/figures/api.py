"""Open data: the published adoption figures at /api/v1/adoption/ (no authentication).

The same figures as the dashboard, read through the same selectors
(`metrics_selectors`), as JSON or, with `?format=csv`, as CSV with a header row.
Every endpoint takes `?date=YYYY-MM-DD` (default: the latest day; any kept day since
the first snapshot) and one of `?sector=`, `?country=`, `?size_band=`.

`/disclosure` gives the coalition's medians of coordinated disclosure (days from a
vendor's notification to its acknowledgement, first statement, fix and publication) and
the share of embargoes that held, from the platform's own records.

A suppressed figure (fewer than 5 organisations behind it) is null with
`"suppressed": true`; in CSV its cells are empty and its name is in the `suppressed`
column. A day outside the kept range answers 404, a malformed value or combined
filters 422, each with `{"detail": ...}`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Field, Query, Router, Schema

from accord.apischema import MAX_ID_LENGTH, IsoDate, refusals
from accord.errors import NotFound
from accord.figures import selectors as figures_of
from accord.figures.metrics import OVERALL, STATUSES
from accord.figures.selectors import (
    SUPPRESSED_CELL as SUPPRESSED,
)
from accord.figures.selectors import (
    Cell,
    DisclosureFigures,
    Figures,
    Row,
    Segment,
    Timeseries,
)

router = Router(tags=["open data"])

Format = Literal["json", "csv"]
SEGMENT_LENGTH = 80  # as long as an organisation's sector may be
KINDS = {"practices": "practice", "norms": "norm", "frameworks": "framework"}


class CellOut(Schema):
    count: int | None = Field(description="Organisations at this status; null if suppressed")
    share: float | None = Field(description="count / population, 0 to 1; null if suppressed")
    suppressed: bool


class ValueOut(Schema):
    value: float | None
    suppressed: bool = Field(description="Fewer than 5 organisations behind it (or none)")


class RowOut(Schema):
    id: str = Field(description="Practice id, `<framework>:<norm>`, framework id or `overall`")
    title: str
    group: str = Field(description="A practice's area; a norm's framework")
    committed: CellOut
    implemented: CellOut
    verified: CellOut
    lapsed: CellOut


class SegmentOut(Schema):
    dimension: Literal["all", "sector", "country", "size_band"]
    value: str
    label: str


class FiguresMeta(Schema):
    date: dt.date = Field(description="Figures as at the end of this day")
    segment: SegmentOut
    population: int | None = Field(description="Member organisations in the segment")
    suppressed: bool = Field(description="The whole segment is suppressed (see `reason`)")
    reason: str
    includes_demo_data: bool
    method: str = Field(description="Where the definitions are explained")


class AdoptionSummaryOut(FiguresMeta):
    organisations_with_commitment: CellOut
    overall: RowOut | None = Field(
        description="Organisations by their most advanced status over all practices"
    )
    median_days_to_verified: ValueOut
    lapse_rate: ValueOut


class DisclosureItemOut(Schema):
    id: Literal["acknowledgement", "first_statement", "fix", "publication", "embargo_held"]
    title: str
    unit: Literal["days", "share"] = Field(
        description="`days`: the median over vendor organisations of each one's median "
        "days from notification; `share`: of agreed embargoes, 0 to 1"
    )
    value: ValueOut


class DisclosureOut(Schema):
    date: dt.date = Field(description="As the platform's records stood at the end of this day")
    segment: SegmentOut
    includes_demo_data: bool
    method: str = Field(description="Where the definitions are explained")
    items: list[DisclosureItemOut]


class TableOut(FiguresMeta):
    items: list[RowOut]


class PointOut(Schema):
    date: dt.date
    population: int | None
    suppressed: bool
    committed: CellOut
    implemented: CellOut
    verified: CellOut
    lapsed: CellOut


class TimeseriesOut(Schema):
    segment: SegmentOut
    subject: str
    title: str
    interval: Literal["day", "week", "month"]
    includes_demo_data: bool
    points: list[PointOut]


class DatesOut(Schema):
    first: dt.date | None = Field(description="The first day with figures (null: none yet)")
    last: dt.date | None = Field(description="The latest day with figures")


class FiguresQuery(Schema):
    date: IsoDate | None = Field(None, description="YYYY-MM-DD; default: the latest day")
    sector: str = Field(
        "", max_length=SEGMENT_LENGTH, description="Only organisations of this sector"
    )
    country: str = Field(
        "", max_length=SEGMENT_LENGTH, description="Only organisations of this country (ISO 3166-1)"
    )
    size_band: str = Field(
        "", max_length=SEGMENT_LENGTH, description="Only organisations of this size band"
    )
    format: Format = Field("json", description="`csv` for CSV with a header row")

    def segment(self) -> Segment:
        return Segment.from_filters(
            sector=self.sector, country=self.country, size_band=self.size_band
        )


class TimeseriesQuery(FiguresQuery):
    subject: str = Field(
        OVERALL,
        max_length=2 * MAX_ID_LENGTH,
        description="`overall`, `framework:<id>`, `norm:<framework>:<norm>` or `practice:<id>`",
    )
    start: IsoDate | None = Field(None, alias="from", description="First day (default: first kept)")
    end: IsoDate | None = Field(
        None, alias="to", description="Last day (default: `date` or latest)"
    )
    interval: Literal["auto", "day", "week", "month"] = "auto"


_CSV_OR_JSON = {
    "description": "The figures as JSON, or as CSV (`?format=csv`, text/csv with a header row)",
    "content": {"text/csv": {"schema": {"type": "string"}}},
}
_ERRORS = refusals(400, 404, 422)


def _openapi(summary: str) -> dict[str, Any]:
    return {"summary": summary, "openapi_extra": {"responses": {200: _CSV_OR_JSON}}}


@router.get("/dates", response=DatesOut, summary="The days for which figures are kept")
def dates(request: HttpRequest) -> dict[str, Any]:
    span = figures_of.kept_range()
    return {"first": span[0] if span else None, "last": span[1] if span else None}


@router.get(
    "/summary", response={200: AdoptionSummaryOut, **_ERRORS}, **_openapi("Headline figures")
)
def summary(request: HttpRequest, query: Query[FiguresQuery]) -> Any:
    found = _figures(query)
    return _respond(summary_json(found), query.format, f"adoption-summary-{found.day}")


@router.get("/practices", response={200: TableOut, **_ERRORS}, **_openapi("Per practice"))
def practices(request: HttpRequest, query: Query[FiguresQuery]) -> Any:
    return _table(query, "practices")


@router.get("/norms", response={200: TableOut, **_ERRORS}, **_openapi("Per norm"))
def norms(request: HttpRequest, query: Query[FiguresQuery]) -> Any:
    return _table(query, "norms")


@router.get("/frameworks", response={200: TableOut, **_ERRORS}, **_openapi("Per framework"))
def frameworks(request: HttpRequest, query: Query[FiguresQuery]) -> Any:
    return _table(query, "frameworks")


@router.get(
    "/timeseries",
    response={200: TimeseriesOut, **_ERRORS},
    **_openapi("One subject's figures over time"),
)
def timeseries(request: HttpRequest, query: Query[TimeseriesQuery]) -> Any:
    segment = query.segment()
    end = query.end or query.date
    series = figures_of.adoption_timeseries(
        segment=segment,
        start=query.start,
        end=end,
        interval=query.interval,
        subjects=[query.subject],
    )
    body = timeseries_json(series, query.subject)
    if body is None:
        raise NotFound(f"No subject {query.subject!r}; see /api/v1/adoption/practices.")
    name = f"adoption-{query.subject.replace(':', '-')}-{series.points[-1].day}"
    return _respond(body, query.format, name)


@router.get(
    "/disclosure",
    response={200: DisclosureOut, **_ERRORS},
    **_openapi("Coordinated disclosure: the coalition's medians"),
)
def disclosure(request: HttpRequest, query: Query[FiguresQuery]) -> Any:
    found = figures_of.disclosure_figures(day=query.date, segment=query.segment())
    return _respond(disclosure_json(found), query.format, f"adoption-disclosure-{found.day}")


# --- the JSON form of the figures, shared by the CSV and compared with the dashboard


def cell_json(cell: Cell) -> dict[str, Any]:
    return {"count": cell.count, "share": cell.share, "suppressed": cell.suppressed}


def row_json(row: Row) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "group": row.group,
        **{status: cell_json(cell) for status, cell in row.cells},
    }


def meta_json(found: Figures) -> dict[str, Any]:
    return {
        "date": found.day.isoformat(),
        "segment": segment_json(found.segment),
        "population": found.population,
        "suppressed": found.suppressed,
        "reason": found.reason,
        "includes_demo_data": found.includes_demo,
        "method": "/adoption/#method",
    }


def segment_json(segment: Segment) -> dict[str, str]:
    return {"dimension": segment.dimension, "value": segment.value, "label": segment.label}


def value_json(value: float | None) -> dict[str, Any]:
    return {"value": value, "suppressed": value is None}


def summary_json(found: Figures) -> dict[str, Any]:
    return {
        **meta_json(found),
        "organisations_with_commitment": cell_json(found.engaged),
        "overall": row_json(found.overall) if found.overall else None,
        "median_days_to_verified": value_json(found.median_days_to_verified),
        "lapse_rate": value_json(found.lapse_rate),
    }


def disclosure_json(found: DisclosureFigures) -> dict[str, Any]:
    items = [
        {"id": key, "title": label, "unit": "days", "value": value_json(value)}
        for key, label, value in found.rows()
    ]
    items.append(
        {
            "id": "embargo_held",
            "title": "Share of agreed embargoes that held",
            "unit": "share",
            "value": value_json(found.embargo_held_rate),
        }
    )
    return {
        "date": found.day.isoformat(),
        "segment": segment_json(found.segment),
        "includes_demo_data": found.includes_demo,
        "method": "/adoption/#method-disclosure",
        "items": items,
    }


def table_json(found: Figures, table: str) -> dict[str, Any]:
    rows: list[Row] = getattr(found, table)
    return {**meta_json(found), "items": [row_json(row) for row in rows]}


def timeseries_json(series: Timeseries, subject: str) -> dict[str, Any] | None:
    """One subject's points; None if the subject is in none of the published points."""
    rows = [point.overall if subject == OVERALL else point.row(subject) for point in series.points]
    published = [point for point in series.points if not point.suppressed]
    if published and all(row is None for row in rows):
        return None
    points = []
    for point, row in zip(series.points, rows, strict=True):
        cells = dict(row.cells) if row else {}
        points.append(
            {
                "date": point.day.isoformat(),
                "population": point.population,
                "suppressed": point.suppressed,
                **{s: cell_json(cells.get(s, SUPPRESSED)) for s in STATUSES},
            }
        )
    titles = [row.title for row in rows if row is not None]
    return {
        "segment": segment_json(series.segment),
        "subject": subject,
        "title": titles[-1] if titles else subject,
        "interval": series.interval,
        "includes_demo_data": any(point.includes_demo for point in series.points),
        "points": points,
    }


# --- CSV


def to_csv(body: dict[str, Any]) -> str:
    """The JSON body as CSV: one line per item or point (a summary is one line).

    A cell becomes `<name>` (its count) and `<name>_share`; a suppressed one is empty
    and named in the last column, `suppressed`, which reads `all` when the whole segment
    (or point) is suppressed.
    """
    lines = [_line(body, record) for record in _records(body)]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(lines[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows([{name: _inert(value) for name, value in line.items()} for line in lines])
    return out.getvalue()


# A spreadsheet reads a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, made plain text by a leading
    apostrophe (OWASP's advice for CSV injection). Numbers are left as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return f"'{value}"
    return value


def _records(body: dict[str, Any]) -> list[dict[str, Any]]:
    if "points" in body:
        return body["points"]
    if "items" in body:
        return body["items"] or [{}]
    return [{}]


def _line(body: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
    line: dict[str, Any] = {}
    hidden: list[str] = []
    segment = body["segment"]
    context = {
        "date": body.get("date"),
        "segment_dimension": segment["dimension"],
        "segment_value": segment["value"],
        "population": body.get("population"),
        "subject": body.get("subject"),
        "interval": body.get("interval"),
        "includes_demo_data": body["includes_demo_data"],
    }
    line.update(
        {key: value for key, value in context.items() if key in body or key.startswith("seg")}
    )
    whole = bool(body.get("suppressed")) or bool(record.get("suppressed"))
    fields = {**_summary_fields(body), **record}
    for name, value in fields.items():
        if isinstance(value, dict) and "count" in value:
            line[name], line[f"{name}_share"] = value["count"], value["share"]
            hidden += [name] if value["suppressed"] else []
        elif isinstance(value, dict):
            line[name] = value["value"]
            hidden += [name] if value["suppressed"] else []
        elif name != "suppressed":
            line[name] = value
    line["suppressed"] = "all" if whole else " ".join(hidden)
    return line


def _summary_fields(body: dict[str, Any]) -> dict[str, Any]:
    if "organisations_with_commitment" not in body:
        return {}
    overall = body["overall"] or {}
    statuses = {f"overall_{s}": overall.get(s, cell_json(SUPPRESSED)) for s in STATUSES}
    return {
        "organisations_with_commitment": body["organisations_with_commitment"],
        **statuses,
        "median_days_to_verified": body["median_days_to_verified"],
        "lapse_rate": body["lapse_rate"],
    }


def _respond(body: dict[str, Any], fmt: Format, name: str) -> HttpResponse:
    """The body as JSON or CSV. The JSON skips django-ninja's validation of the
    response (a three-year daily series is thousands of objects, and validating them
    took longer than everything else); the tests hold each body to its schema."""
    if fmt == "json":
        return JsonResponse(body)
    response = HttpResponse(to_csv(body), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}.csv"'
    return response


def _figures(query: FiguresQuery) -> Figures:
    return figures_of.adoption_figures(day=query.date, segment=query.segment())


def _table(query: FiguresQuery, table: str) -> Any:
    found = _figures(query)
    return _respond(table_json(found, table), query.format, f"adoption-{table}-{found.day}")
