"""A visitor reads the adoption dashboard in chromium: figures, charts, a filter."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from accord.catalogue.services import load_catalogue
from accord.commitments.models import Status
from accord.figures.services import rebuild_snapshots
from tests.figures.factories_metrics import commit, make_orgs, verify

pytestmark = pytest.mark.django_db(transaction=True)
START = date(2025, 1, 6)


def published_figures() -> None:
    load_catalogue()
    energy = make_orgs(40, sector="energy", is_demo=True)
    finance = make_orgs(15, sector="finance", country="FR", size_band="medium")
    make_orgs(8, sector="water", country="NL")
    make_orgs(3, sector="space", country="NL")  # hidden, and water with it
    verify(energy[:25], "cvd.security-txt", on=START, verified=START + timedelta(days=40))
    verify(finance[:3], "cvd.security-txt", on=START, verified=START + timedelta(days=90))
    for n, org in enumerate(energy[10:35]):
        commit(org, "supply-chain.sbom", on=START + timedelta(days=n * 5),
               then=[(Status.IMPLEMENTED, START + timedelta(days=n * 8 + 20))])  # fmt: skip
    rebuild_snapshots(until=START + timedelta(days=300))


def test_the_dashboard_shows_figures_charts_and_filters(
    live_server: Any, page: Any, screenshot: Any
) -> None:
    published_figures()
    page.goto(f"{live_server.url}/adoption/")
    assert page.get_by_role("heading", level=1).inner_text() == "Adoption of the norms"
    assert page.locator("#demo-data").is_visible()
    assert page.locator("#headline-figures [data-figure=population] strong").inner_text() == "66"

    chart = page.get_by_role("img", name="Organisations verified, per framework")
    assert chart.is_visible()
    assert chart.bounding_box()["width"] > 400
    page.get_by_text("The numbers behind this chart").first.click()
    assert page.locator("#frameworks-numbers").is_visible()
    screenshot("adoption-dashboard")

    txt = page.locator('#practices tr[data-id="cvd.security-txt"] td[data-status=verified]')
    assert txt.inner_text().startswith("28")

    page.select_option("#filter-segment", "sector:finance")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**segment=sector%3Afinance**")
    assert "sector: finance" in page.get_by_role("heading", level=2).first.inner_text()
    assert txt.inner_text() == "withheld"
    screenshot("adoption-dashboard-finance")

    page.goto(f"{live_server.url}/adoption/?sector=space")
    assert "fewer than 5, whose figures are never shown" in page.locator("#problem").inner_text()


def test_the_dashboard_shows_the_disclosure_medians(
    live_server: Any, page: Any, screenshot: Any
) -> None:
    from tests.figures.test_disclosure import report

    published_figures()
    vendors = make_orgs(6, sector="energy", created=START)
    for n, org in enumerate(vendors):
        embargo = {"held": 1, "broken": int(n % 3 == 0)}
        report(org, acknowledgement=n + 1.5, on=START + timedelta(days=200),
               first_statement=n + 4.0, fix=20.0 + n, embargo=embargo)  # fmt: skip
    page.goto(f"{live_server.url}/adoption/")
    section = page.locator("#disclosure-figures")
    assert section.get_by_role("heading", level=2).inner_text() == (
        "Coordinated disclosure on the platform"
    )
    figure = section.locator("[data-figure=disclosure_acknowledgement] strong")
    assert figure.inner_text() == "4"  # the median of 1.5 .. 6.5
    assert section.locator("[data-figure=disclosure_publication] strong").inner_text() == (
        "withheld"
    )
    section.scroll_into_view_if_needed()
    screenshot("adoption-dashboard-disclosure")
