# ruff: noqa: F811 (the fixture `cvd_world` comes from the CVD tests)
"""The embargo in the browser: a proposal shown in UTC and in the viewer's own time zone
(local-time.js, under the page's CSP), a vendor accepting it, and the lead seeing who
accepted and who stayed silent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect

from accord.accounts.models import TotpDevice
from accord.cvd.services import embargo
from tests.browser.helpers import sign_in
from tests.cvd.conftest import cvd_world  # noqa: F401 (a fixture)
from tests.cvd.test_embargo_pages import case_tabs  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("case_tabs")]
TOTP_SECRET = pyotp.random_base32()


def test_a_vendor_accepts_and_the_lead_sees_who_did(
    live_server: Any,
    browser: Any,
    cvd_world: Any,
    password: str,
) -> None:
    w = cvd_world
    base = live_server.url
    ends = datetime(datetime.now(UTC).year + 1, 1, 15, 9, 30, tzinfo=UTC)
    embargo.propose_embargo(actor=w.vendor_a_admin, case=w.case, ends_at=ends)
    embargo_page = f"{base}/cvd/{w.case.reference}/embargo/"

    # Vendor B reads the date in UTC and in Berlin's time, an hour ahead in January.
    berlin = browser.new_context(timezone_id="Europe/Berlin", locale="en-GB")
    vendor = berlin.new_page()
    sign_in(vendor, base, w.vendor_b_member.email, password)
    vendor.goto(embargo_page)
    proposal = vendor.locator(".embargo-proposal").first
    expect(proposal.locator("h3 time")).to_have_text(f"15 Jan {ends.year} 09:30 UTC")
    expect(proposal.locator("h3 .local-time")).to_contain_text("10:30")
    expect(proposal.locator("h3 .local-time")).to_contain_text("your time")
    vendor.get_by_label("Comment (optional)").fill("Fine for our release.")
    vendor.get_by_role("button", name="Accept").click()
    expect(vendor.locator(".messages li").first).to_have_text("Your answer is recorded.")
    expect(vendor.locator(".own-answer")).to_have_text(
        "Bolt Software: Accepted — Fine for our release."
    )
    expect(vendor.locator(".embargo-answers")).to_have_count(0)
    berlin.close()

    TotpDevice.objects.filter(user=w.secretariat).update(secret=TOTP_SECRET)
    lead_context = browser.new_context()
    lead = lead_context.new_page()
    sign_in(lead, base, w.secretariat.email, password, totp=TOTP_SECRET)
    lead.goto(embargo_page)
    answers = lead.locator(".embargo-answers")
    expect(answers.locator("tr.answer-accept")).to_have_count(2)
    expect(answers.locator("tr.answer-accept", has_text="Bolt Software")).to_contain_text(
        "Fine for our release."
    )
    expect(answers.locator("tr.answer-silent td")).to_have_text([w.lead.name, "Silent", ""])
    expect(lead.locator(".tally")).to_have_text("Accepted: 2 · Rejected: 0 · Silent: 1")
    lead_context.close()
