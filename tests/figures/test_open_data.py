"""Open data at /api/v1/adoption/: the published figures as JSON and CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from ninja import Schema

from accord.commitments.models import Status
from accord.figures import selectors as figures_selectors
from accord.figures.api import AdoptionSummaryOut, DatesOut, TableOut, TimeseriesOut
from accord.figures.api import _inert as to_csv_cell
from accord.figures.services import rebuild_snapshots
from tests.figures.factories_metrics import commit, make_orgs, verify

pytestmark = pytest.mark.django_db
API = "/api/v1/adoption"
START = date(2025, 3, 1)
TXT = "cvd.security-txt"


@pytest.fixture
def figures(catalogue: object) -> date:
    """40 energy, 8 water and 6 transport organisations in DE, 4 health ones in FR;
    10 days kept."""
    energy = make_orgs(40, sector="energy")
    water = make_orgs(8, sector="water")
    make_orgs(6, sector="transport")
    make_orgs(4, sector="health", country="FR")
    verify(energy[:20], TXT, on=START, verified=START + timedelta(days=3))
    verify(water[:4], TXT, on=START, verified=START + timedelta(days=3))
    for org in energy[20:30]:
        commit(org, TXT, on=START, then=[(Status.IMPLEMENTED, START + timedelta(days=1))])
    end = START + timedelta(days=9)
    rebuild_snapshots(until=end)
    return end


def csv_rows(client: Client, url: str, **params: Any) -> list[dict[str, str]]:
    response = client.get(url, {**params, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_a_count_of_fewer_than_5_organisations_is_null_and_marked(
    client: Client, figures: date
) -> None:
    water = client.get(f"{API}/practices", {"sector": "water"}).json()
    row = next(item for item in water["items"] if item["id"] == TXT)
    assert row["verified"] == {"count": None, "share": None, "suppressed": True}
    everyone = client.get(f"{API}/practices").json()
    row = next(item for item in everyone["items"] if item["id"] == TXT)
    assert row["verified"] == {"count": 24, "share": round(24 / 58, 4), "suppressed": False}
    assert row["implemented"]["count"] == 10


def test_a_segment_published_on_no_day_is_a_422_whether_small_or_unknown(
    client: Client, figures: date
) -> None:
    """Only segments of at least 5 organisations are published, so a filter naming one
    too small (FR, health) and one naming nothing read alike: neither says who exists."""
    answers = [
        client.get(f"{API}/{table}", params)
        for table in ("summary", "practices", "timeseries")
        for params in (
            {"country": "FR"},
            {"sector": "health"},
            # Six, but hidden too: else all - energy - water - transport = health.
            {"sector": "transport"},
            {"sector": "no-such-sector"},
            {"size_band": "enormous"},
        )
    ]
    assert {response.status_code for response in answers} == {422}
    fields = {response.json()["field"] for response in answers}
    assert fields == {"country", "sector", "size_band"}
    small = client.get(f"{API}/summary", {"sector": "health"}).json()["detail"]
    missing = client.get(f"{API}/summary", {"sector": "no-such-sector"}).json()["detail"]
    assert small.replace("health", "X") == missing.replace("no-such-sector", "X")
    assert "fewer than 5" in small
    assert client.get(f"{API}/practices", {"country": "FR", "format": "csv"}).status_code == 422


def test_a_formula_in_a_csv_cell_is_made_plain_text(client: Client, figures: date) -> None:
    formula = '=HYPERLINK("http://evil.example","x")'
    make_orgs(12, sector=formula)
    rebuild_snapshots(until=figures)
    rows = csv_rows(client, f"{API}/summary", sector=formula)
    assert rows[0]["segment_value"] == f"'{formula}"
    for row in csv_rows(client, f"{API}/practices"):
        assert not any(str(cell).startswith(("=", "+", "@")) for cell in row.values())


@pytest.mark.parametrize("start", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_every_formula_start_is_neutralised(start: str) -> None:
    assert to_csv_cell(start) == f"'{start}"
    assert to_csv_cell(-1) == -1
    assert to_csv_cell("energy") == "energy"


def test_any_kept_day_can_be_queried(client: Client, figures: date) -> None:
    early = client.get(f"{API}/practices", {"date": START.isoformat()}).json()
    late = client.get(f"{API}/practices", {"date": figures.isoformat()}).json()
    txt_early = next(item for item in early["items"] if item["id"] == TXT)
    txt_late = next(item for item in late["items"] if item["id"] == TXT)
    assert early["date"] == "2025-03-01"
    assert txt_early["verified"]["count"] == 0
    assert txt_late["verified"]["count"] == 24
    assert client.get(f"{API}/dates").json() == {"first": "2025-03-01", "last": "2025-03-10"}


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"date": "2020-01-01"}, 404, "kept from 2025-03-01 to 2025-03-10"),
        ({"date": "2030-01-01"}, 404, "No adoption figures for 2030-01-01"),
        ({"date": "2025-02-30"}, 422, "Invalid request"),
        ({"date": "yesterday"}, 422, "Invalid request"),
        ({"sector": "energy", "country": "DE"}, 422, "one of sector, country or size band"),
        ({"format": "xml"}, 422, "Invalid request"),
    ],
)
def test_bad_requests_answer_with_a_message(
    client: Client, figures: date, params: dict[str, str], status: int, message: str
) -> None:
    response = client.get(f"{API}/summary", params)
    assert response.status_code == status
    assert message in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "0"}, "from"),  # was read as a Unix time: 1970-01-01
        ({"from": "1741000000"}, "from"),
        ({"from": "20250301"}, "from"),
        ({"to": "2025-W10-1"}, "to"),
        ({"date": "1999-12-31"}, "date"),
        ({"to": "2100-01-01"}, "to"),
    ],
)
def test_a_day_is_an_iso_date_within_range(
    client: Client, figures: date, params: dict[str, str], field: str
) -> None:
    response = client.get(f"{API}/timeseries", params)
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_a_day_in_range_is_taken(client: Client, figures: date) -> None:
    response = client.get(f"{API}/timeseries", {"from": "2025-03-02", "to": "2025-03-04"})
    assert response.status_code == 200
    assert response.json()["points"][0]["date"] == "2025-03-02"


def test_no_figures_yet_is_a_404(client: Client, catalogue: object) -> None:
    response = client.get(f"{API}/summary")
    assert response.status_code == 404
    assert "published yet" in response.json()["detail"]
    assert client.get(f"{API}/dates").json() == {"first": None, "last": None}


@pytest.mark.parametrize("table", ["practices", "norms", "frameworks"])
def test_the_csv_says_what_the_json_says(client: Client, figures: date, table: str) -> None:
    for params in ({}, {"sector": "water"}, {"date": START.isoformat()}):
        body = client.get(f"{API}/{table}", params).json()
        rows = csv_rows(client, f"{API}/{table}", **params)
        assert [row["id"] for row in rows] == [item["id"] for item in body["items"]]
        for row, item in zip(rows, body["items"], strict=True):
            assert row["date"] == body["date"]
            assert row["population"] == str(body["population"])
            for status in ("committed", "implemented", "verified", "lapsed"):
                cell = item[status]
                assert row[status] == ("" if cell["suppressed"] else str(cell["count"]))
                assert row[f"{status}_share"] == ("" if cell["suppressed"] else str(cell["share"]))
                assert (status in row["suppressed"].split()) == cell["suppressed"]


def test_the_summary_csv_says_what_the_json_says(client: Client, figures: date) -> None:
    body = client.get(f"{API}/summary").json()
    (row,) = csv_rows(client, f"{API}/summary")
    engaged = body["organisations_with_commitment"]
    assert row["organisations_with_commitment"] == str(engaged["count"])
    assert row["median_days_to_verified"] == str(body["median_days_to_verified"]["value"])
    assert row["overall_verified"] == str(body["overall"]["verified"]["count"] or "")
    assert row["segment_dimension"] == "all"


def test_a_timeseries_as_json_and_csv(client: Client, figures: date) -> None:
    params = {"subject": f"practice:{TXT}", "interval": "day"}
    body = client.get(f"{API}/timeseries", params).json()
    assert [p["date"] for p in body["points"]][:2] == ["2025-03-01", "2025-03-02"]
    assert body["points"][-1]["verified"]["count"] == 24
    assert body["title"] == "Publish a security.txt file"
    rows = csv_rows(client, f"{API}/timeseries", **params)
    assert [r["verified"] for r in rows] == [
        "" if p["verified"]["suppressed"] else str(p["verified"]["count"]) for p in body["points"]
    ]
    missing = client.get(f"{API}/timeseries", {"subject": "practice:nope"})
    assert missing.status_code == 404


def test_the_openapi_document_describes_the_open_data(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    for endpoint in ("summary", "practices", "norms", "frameworks", "timeseries", "dates"):
        assert f"/api/v1/adoption/{endpoint}" in document["paths"]
    summary = document["paths"]["/api/v1/adoption/summary"]["get"]
    names = {param["name"] for param in summary["parameters"]}
    assert {"date", "sector", "country", "size_band", "format"} <= names
    assert "text/csv" in summary["responses"]["200"]["content"]
    assert "CellOut" in document["components"]["schemas"]
    assert "security" not in summary


@pytest.mark.parametrize(
    ("endpoint", "schema", "params"),
    [
        ("summary", AdoptionSummaryOut, {}),
        ("summary", AdoptionSummaryOut, {"sector": "water"}),
        ("practices", TableOut, {}),
        ("norms", TableOut, {"sector": "water"}),
        ("frameworks", TableOut, {}),
        ("timeseries", TimeseriesOut, {"subject": "norm:un-gge-2015:13j"}),
        ("dates", DatesOut, {}),
    ],
)
def test_every_body_matches_its_documented_schema(
    client: Client, figures: date, endpoint: str, schema: type[Schema], params: dict[str, str]
) -> None:
    body = client.get(f"{API}/{endpoint}", params).json()
    assert schema.model_validate(body).model_dump(mode="json") == body


def test_a_series_that_would_start_after_it_ends_is_refused(figures: date) -> None:
    with pytest.raises(figures_selectors.NoFigures, match="after it ends"):
        figures_selectors.adoption_timeseries(start=figures, end=figures - timedelta(days=1))
