"""The evidence pages over HTTP: what members see, and who must not see it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse

from accord.accounts.models import Membership, Organisation, User
from accord.engine.testing.fake_dns import FakeTxtResolver
from accord.engine.types import CheckResult, Finding, Status
from accord.evidence import services
from accord.evidence.models import Domain, Observation, ScanRun
from accord.evidence.services import RetrievedEvidence
from tests.engine.checks.fakes import FakeFetcher

T0 = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
URL = "https://alpha.example/.well-known/security.txt"
HOSTILE_BODY = b"Contact: mailto:s@alpha.example\n<script>alert('owned')</script>\n"


@pytest.fixture
def domain(org_a: Organisation) -> Domain:
    return Domain.objects.create(organisation=org_a, name="alpha.example", control="verified")


@pytest.fixture
def history(domain: Domain) -> dict[str, Observation]:
    """security-txt-fresh passed on 1 Nov and failed (expired) on 2 Nov; HSTS passed."""
    evidence = RetrievedEvidence(url_chain=(URL,), http_status=200, body=HOSTILE_BODY)
    passed = services.record_observation(
        domain=domain,
        check_id="security-txt-fresh",
        result=CheckResult("security-txt-fresh", Status.PASS, url=URL),
        retrieved_meta=evidence,
        now=T0,
    )
    expired = Finding("expired", "The Expires date has passed.", line=2)
    failed = services.record_observation(
        domain=domain,
        check_id="security-txt-fresh",
        result=CheckResult("security-txt-fresh", Status.FAIL, url=URL, errors=[expired]),
        retrieved_meta=evidence,
        now=T0 + timedelta(days=1),
    )
    hsts = services.record_observation(
        domain=domain,
        check_id="https-hsts",
        result=CheckResult("https-hsts", Status.PASS, url="https://alpha.example/"),
        now=T0,
    )
    return {"passed": passed, "failed": failed, "hsts": hsts}


def _domain_url(domain: Domain) -> str:
    return reverse("evidence:domain", args=[domain.pk])


def _observation_url(observation: Observation) -> str:
    return reverse("evidence:observation", args=[observation.pk])


# What members see -------------------------------------------------------------------------


def test_the_organisation_page_shows_current_verdicts_and_changes(
    client_for: Any, alice: User, domain: Domain, history: dict[str, Observation]
) -> None:
    response = client_for(alice).get(reverse("accounts:organisation", args=["alpha"]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Evidence" in page
    assert "security.txt is fresh" in page
    assert "HTTPS with HSTS" in page
    assert "<code>expired</code>" in page
    assert _domain_url(domain) in page
    assert _observation_url(history["failed"]) in page
    # The change, as a sentence: check, from, to, why, when.
    change = page.split('<ul class="changes">', 1)[1].split("</ul>", 1)[0]
    assert "security.txt is fresh" in change
    assert change.index("verdict-pass") < change.index("verdict-fail")
    assert "(expired)" in change
    assert "2 Nov 2026" in change


def test_a_domain_not_yet_scanned_says_so(
    client_for: Any, alice: User, org_a: Organisation
) -> None:
    scanned_soon = Domain.objects.create(
        organisation=org_a, name="queued.example", control="verified"
    )
    services.request_scan(domain=scanned_soon, trigger=ScanRun.Trigger.DOMAIN_ADDED)
    Domain.objects.create(organisation=org_a, name="never.example", control="verified")

    page = client_for(alice).get(reverse("accounts:organisation", args=["alpha"])).content.decode()

    assert "A scan is queued." in page
    assert "Not scanned yet." in page


def test_the_history_lists_observations_newest_first_with_changes_marked(
    client_for: Any, alice: User, domain: Domain, history: dict[str, Observation]
) -> None:
    response = client_for(alice).get(_domain_url(domain))

    assert response.status_code == 200
    page = response.content.decode()
    table = page.split('<table class="observations">', 1)[1]
    rows = table.split("<tr")[2:]  # after the header row
    assert len(rows) == 3
    assert _observation_url(history["failed"]) in rows[0]
    assert 'class="changed"' in rows[0]
    assert "Changed from" in rows[0]
    assert not any('class="changed"' in row for row in rows[1:])


def test_the_history_can_be_narrowed_to_one_check(
    client_for: Any, alice: User, domain: Domain, history: dict[str, Observation]
) -> None:
    page = client_for(alice).get(_domain_url(domain), {"check": "https-hsts"}).content.decode()
    table = page.split('<table class="observations">', 1)[1]
    assert _observation_url(history["hsts"]) in table
    assert _observation_url(history["failed"]) not in table


def test_an_observation_shows_its_evidence_with_the_body_escaped(
    client_for: Any, alice: User, history: dict[str, Observation]
) -> None:
    response = client_for(alice).get(_observation_url(history["failed"]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "<code>expired</code>" in page
    assert "The Expires date has passed." in page
    assert f"<code>{URL}</code>" in page
    assert "<dt>HTTP status</dt><dd>200</dd>" in page
    assert history["failed"].content_sha256 in page
    assert "&lt;script&gt;alert(&#x27;owned&#x27;)&lt;/script&gt;" in page
    assert "<script>alert" not in page


def test_an_observation_of_a_removed_domain_stays_readable(
    client_for: Any, alice: User, domain: Domain, history: dict[str, Observation]
) -> None:
    domain.delete()
    response = client_for(alice).get(_observation_url(history["failed"]))
    assert response.status_code == 200
    assert "no longer registered" in response.content.decode()


# Who must not see it ------------------------------------------------------------------------


def test_a_member_of_another_organisation_gets_not_found(
    client_for: Any, bob: User, domain: Domain, history: dict[str, Observation]
) -> None:
    client = client_for(bob)

    assert client.get(_domain_url(domain)).status_code == 404
    assert client.get(_domain_url(domain), {"check": "https-hsts"}).status_code == 404
    for observation in history.values():
        assert client.get(_observation_url(observation)).status_code == 404
    scan = client.post(reverse("evidence:domain_scan", args=[domain.pk]))
    assert scan.status_code == 404
    assert not ScanRun.objects.exists()
    org_page = client.get(reverse("accounts:organisation", args=["alpha"]))
    assert org_page.status_code == 404


def test_forbidden_and_missing_look_the_same(
    client_for: Any, bob: User, domain: Domain, history: dict[str, Observation]
) -> None:
    client = client_for(bob)
    forbidden = client.get(_observation_url(history["failed"]))
    missing = client.get(reverse("evidence:observation", args=[history["failed"].pk + 999]))
    assert forbidden.status_code == missing.status_code == 404
    assert _without_csrf(forbidden.content) == _without_csrf(missing.content)


def _without_csrf(content: bytes) -> bytes:
    # Each page carries a freshly masked CSRF token; nothing else may differ.
    content = re.sub(rb'"X-CSRFToken": "[^"]*"', b"", content)
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)


def test_beta_sees_its_own_evidence_and_not_alphas(
    client_for: Any, bob: User, org_b: Organisation, history: dict[str, Observation]
) -> None:
    beta_domain = Domain.objects.create(organisation=org_b, name="beta.example", control="verified")
    own = services.record_observation(
        domain=beta_domain,
        check_id="https-hsts",
        result=CheckResult("https-hsts", Status.FAIL, errors=[Finding("no_hsts", "none")]),
        now=T0,
    )
    client = client_for(bob)

    assert client.get(_domain_url(beta_domain)).status_code == 200
    assert client.get(_observation_url(own)).status_code == 200
    page = client.get(reverse("accounts:organisation", args=["beta"])).content.decode()
    assert "beta.example" in page
    assert "alpha.example" not in page


def test_an_observer_gets_not_found(
    client_for: Any, make_user: Any, domain: Domain, history: dict[str, Observation]
) -> None:
    observer = make_user("gov@observer.example", instance_role=User.InstanceRole.OBSERVER)
    client = client_for(observer)
    assert client.get(_domain_url(domain)).status_code == 404
    assert client.get(_observation_url(history["failed"])).status_code == 404


def test_a_former_member_loses_access(
    client_for: Any, make_user: Any, org_a: Organisation, domain: Domain, history: Any
) -> None:
    leaver = make_user("leaver@alpha.example")
    membership = Membership.objects.create(user=leaver, organisation=org_a)
    client = client_for(leaver)
    assert client.get(_domain_url(domain)).status_code == 200

    membership.delete()

    assert client.get(_domain_url(domain)).status_code == 404
    assert client.get(_observation_url(history["failed"])).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(
    client: Any, domain: Domain, history: dict[str, Observation]
) -> None:
    for url in (_domain_url(domain), _observation_url(history["failed"])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    scan = client.post(reverse("evidence:domain_scan", args=[domain.pk]))
    assert scan.status_code == 302
    assert not ScanRun.objects.exists()


def test_the_secretariat_sees_every_organisations_evidence(
    client_for: Any, secretariat: User, domain: Domain, history: dict[str, Observation]
) -> None:
    client = client_for(secretariat)
    assert client.get(_domain_url(domain)).status_code == 200
    assert client.get(_observation_url(history["failed"])).status_code == 200
    page = client.get(reverse("accounts:organisation", args=["alpha"])).content.decode()
    assert "security.txt is fresh" in page


# Asking for a scan ---------------------------------------------------------------------------


def test_an_org_admin_can_ask_for_a_scan(
    client_for: Any, alice: User, domain: Domain, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(alice)
    assert "Scan now" in client.get(_domain_url(domain)).content.decode()

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("evidence:domain_scan", args=[domain.pk]), follow=True)

    assert response.redirect_chain[-1][0] == _domain_url(domain)
    assert f"A scan of {domain.name} is queued." in response.content.decode()
    assert ScanRun.objects.get().trigger == ScanRun.Trigger.MANUAL
    assert len(callbacks) == 1
    again = client.post(reverse("evidence:domain_scan", args=[domain.pk]), follow=True)
    assert "already queued" in again.content.decode() or "few minutes" in again.content.decode()
    assert ScanRun.objects.count() == 1


def test_a_plain_member_cannot_ask_for_a_scan(
    client_for: Any, make_user: Any, org_a: Organisation, domain: Domain
) -> None:
    member = make_user("member@alpha.example")
    Membership.objects.create(user=member, organisation=org_a)
    client = client_for(member)

    assert "Scan now" not in client.get(_domain_url(domain)).content.decode()
    assert client.post(reverse("evidence:domain_scan", args=[domain.pk])).status_code == 403
    assert not ScanRun.objects.exists()


def test_a_scan_can_only_be_asked_for_by_post(client_for: Any, alice: User, domain: Domain) -> None:
    response = client_for(alice).get(reverse("evidence:domain_scan", args=[domain.pk]))
    assert response.status_code == 405


# The whole loop: register a domain, it is scanned, its evidence shows ---------------------

_SITES: list[FakeFetcher] = []


def fake_fetcher() -> FakeFetcher:
    return _SITES[-1]


_DNS = FakeTxtResolver()


def fake_resolver() -> FakeTxtResolver:
    return _DNS


def test_registering_and_proving_a_domain_scans_it_and_shows_the_evidence(
    client_for: Any, alice: User, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    site = FakeFetcher()
    site.serve(URL, "Contact: mailto:security@alpha.example\n")
    _SITES.append(site)
    settings.ACCORD_SCAN_FETCHER = f"{__name__}.fake_fetcher"
    settings.ACCORD_DNS_RESOLVER = f"{__name__}.fake_resolver"
    settings.TASKS = {
        "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"},
    }
    client = client_for(alice)

    with django_capture_on_commit_callbacks(execute=True):
        added = client.post(
            reverse("evidence:domain_add", args=["alpha"]), {"name": "alpha.example"}
        )
    assert added.status_code == 302
    domain = Domain.objects.get(name="alpha.example")
    assert not Observation.objects.exists()  # not scanned before control is proven
    _DNS.records[domain.challenge_name] = [domain.challenge_token]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("evidence:domain_check", args=[domain.pk]))

    page = client.get(reverse("accounts:organisation", args=["alpha"])).content.decode()
    assert _domain_url(domain) in page
    assert "Not scanned yet." not in page
    assert "<code>no_hsts</code>" in page  # the home page sends no HSTS header
    assert Observation.objects.filter(domain=domain).count() == 8
    _SITES.remove(site)
