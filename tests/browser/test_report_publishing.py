"""The secretariat publishes the yearly report in chromium; a visitor downloads it."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from accord.figures.services import rebuild_snapshots
from tests.figures.factories_metrics import make_orgs, verify

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in(browser: Any, client: Any, url: str) -> Any:
    """A browser page carrying the test client's session (signed in, code step passed)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    cookie = client.cookies["sessionid"]
    context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def test_the_secretariat_publishes_and_a_visitor_downloads_the_report(
    catalogue: object,
    secretariat: Any,
    client_for: Any,
    browser: Any,
    live_server: Any,
    page: Any,
    screenshot: Any,
    tmp_path: Path,
    settings: Any,
) -> None:
    settings.ACCORD_BASE_URL = live_server.url
    orgs = make_orgs(12, created=date(2024, 6, 1))
    verify(orgs[:6], "cvd.security-txt", on=date(2025, 2, 1), verified=date(2025, 3, 1))
    rebuild_snapshots(until=date(2025, 12, 31))

    sec = signed_in(browser, client_for(secretariat), live_server.url)
    sec.goto(f"{live_server.url}/adoption/reports/")
    assert sec.locator("#no-reports").is_visible()
    sec.get_by_role("button", name="Publish the 2025 report").click()
    message = sec.locator(".messages li").first
    assert "Published the 2025 report as version 1" in message.inner_text()
    assert sec.locator("#report-2025").is_visible()
    sec.screenshot(path=str(tmp_path / "published.png"))
    sec.context.close()

    page.goto(f"{live_server.url}/adoption/")
    page.get_by_role("link", name="the yearly reports").click()
    page.wait_for_url("**/adoption/reports/")
    assert page.get_by_role("button", name="Publish the 2025 report").count() == 0
    checksum_prefix = page.locator("#report-2025 code").inner_text().rstrip("…")
    with page.expect_download() as waiting:
        page.locator("#report-2025").get_by_role("link", name="PDF").click()
    download = waiting.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert download.suggested_filename == "adoption-report-2025-v1.pdf"
    assert saved.read_bytes().startswith(b"%PDF-")
    assert hashlib.sha256(saved.read_bytes()).hexdigest().startswith(checksum_prefix)
    screenshot("report-archive")
