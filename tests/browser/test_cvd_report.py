"""Reporting in chromium: an anonymous reporter fills in the public form with a file,
gets the private follow-up link, opens it and writes to the coordinator; the emailed
link is the same one."""

from __future__ import annotations

from typing import Any

import pytest

from accord.cvd.models import Report, ReportMessage
from tests.browser.helpers import emailed_link

pytestmark = pytest.mark.django_db(transaction=True)
RITA = "rita@example.org"


def test_an_anonymous_reporter_submits_and_opens_the_followup_link(
    live_server: Any, page: Any, screenshot: Any, settings: Any, tmp_path: Any
) -> None:
    settings.ACCORD_BASE_URL = live_server.url
    proof = tmp_path / "poc.html"
    proof.write_text("<html><script>alert(document.domain)</script></html>")
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Report a vulnerability").click()
    page.wait_for_url("**/report/")
    page.get_by_label("Title").fill("Stored XSS in the profile page")
    page.get_by_label("Description").fill("The display name is echoed unescaped.")
    page.get_by_label("Product and version").fill("Acme Portal 3.2")
    page.get_by_label("Your name").fill("Rita")
    page.get_by_label("Your email address").fill(RITA)
    page.get_by_label("The vendors may see my name and email address").check()
    page.get_by_label("Attachments").set_input_files(str(proof))
    screenshot("cvd-report-form")
    page.get_by_role("button", name="Send the report").click()
    heading = page.get_by_role("heading", level=1).inner_text()
    report = Report.objects.get()
    assert heading == f"Report {report.reference} received"
    assert report.identity_disclosed
    link = page.locator("#followup-link")
    shown = link.inner_text()
    assert shown == emailed_link(RITA, "/report/follow-up/")
    screenshot("cvd-report-sent")

    link.click()
    page.wait_for_url("**/report/follow-up/**")
    assert page.locator("#report-state").inner_text() == "Received, awaiting triage"
    assert page.get_by_role("link", name="poc.html").is_visible()
    page.get_by_label("Message").fill("It also works on the admin page.")
    page.get_by_role("button", name="Send the message").click()
    page.wait_for_url("**/report/follow-up/**")
    assert "sent to the coordinator" in page.locator(".messages").inner_text()
    assert "also works on the admin page" in page.locator(".report-messages").inner_text()
    assert ReportMessage.objects.get().from_reporter
    screenshot("cvd-report-followup")
