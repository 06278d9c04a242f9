"""A case's lead in chromium: adds a vulnerability with a CVSS vector and a package URL
product, and sees it scored on the case; a malformed package URL is shown next to its
field and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from accord.accounts.models import Membership, Organisation, User
from accord.cvd.models import Coordinator, Vulnerability
from accord.cvd.services import cases
from tests.browser.helpers import sign_in

# The tabs of the case header that other parts of the CVD work build are stood in for.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.cvd.case_urls")]

V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


def a_case(password: str) -> tuple[User, str]:
    cert = Organisation.objects.create(name="Gamma CERT", slug="gamma")
    Coordinator.objects.create(organisation=cert)
    lead = User.objects.create_user(
        email="coord@gamma.example", password=password, email_verified_at=timezone.now()
    )
    Membership.objects.create(user=lead, organisation=cert, role="org_admin")
    vendor = Organisation.objects.create(name="Acme Routers", slug="acme")
    case = cases.open_case(
        actor=lead,
        title="Heap overflow in the router firmware",
        summary="Reported by a researcher.",
        tlp="amber",
        organisation=cert,
    )
    cases.add_participant(actor=lead, case=case, role="vendor", organisation=vendor)
    return lead, case.reference


def add_vulnerability(page: Any, **fields: str) -> None:
    page.locator("summary", has_text="Add a vulnerability").click()
    form = page.locator("#vulnerability-add")
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    form.get_by_role("button", name="Add the vulnerability").click()


def test_the_lead_adds_a_scored_vulnerability_with_a_purl_product(
    live_server: Any, page: Any, screenshot: Any, password: str
) -> None:
    lead, reference = a_case(password)
    sign_in(page, live_server.url, lead.email, password)
    page.get_by_role("link", name="Cases").click()
    page.get_by_role("link", name=reference).click()
    assert (
        page.get_by_role("heading", level=1).inner_text() == "Heap overflow in the router firmware"
    )

    add_vulnerability(
        page,
        title="Stack overflow in the web UI",
        cvss_vector="CVSS:3.1/AV:N",
        purl="pkg:npm/%40acme/web-ui",
    )
    error = page.locator("#vuln_cvss_vector-errors")
    assert "CVSS vector is not valid" in error.inner_text()
    assert page.locator("#vuln_title").input_value() == "Stack overflow in the web UI"
    assert not Vulnerability.objects.exists()

    page.locator("#vuln_cvss_vector").fill(V31)
    page.locator("#vuln_versions").fill("vers:npm/>=1.0.0|<1.4.2")
    page.locator("#vuln_cwe_ids").fill("CWE-121")
    page.get_by_role("button", name="Add the vulnerability").click()

    card = page.locator("#v1")
    card.wait_for()
    assert "V1 is added." in page.locator("main").inner_text()
    assert card.locator(".cvss-score").inner_text() == "9.8 Critical"
    assert "pkg:npm/%40acme/web-ui" in card.inner_text()
    assert "vers:npm/>=1.0.0|<1.4.2" in card.inner_text()
    assert "CWE-121" in card.inner_text()
    screenshot("cvd-case-overview")
