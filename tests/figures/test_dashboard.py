"""The public adoption dashboard at /adoption/."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client

from accord.commitments.models import Status
from accord.figures.services import rebuild_snapshots
from tests.figures.dashboard_html import DashboardPage, cell_from_page
from tests.figures.factories_metrics import commit, make_orgs, verify

pytestmark = pytest.mark.django_db
START = date(2025, 1, 1)
TXT = "cvd.security-txt"
STATUSES = ("committed", "implemented", "verified", "lapsed")


@pytest.fixture
def figures(catalogue: object) -> date:
    energy = make_orgs(30, sector="energy", is_demo=True)
    finance = make_orgs(12, sector="finance", country="FR")
    make_orgs(8, sector="water")
    make_orgs(2, sector="space")  # hidden, and water with it
    verify(energy[:15], TXT, on=START, verified=START + timedelta(days=20))
    verify(finance[:3], TXT, on=START, verified=START + timedelta(days=30))
    for org in energy[15:25]:
        commit(org, "cvd.disclosure-policy", on=START + timedelta(days=5),
               then=[(Status.IMPLEMENTED, START + timedelta(days=60))])  # fmt: skip
    end = START + timedelta(days=120)
    rebuild_snapshots(until=end)
    return end


def test_anyone_can_read_the_dashboard(client: Client, figures: date) -> None:
    response = client.get("/adoption/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Adoption of the norms" in html
    assert "These figures include demo data" in html
    assert 'id="method"' in html
    page = DashboardPage(html)
    assert page.headline["population"]
    assert page.tables["practices"][TXT]["verified"]["data-count"] == "18"
    assert page.tables["practices"][TXT]["verified"]["text"].startswith("18")


def test_charts_are_svg_with_accessible_names_and_numbers_beside_them(
    client: Client, figures: date
) -> None:
    html = client.get("/adoption/").content.decode()
    page = DashboardPage(html)
    # Per framework, then one per framework's norms; each drawn wide and narrow, or,
    # with more than six norms, as one small chart per norm.
    assert html.count('<figure class="chart"') == 5
    assert len({chart["id"] for chart in page.charts}) == len(page.charts) > 5
    for chart in page.charts:
        assert chart["role"] == "img"
        assert chart["aria-label"] == chart["title"].strip()
        assert f"{chart['id']}-title" in chart["aria-labelledby"]
    assert "<script" not in html.split("<main", 1)[1]
    assert 'id="frameworks-numbers"' in html
    assert "The numbers behind this chart" in html


def test_small_counts_show_as_less_than_5(client: Client, figures: date) -> None:
    page = DashboardPage(client.get("/adoption/", {"sector": "finance"}).content.decode())
    cell = page.tables["practices"][TXT]["verified"]
    assert cell["data-suppressed"] == "true"
    assert cell["text"].strip() == "withheld"


def test_a_filter_below_5_organisations_shows_nothing_and_says_why(
    client: Client, figures: date
) -> None:
    response = client.get("/adoption/", {"segment": "sector:space"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "it has no organisations, or fewer than 5" in html
    assert DashboardPage(html).tables == {}
    assert ">space<" not in html  # not offered as a filter either
    assert ">water<" not in html


def test_the_page_shows_what_the_open_data_says(client: Client, figures: date) -> None:
    for params in ({}, {"sector": "energy"}, {"date": (START + timedelta(days=25)).isoformat()}):
        page = DashboardPage(client.get("/adoption/", params).content.decode())
        practices = client.get("/api/v1/adoption/practices", params).json()
        for item in practices["items"]:
            shown = page.tables["practices"][item["id"]]
            assert {s: cell_from_page(shown[s]) for s in STATUSES} == {s: item[s] for s in STATUSES}
        norms = client.get("/api/v1/adoption/norms", params).json()
        for item in norms["items"]:
            table = f"fw-{item['id'].split(':')[0]}-norms"
            shown = page.tables[table][item["id"]]
            assert {s: cell_from_page(shown[s]) for s in STATUSES} == {s: item[s] for s in STATUSES}
        summary = client.get("/api/v1/adoption/summary", params).json()
        engaged = summary["organisations_with_commitment"]["count"]
        headline = page.headline
        assert headline["organisations_with_commitment"]["data-count"] == str(engaged or "")
        median = summary["median_days_to_verified"]["value"]
        assert headline["median_days_to_verified"]["data-value"] == (
            "" if median is None else str(median)
        )


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"date": "2024-01-01"}, 404, "figures are kept from 2025-01-01 to 2025-05-01"),
        ({"date": "not-a-date"}, 422, "is not a date"),
        ({"sector": "energy", "country": "FR"}, 422, "one of sector, country or size band"),
        ({"segment": "planet:mars"}, 422, "Choose a sector"),
    ],
)
def test_bad_filters_say_what_is_wrong(
    client: Client, figures: date, params: dict[str, str], status: int, message: str
) -> None:
    response = client.get("/adoption/", params)
    assert response.status_code == status
    assert message in response.content.decode()


def test_before_the_first_snapshot_the_page_says_so(client: Client, catalogue: object) -> None:
    response = client.get("/adoption/")
    assert response.status_code == 200
    assert "No adoption figures have been published yet." in response.content.decode()
