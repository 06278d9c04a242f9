"""The coalition's coordinated-disclosure medians, on the dashboard and in the open data:
read from the platform's evidence of each vendor organisation, each withheld until at
least 5 organisations stand behind it."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client

from accord.accounts.models import Organisation
from accord.engine.registry import ACKNOWLEDGEMENT_CHECK
from accord.engine.types import CheckResult, Status
from accord.evidence.services import record_platform_observation
from accord.figures import selectors as figures_of
from accord.figures.api import DisclosureOut
from accord.figures.services import rebuild_snapshots
from tests.figures.factories_metrics import at, commit, make_orgs

pytestmark = pytest.mark.django_db
START = date(2025, 3, 1)
END = START + timedelta(days=9)
API = "/api/v1/adoption/disclosure"


def report(organisation: Organisation, *, acknowledgement: float, on: date, **more: Any) -> None:
    """The platform's observation of one vendor organisation, as cvd records it."""
    details = {
        "median_days": {
            "acknowledgement": acknowledgement,
            "first_statement": more.get("first_statement"),
            "fix": more.get("fix"),
            "publication": more.get("publication"),
        },
        "embargo": more.get("embargo", {"held": 0, "broken": 0}),
    }
    record_platform_observation(
        organisation=organisation,
        check_id=ACKNOWLEDGEMENT_CHECK,
        result=CheckResult(ACKNOWLEDGEMENT_CHECK, Status.PASS, details=details),
        now=at(on),
    )


@pytest.fixture
def vendors(catalogue: object) -> list[Organisation]:
    """Twelve energy organisations (figures kept for ten days); five of them vendors
    with evidence, the fifth from the fifth day on."""
    orgs = make_orgs(12, sector="energy")
    for n, org in enumerate(orgs[:4]):
        report(org, acknowledgement=n + 1.0, on=START, fix=10.0 * (n + 1),
               embargo={"held": 1, "broken": 0})  # fmt: skip
    report(orgs[4], acknowledgement=9.0, on=START + timedelta(days=4), fix=50.0,
           embargo={"held": 0, "broken": 1})  # fmt: skip
    commit(orgs[5], "cvd.security-txt", on=START)
    rebuild_snapshots(until=END)
    return orgs


def test_four_organisations_are_too_few_five_are_enough(vendors: list[Organisation]) -> None:
    four = figures_of.disclosure_figures(day=START)
    assert four.medians == dict.fromkeys(four.medians)  # all withheld
    assert four.embargo_held_rate is None
    five = figures_of.disclosure_figures(day=END)
    assert five.medians["acknowledgement"] == 3.0  # of 1, 2, 3, 4, 9
    assert five.medians["fix"] == 30.0
    assert five.medians["first_statement"] is None  # nobody has one
    assert five.embargo_held_rate == 0.8


def test_only_each_organisations_latest_observation_counts(
    vendors: list[Organisation],
) -> None:
    report(vendors[0], acknowledgement=20.0, on=END)
    assert figures_of.disclosure_figures(day=END).medians["acknowledgement"] == 4.0  # 2,3,4,9,20


def test_a_segment_gets_its_own_medians(vendors: list[Organisation]) -> None:
    make_orgs(6, sector="water")
    rebuild_snapshots(until=END)
    assert figures_of.disclosure_figures(day=END).medians["acknowledgement"] == 3.0
    water = figures_of.Segment.from_filters(sector="water")
    assert figures_of.disclosure_figures(day=END, segment=water).medians["acknowledgement"] is None


def test_open_data_shows_the_medians_with_suppression(
    client: Client, vendors: list[Organisation]
) -> None:
    early = client.get(API, {"date": START.isoformat()}).json()
    DisclosureOut.model_validate(early)
    assert {item["id"]: item["value"] for item in early["items"]}["acknowledgement"] == {
        "value": None,
        "suppressed": True,
    }
    body = client.get(API).json()
    DisclosureOut.model_validate(body)
    values = {item["id"]: item["value"] for item in body["items"]}
    assert values["acknowledgement"] == {"value": 3.0, "suppressed": False}
    assert values["embargo_held"] == {"value": 0.8, "suppressed": False}
    assert values["publication"] == {"value": None, "suppressed": True}
    response = client.get(API, {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_id = {row["id"]: row for row in rows}
    assert (by_id["acknowledgement"]["value"], by_id["acknowledgement"]["suppressed"]) == (
        "3.0",
        "",
    )
    assert (by_id["fix"]["value"], by_id["publication"]["suppressed"]) == ("30.0", "value")


def test_open_data_refuses_a_day_not_kept(client: Client, vendors: list[Organisation]) -> None:
    response = client.get(API, {"date": (END + timedelta(days=1)).isoformat()})
    assert response.status_code == 404


def test_the_dashboard_shows_the_medians_once_5_organisations_stand_behind_them(
    client: Client, vendors: list[Organisation]
) -> None:
    early = client.get("/adoption/", {"date": START.isoformat()}).content.decode()
    assert 'data-figure="disclosure_acknowledgement" data-value=""' in early
    later = client.get("/adoption/").content.decode()
    assert 'data-figure="disclosure_acknowledgement" data-value="3.0"' in later
    assert 'data-figure="disclosure_embargo_held" data-value="0.8"' in later
    assert "80%" in later
