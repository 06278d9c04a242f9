"""The public directory of organisations that publish their scorecard: search and pages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from django.test import Client

from accord.accounts.models import Organisation, User
from accord.catalogue.models import CatalogueVersion, Practice
from accord.commitments.models import Commitment, PublicationPreference, Status

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
DIRECTORY = "/adoption/organisations/"

pytestmark = pytest.mark.django_db


def organisation(
    name: str, *, public: bool = True, badges: bool = False, **fields: str
) -> Organisation:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    found = Organisation.objects.create(name=name, slug=slug, **fields)
    PublicationPreference.objects.create(organisation=found, public_profile=public, badges=badges)
    return found


def commit(found: Organisation, slug: str, status: str) -> None:
    Commitment.objects.create(
        organisation=found,
        practice=Practice.objects.get(slug=slug),
        target_date=date(2026, 12, 31),
        committed_at=T0,
        status=status,
        status_since=T0,
    )


def entries(html: str) -> list[str]:
    return re.findall(r'<li class="card" id="org-([a-z0-9-]+)">', html)


def test_only_organisations_that_publish_their_scorecard_are_listed(
    client: Client, catalogue: CatalogueVersion, alice: User, client_for: object
) -> None:
    grid = organisation("Grid Operator", sector="energy", country="DE", badges=True)
    commit(grid, "cvd.security-txt", Status.VERIFIED)
    commit(grid, "cvd.safe-harbour", Status.COMMITTED)
    organisation("Quiet Bank", public=False, sector="finance", country="FR")
    Organisation.objects.create(name="No Preference", slug="no-preference")

    html = client.get(DIRECTORY).content.decode()
    assert entries(html) == ["grid-operator"]
    assert '<a href="/adoption/organisations/grid-operator/scorecard/">Grid Operator</a>' in html
    assert 'Energy · <span title="DE">Germany</span>' in html
    assert "1 of 2 commitments verified (50%)" in html
    assert 'src="/adoption/badges/grid-operator/cvd-baseline.svg"' in html
    assert "1 organisation publishes a scorecard." in html
    # A member does not see its own unpublished scorecard in the public list either.
    assert entries(client_for(alice).get(DIRECTORY).content.decode()) == ["grid-operator"]


def test_badges_are_shown_only_for_organisations_that_serve_them(
    client: Client, catalogue: CatalogueVersion
) -> None:
    commit(organisation("Plain Scorecard"), "cvd.security-txt", Status.VERIFIED)
    html = client.get(DIRECTORY).content.decode()
    assert entries(html) == ["plain-scorecard"]
    assert "/adoption/badges/" not in html


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("grid", ["grid-operator"]),
        ("ENERGY", ["grid-operator", "power-co"]),
        ("germany", ["grid-operator"]),
        ("fr", ["power-co", "quiet-bank"]),  # France, by its code
        ("nothing like it", []),
    ],
)
def test_search_matches_name_sector_and_country(
    client: Client, db: None, query: str, found: list[str]
) -> None:
    organisation("Grid Operator", sector="energy", country="DE")
    organisation("Power Co", sector="energy", country="FR")
    organisation("Quiet Bank", sector="finance", country="FR")
    html = client.get(DIRECTORY, {"q": query}).content.decode()
    assert entries(html) == found
    if not found:
        assert "No organisation that publishes its scorecard matches “nothing like it”." in html


def test_the_directory_is_paged_and_bad_page_numbers_are_answered(client: Client, db: None) -> None:
    for n in range(30):
        organisation(f"Member {n:02d}", sector="energy")
    first = client.get(DIRECTORY).content.decode()
    assert len(entries(first)) == 24
    assert "Page 1 of 2" in first
    assert 'rel="next" href="?page=2"' in first
    second = client.get(DIRECTORY, {"page": "2"}).content.decode()
    assert entries(second) == [f"member-{n:02d}" for n in range(24, 30)]
    for page, expected in (("abc", "Page 1 of 2"), ("999", "Page 2 of 2"), ("-1", "Page 2 of 2")):
        response = client.get(DIRECTORY, {"page": page})
        assert response.status_code == 200
        assert expected in response.content.decode()
    searched = client.get(DIRECTORY, {"q": "member", "page": "1"}).content.decode()
    assert 'href="?q=member&amp;page=2"' in searched


def test_the_nav_and_the_home_page_lead_to_the_directory(client: Client, db: None) -> None:
    organisation("Grid Operator")
    organisation("Power Co")
    home = client.get("/").content.decode()
    assert '<a href="/adoption/organisations/">Organisations</a>' in home
    assert "2 organisations show by name what they have committed to" in home
    assert client.get(DIRECTORY).status_code == 200
