"""The secretariat in chromium: signs in with its code, lands on the workspace, filters
the organisations, pages the review queue of 80 documents and accepts one."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from django.utils import timezone

from accord.accounts.models import Organisation, TotpDevice, User
from accord.catalogue.services import load_catalogue
from accord.commitments.models import EvidenceDocument
from tests.commitments.factories_review import pending_documents

pytestmark = pytest.mark.django_db(transaction=True)

# 25 compact rows, the filters and the pager fit in this; 80 rows once took 24,000 px.
MAX_QUEUE_HEIGHT = 3_500


def the_coalition(password: str) -> tuple[User, str]:
    load_catalogue()
    pending_documents(80)
    for n, (sector, country) in enumerate([("water", "NL"), ("water", "DE"), ("space", "FR")]):
        Organisation.objects.create(
            name=f"Utility {n}", slug=f"utility-{n}", sector=sector, country=country
        )
    secretariat = User.objects.create_user(
        email="sec@accord.example",
        password=password,
        instance_role="secretariat",
        email_verified_at=timezone.now(),
    )
    secret = pyotp.random_base32()
    TotpDevice.objects.create(user=secretariat, secret=secret, confirmed_at=secretariat.date_joined)
    return secretariat, secret


def sign_in(page: Any, url: str, user: User, password: str, secret: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_email", user.email)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/login/verify/")
    page.fill("#id_code", pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Verify").click()


def test_the_secretariat_runs_its_workspace(
    live_server: Any, page: Any, screenshot: Any, password: str
) -> None:
    secretariat, secret = the_coalition(password)
    sign_in(page, live_server.url, secretariat, password, secret)

    page.wait_for_url("**/secretariat/")
    assert page.get_by_role("heading", level=1).inner_text() == "Secretariat workspace"
    assert page.locator("#ws-review strong").inner_text() == "80"
    screenshot("secretariat-workspace")

    page.locator("#ws-organisations a").first.click()
    page.wait_for_url("**/secretariat/organisations/")
    page.select_option("#id_sector", "water")
    page.select_option("#id_country", "DE")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**sector=water**")
    rows = page.locator("#organisations tbody tr")
    assert rows.count() == 1
    assert rows.first.inner_text().startswith("Utility 1")
    screenshot("secretariat-organisations")

    page.get_by_role("link", name="Documents to review").first.click()
    page.wait_for_url("**/adoption/review/")
    assert page.locator("#review-documents tbody tr").count() == 25
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < MAX_QUEUE_HEIGHT, height
    screenshot("secretariat-review-queue")
    page.get_by_role("link", name="Next →").click()
    page.wait_for_url("**page=2**")
    assert "Page 2 of 4" in page.locator(".pager").inner_text()

    row = page.locator("#review-documents tbody tr").first
    name = row.locator("td").nth(1).locator("a").inner_text()
    row.get_by_role("button", name="Accept").click()
    page.wait_for_url("**page=2**")
    message = page.locator(".messages li").inner_text()
    assert message.startswith(f"“{name}” is accepted."), message
    assert "pending" not in message
    assert EvidenceDocument.objects.get(filename=name).review == "accepted"
    assert page.locator("#review-count").inner_text().startswith("79 documents")
    screenshot("secretariat-review-accepted")

    page.get_by_role("link", name="Workspace").click()
    page.locator("main").get_by_role("link", name="Organisations").first.click()
    page.get_by_role("link", name="Utility 2").click()
    page.fill("#standing_reason", "Membership dues unpaid for 2026.")
    page.get_by_role("button", name="Suspend Utility 2").click()
    page.wait_for_url("**/secretariat/organisations/utility-2/")
    assert page.locator(".messages li").inner_text().startswith("Utility 2 is suspended")
    assert page.locator("#standing").inner_text() == "Suspended"
    screenshot("secretariat-organisation-suspended")
