"""Countries are shown by name wherever a person reads them; codes stay in the data."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client

from accord.accounts.countries import codes_named, country_choices, country_name
from accord.accounts.models import Organisation, User
from accord.commitments.models import PublicationPreference
from accord.figures.services import rebuild_snapshots
from tests.figures.factories_metrics import make_orgs, verify

START = date(2025, 1, 1)


def test_names_come_from_the_iso_list() -> None:
    assert country_name("DE") == "Germany"
    assert country_name("kr") == "South Korea"  # the common name, not "Korea, Republic of"
    assert country_name("XX") == "XX"
    assert country_name("") == country_name(None) == ""
    assert ("FR", "France") in country_choices()
    assert len(country_choices()) >= 249
    assert "DE" in codes_named("germ")
    assert "DE" in codes_named("de")
    assert codes_named("  ") == []


@pytest.fixture
def figures(catalogue: object) -> date:
    germans = make_orgs(12, sector="energy", country="DE")
    make_orgs(10, sector="energy", country="FR")
    make_orgs(9, sector="finance", country="AT")
    verify(germans[:6], "cvd.security-txt", on=START, verified=START + timedelta(days=20))
    end = START + timedelta(days=30)
    rebuild_snapshots(until=end)
    return end


@pytest.mark.django_db
def test_the_dashboard_filter_names_countries_and_sends_codes(
    client: Client, figures: date
) -> None:
    html = client.get("/adoption/").content.decode()
    countries = re.search(r'<optgroup label="Country">(.*?)</optgroup>', html, re.S)
    assert countries is not None
    options = re.findall(r'<option value="country:(\w+)">([^<]+)</option>', countries.group(1))
    assert options == [("AT", "Austria"), ("FR", "France"), ("DE", "Germany")]


@pytest.mark.django_db
def test_a_country_view_is_headed_with_its_name(client: Client, figures: date) -> None:
    html = client.get("/adoption/", {"country": "de"}).content.decode()
    assert re.search(r'<h2 id="headline">On [^<]*: country: Germany</h2>', html)
    assert "country: Germany," in html  # the charts' descriptions
    assert '<option value="country:DE" selected>Germany</option>' in html


@pytest.mark.django_db
def test_open_data_keeps_the_code_and_labels_with_the_name(client: Client, figures: date) -> None:
    segment = client.get("/api/v1/adoption/summary", {"country": "FR"}).json()["segment"]
    assert segment == {"dimension": "country", "value": "FR", "label": "Country: France"}


@pytest.mark.django_db
def test_organisation_page_and_scorecard_name_the_country(
    client: Client, org_a: Organisation, alice: User, client_for: Any
) -> None:
    org_a.country = "NL"
    org_a.save()
    page = client_for(alice).get("/accounts/organisations/alpha/").content.decode()
    assert 'Netherlands <span class="muted">(NL)</span>' in page
    PublicationPreference.objects.create(organisation=org_a, public_profile=True)
    scorecard = client.get("/adoption/organisations/alpha/scorecard/").content.decode()
    assert 'Software · <span title="NL">Netherlands</span>' in scorecard
