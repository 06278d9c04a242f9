"""Proving control from the organisation page, and the secretariat's contested domains,
over HTTP: what each person sees and may do."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accord.accounts import services as accounts
from accord.accounts.models import Membership, Organisation, User
from accord.engine.testing.fake_dns import FakeTxtResolver
from accord.evidence import services
from accord.evidence.models import Control, Domain

ORGANISATION_PAGE = "/accounts/organisations/alpha/"
_ZONE = FakeTxtResolver()


def fake_resolver() -> FakeTxtResolver:
    return _ZONE


@pytest.fixture(autouse=True)
def zone(settings: Any) -> FakeTxtResolver:
    """DNS for these tests: empty until a test writes the records it needs."""
    settings.ACCORD_DNS_RESOLVER = f"{__name__}.fake_resolver"
    settings.ACCORD_SCAN_FETCHER = "tests.engine.checks.fakes.FakeFetcher"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    _ZONE.records.clear()
    return _ZONE


@pytest.fixture
def claim(alice: User, org_a: Organisation) -> Domain:
    return services.add_domain(organisation=org_a, name="alpha.example", actor=alice)


def check_now(client: Client, domain: Domain, **data: str) -> Any:
    return client.post(reverse("evidence:domain_check", args=[domain.pk]), data, follow=True)


def test_an_admin_sees_the_token_with_copy_paste_instructions(
    client_for: Any, alice: User, claim: Domain
) -> None:
    page = client_for(alice).get(ORGANISATION_PAGE).content.decode()

    assert 'id="domains"' in page
    assert "Not verified yet" in page
    assert (
        f'<code class="copyable" id="txt-name-{claim.pk}">_accord-challenge.alpha.example</code>'
        in page
    )
    assert claim.challenge_token in page
    assert claim.challenge_url in page
    assert "Check now" in page


def test_a_plain_member_sees_the_state_but_not_the_token(
    client_for: Any, carol: User, claim: Domain
) -> None:
    page = client_for(carol).get(ORGANISATION_PAGE).content.decode()
    assert "Not verified yet" in page
    assert claim.challenge_token not in page
    assert "Check now" not in page
    assert check_now(client_for(carol), claim).status_code == 403


def test_check_now_verifies_and_says_so(
    client_for: Any, alice: User, claim: Domain, zone: FakeTxtResolver
) -> None:
    zone.records[claim.challenge_name] = [claim.challenge_token]

    response = check_now(client_for(alice), claim)

    page = response.content.decode()
    assert response.redirect_chain[-1][0] == f"{ORGANISATION_PAGE}#domains"
    assert "alpha.example is verified: the TXT record at _accord-challenge.alpha.example" in page
    assert '<span class="control control-verified">Verified</span>' in page
    assert claim.challenge_token not in page  # proven: no instructions any more
    claim.refresh_from_db()
    assert claim.control == Control.VERIFIED


def test_check_now_says_what_it_found_when_control_is_not_proven(
    client_for: Any, alice: User, claim: Domain, zone: FakeTxtResolver
) -> None:
    zone.records[claim.challenge_name] = ["typo" + claim.challenge_token]

    page = check_now(client_for(alice), claim).content.decode()

    assert 'class="error"' in page
    assert "TXT record found but holds a different value" in page
    assert "File: file not found (404)" in page
    assert "Last checked" in page


def test_check_now_from_the_domain_page_comes_back_to_it(
    client_for: Any, alice: User, claim: Domain
) -> None:
    response = check_now(client_for(alice), claim, back="domain")
    assert response.redirect_chain[-1][0] == reverse("evidence:domain", args=[claim.pk])
    page = response.content.decode()
    assert "Control of the domain" in page
    assert "Not scanned until control of the domain is proven." in page
    assert "Scan now" not in page


def test_a_demo_domain_says_why_it_is_not_scanned(client_for: Any, make_user: Any) -> None:
    demo = accounts.create_organisation(name="Fiction (demo)", slug="fiction", is_demo=True)
    services.add_domain(organisation=demo, name="fiction.example", actor=None)
    admin = make_user("admin@fiction.example")
    Membership.objects.create(user=admin, organisation=demo, role=Membership.Role.ORG_ADMIN)

    page = client_for(admin).get("/accounts/organisations/fiction/").content.decode()

    assert "Demo organisation: fictional domain, not scanned." in page
    assert "counts as verified for the demo's figures" in page
    assert "Check now" not in page
    assert "Not scanned yet." not in page


def test_registering_a_domain_tells_the_admin_to_prove_it(
    client_for: Any, alice: User, org_a: Organisation
) -> None:
    response = client_for(alice).post(
        reverse("evidence:domain_add", args=["alpha"]), {"name": "alpha.example"}, follow=True
    )
    page = response.content.decode()
    assert "Prove that you control it with its token" in page
    assert Domain.objects.get().challenge_token in page


def test_the_api_says_whether_each_domain_counts(
    client: Client, alice: User, org_a: Organisation, claim: Domain
) -> None:
    _token, secret = accounts.create_api_token(user=alice, organisation=org_a, name="ci")
    body = client.get("/api/v1/evidence/domains", HTTP_AUTHORIZATION=f"Bearer {secret}").json()
    assert [(d["name"], d["control"], d["counts"]) for d in body] == [
        ("alpha.example", "unverified", False)
    ]


# Disputes -----------------------------------------------------------------------------------


@pytest.fixture
def contested(
    client_for: Any, alice: User, claim: Domain, org_b: Organisation, make_user: Any
) -> Domain:
    Domain.objects.filter(pk=claim.pk).update(control=Control.VERIFIED)
    rival = Domain.objects.create(
        organisation=org_b, name="alpha.example", control=Control.CONTESTED
    )
    return rival


def test_the_secretariat_sees_contested_domains_and_awards_one(
    client_for: Any, secretariat: User, claim: Domain, contested: Domain
) -> None:
    client = client_for(secretariat)
    page = client.get(reverse("evidence:disputes")).content.decode()
    assert 'data-domain="alpha.example"' in page
    assert "Award to Alpha Systems" in page
    assert "Award to Beta Energy" in page

    response = client.post(reverse("evidence:domain_award", args=[contested.pk]), follow=True)

    page = response.content.decode()
    assert "alpha.example is awarded to Beta Energy" in page
    assert "No domain is contested." in page
    claim.refresh_from_db()
    contested.refresh_from_db()
    assert (claim.control, contested.control) == (Control.REVOKED, Control.VERIFIED)


def test_nobody_else_sees_or_settles_disputes(
    client_for: Any, alice: User, bob: User, contested: Domain
) -> None:
    for person in (alice, bob):
        client = client_for(person)
        assert client.get(reverse("evidence:disputes")).status_code == 403
        award = reverse("evidence:domain_award", args=[contested.pk])
        assert client.post(award).status_code == 403
    contested.refresh_from_db()
    assert contested.control == Control.CONTESTED


def test_the_contested_claims_page_tells_its_admins_what_happens(
    client_for: Any, make_user: Any, org_b: Organisation, contested: Domain
) -> None:
    dave = make_user("dave@beta.example")
    Membership.objects.create(user=dave, organisation=org_b, role=Membership.Role.ORG_ADMIN)
    page = client_for(dave).get("/accounts/organisations/beta/").content.decode()
    assert "Another organisation holds a verified claim on this domain" in page
    assert "Alpha Systems" not in page
