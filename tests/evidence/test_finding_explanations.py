"""Evidence pages explain each finding code and how to fix it, link the practice, and say
once that a domain could not be reached instead of once per check."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.urls import reverse

from accord.accounts.models import Organisation, User
from accord.engine.registry import CHECKS
from accord.engine.types import CheckResult, Finding, Status
from accord.evidence import services
from accord.evidence.models import Domain, Observation

pytestmark = pytest.mark.usefixtures("catalogue")
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ORGANISATION = "/accounts/organisations/alpha/"


def record(domain: Domain, check_id: str, status: Status, *codes: str) -> Observation:
    findings = [Finding(code, f"message of {code}") for code in codes]
    result = CheckResult(check_id, status, url=f"https://{domain.name}/", errors=findings)
    return services.record_observation(domain=domain, check_id=check_id, result=result, now=T0)


def test_an_unreachable_domain_is_one_message(
    alpha_domain: Domain, alice: User, client_for: Any
) -> None:
    for check_id in CHECKS:
        record(alpha_domain, check_id, Status.ERROR, "dns_error")
    client = client_for(alice)
    for url in (ORGANISATION, reverse("evidence:domain", args=[alpha_domain.pk])):
        # The domain page's log of every observation below keeps one line per observation.
        html = client.get(url).content.decode().split("<h2>Verdict changes</h2>")[0]
        assert "<strong>Domain unreachable</strong> (<code>dns_error</code>)" in html
        assert f"{len(CHECKS)} checks could not judge the domain" in html
        assert html.count("dns_error</code>") == 1
        assert 'class="evidence"' not in html  # no table of identical rows
        assert "has no address in DNS" in html
        assert "How to fix it:" in html


def test_checks_that_found_something_else_keep_their_rows(
    alpha_domain: Domain, alice: User, client_for: Any
) -> None:
    record(alpha_domain, "security-txt", Status.ERROR, "dns_error")
    record(alpha_domain, "vdp", Status.ERROR, "dns_error")
    record(alpha_domain, "https-hsts", Status.FAIL, "no_hsts")
    html = client_for(alice).get(ORGANISATION).content.decode()
    assert "2 checks could not judge the domain" in html
    table = html.split('class="evidence"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r"<span title=\"[^\"]+\"><code>(\w+)</code>", table) == ["no_hsts"]
    assert "HTTPS with HSTS" in table
    assert "security.txt is published" not in table


def test_one_failing_check_is_not_folded(
    alpha_domain: Domain, alice: User, client_for: Any
) -> None:
    record(alpha_domain, "https-hsts", Status.ERROR, "dns_error")
    html = client_for(alice).get(ORGANISATION).content.decode()
    assert "could not judge the domain" not in html
    assert '<span title="The domain name has no address in DNS' in html


def test_an_observation_explains_each_code_and_links_the_practice(
    alpha_domain: Domain, alice: User, client_for: Any
) -> None:
    observation = record(alpha_domain, "csaf-security-txt", Status.FAIL, "no_csaf_field")
    html = client_for(alice).get(reverse("evidence:observation", args=[observation.pk]))
    text = html.content.decode()
    assert "<code>no_csaf_field</code>" in text
    assert "security.txt has no CSAF field pointing to your CSAF provider metadata." in text
    assert "How to fix it:</strong> Add &#x27;CSAF: https://" in text
    assert (
        'Practice: <a href="/catalogue/practices/cvd.csaf-discoverable/">'
        "Make CSAF advisories discoverable from security.txt</a>"
    ) in text


def test_an_unknown_code_is_shown_with_an_honest_note(
    alpha_domain: Domain, org_a: Organisation, alice: User, client_for: Any
) -> None:
    observation = record(alpha_domain, "vdp", Status.FAIL, "retired_code")
    text = client_for(alice).get(reverse("evidence:observation", args=[observation.pk]))
    assert "Accord has no explanation of this code." in text.content.decode()
