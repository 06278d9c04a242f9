"""Registering and removing an organisation's domains: the services, the page and the API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from accord.accounts import services as accounts
from accord.accounts.models import ApiToken, Organisation, User
from accord.audit.models import Event
from accord.evidence import services
from accord.evidence.models import Domain, Observation, ScanRun


def tags() -> list[str]:
    return list(Event.objects.order_by("pk").values_list("tag", flat=True))


def test_add_domain_normalises_records_the_claim_and_scans_nothing_yet(
    alice: User, org_a: Organisation
) -> None:
    domain = services.add_domain(organisation=org_a, name="Bücher.Example.", actor=alice)
    assert domain.name == "xn--bcher-kva.example"
    assert (domain.control, domain.counts) == ("unverified", False)
    event = Event.objects.get(tag="evidence:domain:add")
    assert event.data == {"domain": "xn--bcher-kva.example", "control": "unverified"}
    assert event.actor == alice
    assert not ScanRun.objects.filter(domain=domain).exists()


def test_demo_domains_are_fictional_and_never_scanned(db: None) -> None:
    demo = accounts.create_organisation(name="Fiction (demo)", slug="fiction", is_demo=True)
    domain = services.add_domain(organisation=demo, name="fiction.example", actor=None)
    assert not ScanRun.objects.filter(domain=domain).exists()


def test_add_domain_refuses_duplicates_and_bad_names(alice: User, org_a: Organisation) -> None:
    services.add_domain(organisation=org_a, name="alpha.example", actor=alice)
    with pytest.raises(services.InvalidDomain, match="already registered"):
        services.add_domain(organisation=org_a, name="ALPHA.example.", actor=alice)
    with pytest.raises(services.InvalidDomain, match="IP address, not a domain name"):
        services.add_domain(organisation=org_a, name="10.0.0.1", actor=alice)
    assert Domain.objects.count() == 1


def test_only_admins_add_domains(bob: User, carol: User, org_a: Organisation) -> None:
    for outsider in (bob, carol):  # another organisation's admin; a plain member
        with pytest.raises(services.NotAllowed):
            services.add_domain(organisation=org_a, name="alpha.example", actor=outsider)
    assert not Domain.objects.exists()


def test_removing_a_domain_keeps_its_observations_under_its_name(
    alice: User, org_a: Organisation, observe: Any
) -> None:
    domain = services.add_domain(organisation=org_a, name="alpha.example", actor=alice)
    observe(domain, "https-hsts", "pass", datetime(2026, 5, 1, tzinfo=UTC))

    services.remove_domain(domain=domain, actor=alice)

    assert not Domain.objects.exists()
    kept = Observation.objects.get()
    assert (kept.domain, kept.domain_name) == (None, "alpha.example")
    assert Event.objects.get(tag="evidence:domain:remove").data == {"domain": "alpha.example"}


def test_only_admins_remove_domains(
    alice: User, bob: User, carol: User, org_a: Organisation
) -> None:
    domain = services.add_domain(organisation=org_a, name="alpha.example", actor=alice)
    for outsider in (bob, carol):
        with pytest.raises(services.NotAllowed):
            services.remove_domain(domain=domain, actor=outsider)
    assert Domain.objects.filter(pk=domain.pk).exists()
    assert "evidence:domain:remove" not in tags()


def test_an_admin_registers_a_domain_from_the_organisation_page(
    client_for: Any, alice: User, org_a: Organisation
) -> None:
    client = client_for(alice)
    response = client.post("/evidence/organisations/alpha/domains/", {"name": "Alpha.Example"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "alpha.example is registered." in page
    assert "<code>alpha.example</code>" in page


def test_a_bad_name_comes_back_on_the_organisation_page_with_its_error(
    client_for: Any, alice: User, org_a: Organisation
) -> None:
    response = client_for(alice).post(
        "/evidence/organisations/alpha/domains/", {"name": "10.0.0.1"}
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "IP address, not a domain name" in page
    assert "Invite a person" in page  # the whole organisation page, not a bare form
    assert not Domain.objects.exists()


def test_others_cannot_register_domains_from_the_page(
    client_for: Any, bob: User, carol: User, org_a: Organisation
) -> None:
    outsider = client_for(bob).post("/evidence/organisations/alpha/domains/", {"name": "x.example"})
    member = client_for(carol).post("/evidence/organisations/alpha/domains/", {"name": "x.example"})
    assert outsider.status_code == 404  # bob may not know alpha exists
    assert member.status_code == 403
    assert not Domain.objects.exists()


def test_the_api_lists_the_tokens_organisation_domains_with_their_verdicts(
    client: Client, alice: User, org_a: Organisation, org_b: Organisation, observe: Any
) -> None:
    domain = services.add_domain(organisation=org_a, name="alpha.example", actor=alice)
    services.add_domain(organisation=org_b, name="beta.example", actor=None)
    observe(domain, "https-hsts", "pass", datetime(2026, 5, 1, tzinfo=UTC))
    _token, secret = accounts.create_api_token(user=alice, organisation=org_a, name="ci")

    body = client.get("/api/v1/evidence/domains", HTTP_AUTHORIZATION=f"Bearer {secret}").json()

    assert [item["name"] for item in body] == ["alpha.example"]
    hsts = next(row for row in body[0]["checks"] if row["check_id"] == "https-hsts")
    assert hsts["verdict"] == "pass"
    assert client.get("/api/v1/evidence/domains").status_code == 401
    assert isinstance(_token, ApiToken)
