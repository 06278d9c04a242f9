# ruff: noqa: F811 (the fixtures `cvd_world` and `fake_formats` come from the CVD tests)
"""The Publication tab in the browser: the lead previews each format, publishes, sees
the revision history and downloads; the public advisory page at a desktop's and a
phone's width, under the pages' CSP."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect

from accord.accounts.models import TotpDevice
from accord.cvd.models import Advisory, Vulnerability
from accord.cvd.services import cases
from tests.browser.helpers import overflow, sign_in
from tests.cvd.advisory_world import fake_formats, make_ready  # noqa: F401 (a fixture)
from tests.cvd.conftest import cvd_world  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.django_db(transaction=True)]
TOTP_SECRET = pyotp.random_base32()


def test_the_lead_previews_and_publishes(
    live_server: Any, page: Any, phone: Any, cvd_world: Any, fake_formats: Any, password: str,
    screenshot: Any,
) -> None:  # fmt: skip
    w = cvd_world
    base = live_server.url
    cases.edit_case(actor=w.secretariat, case=w.case, tlp="clear", summary="A heap overflow.")
    Vulnerability.objects.filter(case=w.case).update(
        cve_id="CVE-2026-10001", cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        cvss_version="3.1", cvss_score="9.8", cvss_severity="Critical", cwe_ids=[122],
    )  # fmt: skip
    make_ready(w)
    TotpDevice.objects.filter(user=w.secretariat).update(secret=TOTP_SECRET)
    sign_in(page, base, w.secretariat.email, password, totp=TOTP_SECRET)
    page.goto(f"{base}/cvd/{w.case.reference}/")
    page.get_by_role("link", name="Publication").click()
    expect(page.locator(".ready")).to_contain_text("every vendor has stated")
    preview = page.locator("#preview-csaf")
    preview.locator("summary").click()
    expect(preview.locator("pre")).to_contain_text('"tracking_id": "' + w.case.reference)
    expect(preview.locator("pre")).to_contain_text("<script>alert(1)</script>")
    screenshot("cvd-publication-tab")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".messages li").first).to_have_text(
        "Version 1 of the advisory is published."
    )
    expect(page.locator("table.revisions tbody tr")).to_have_count(1)
    expect(page.locator("table.revisions")).to_contain_text("Initial release.")
    with page.expect_download() as download:
        page.locator("ul.downloads a").first.click()
    assert download.value.suggested_filename == f"{w.case.reference}-v1-cve.json"
    assert Advisory.objects.get(case=w.case).version == 1
    screenshot("cvd-publication-published")

    page.goto(f"{base}/advisories/")
    page.get_by_role("link", name=w.case.title).click()
    expect(page.locator("h1")).to_have_text(w.case.title)
    expect(page.locator(".statuses")).to_contain_text("Acme Routers")
    expect(page.locator("main")).to_contain_text("CVE-2026-10001")
    screenshot("advisory-page-1280")
    phone.goto(f"{base}/advisories/{w.case.reference}/")
    assert overflow(phone)["wide"] == []
    phone.screenshot(
        path=str(screenshot("advisory-page-1280").parent / "advisory-page-390.png"), full_page=True
    )
    phone.goto(f"{base}/advisories/")
    assert overflow(phone)["wide"] == []
    phone.screenshot(
        path=str(screenshot("advisory-page-1280").parent / "advisories-390.png"), full_page=True
    )
