"""Badges over HTTP: an organisation opts in, the public sees the badge and its page, the
organisation opts out again; members download their OSCAL assessment results."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from trestle.oscal.assessment_results import AssessmentResults

from accord.accounts.models import Organisation, User
from accord.catalogue.models import CatalogueVersion
from accord.catalogue.services import load_catalogue
from accord.commitments import services

BADGE = "/adoption/badges/alpha/cvd-baseline.svg"
PAGE = "/adoption/badges/alpha/cvd-baseline/"
PUBLICATION = "/adoption/organisations/alpha/publication/"


@pytest.fixture
def catalogue(db: None) -> CatalogueVersion:
    return load_catalogue()


@pytest.fixture
def committed(catalogue: CatalogueVersion, org_a: Organisation, alice: User) -> Organisation:
    """Alpha committed to CVD baseline, through the service its admin would use."""
    target = date.today() + timedelta(days=180)
    services.commit_to_profile(
        organisation=org_a, profile_slug="cvd-baseline", target_date=target, actor=alice
    )
    return org_a


@pytest.mark.django_db
def test_opting_in_and_out_of_badges(committed: Organisation, alice: User, client_for: Any) -> None:
    public = Client()
    assert public.get(BADGE).status_code == 404

    admin = client_for(alice)
    response = admin.post(PUBLICATION, {"public_profile": "on", "badges": "on"})
    assert response.status_code == 302

    badge = public.get(BADGE)
    assert badge.status_code == 200
    assert badge["Content-Type"].startswith("image/svg+xml")
    assert badge["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    svg = ET.fromstring(badge.content)  # noqa: S314 (our own output, parsed to check it)
    assert svg.get("aria-label") == "Alpha Systems: CVD baseline, 0 of 8 practices verified (0%)"

    page = public.get(PAGE)
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count("Committed</span>") == 8
    # The embed code on the page points back at the badge and the page.
    markdown = re.search(r"\[!\[[^\]]*\]\(([^)]+)\)\]\(([^)]+)\)", text)
    assert markdown is not None
    badge_url, page_url = markdown.groups()
    assert public.get(badge_url).status_code == 200
    assert public.get(page_url).status_code == 200

    admin.post(PUBLICATION, {"public_profile": "on"})
    assert public.get(BADGE).status_code == 404
    assert public.get(PAGE).status_code == 404


@pytest.mark.django_db
def test_members_download_oscal_assessment_results(
    committed: Organisation, alice: User, bob: User, client_for: Any
) -> None:
    url = "/adoption/organisations/alpha/assessment-results.json"
    response = client_for(alice).get(url)
    assert response.status_code == 200
    results = AssessmentResults.model_validate(json.loads(response.content)["assessment-results"])
    findings = results.results[0].findings or []
    assert len(findings) == 8
    assert {f.target.status.state.value for f in findings if f.target.status} == {"not-satisfied"}
    assert results.metadata.last_modified <= timezone.now()
    assert client_for(bob).get(url).status_code == 404
    assert Client().get(url).status_code == 404


@pytest.mark.django_db
def test_the_publication_page_gives_the_embed_code(
    committed: Organisation, alice: User, client_for: Any
) -> None:
    admin = client_for(alice)
    before = admin.get(PUBLICATION).content.decode()
    assert "Turn on “Serve public badges”" in before
    assert "badge-cvd-baseline-markdown" not in before

    admin.post(PUBLICATION, {"badges": "on"})
    html = admin.get(PUBLICATION).content.decode()
    badge = "http://testserver/adoption/badges/alpha/cvd-baseline.svg"
    page = "http://testserver/adoption/badges/alpha/cvd-baseline/"
    markdown = f"[![Alpha Systems: CVD baseline]({badge})]({page})"
    tag = f'<a href="{page}"><img src="{badge}" alt="Alpha Systems: CVD baseline" height="20"></a>'
    # Shown as text to copy (escaped once for the page), each with its copy button.
    assert f'id="badge-cvd-baseline-markdown" rows="2" readonly>{markdown}</textarea>' in html
    assert escape(tag) in html
    assert 'data-copy="badge-cvd-baseline-markdown"' in html
    assert 'data-copy="badge-cvd-baseline-html"' in html
    assert Client().get(badge).status_code == 200
