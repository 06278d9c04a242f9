"""An organisation's admin is told in the browser: the secretariat rejects a document of
theirs, the admin sees the unread count, reads the notification in the inbox and marks it
read, with htmx and, in a browser without JavaScript, with a plain form."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pyotp
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from accord.accounts.models import TotpDevice
from accord.commitments import services as commitments
from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalogue")]
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
# pyotp refuses the shared fixture's short secret; the secretariat gets a full-length one.
TOTP_SECRET = pyotp.random_base32()


def documents_awaiting_review(org: Any, admin: Any) -> None:
    commitment = commitments.commit_to_practice(
        organisation=org,
        practice_id="cvd.safe-harbour",
        actor=admin,
        target_date=timezone.localdate() + timedelta(days=60),
    )
    for name in ("safe-harbour-2025.pdf", "safe-harbour-2026.pdf"):
        upload = SimpleUploadedFile(name, PDF, content_type="application/pdf")
        commitments.upload_document(commitment=commitment, uploaded_file=upload, actor=admin)


def review(page: Any, filename: str, decision: str, note: str = "") -> None:
    row = page.locator("#review-documents tbody tr", has_text=filename)
    if note:
        row.locator("textarea").fill(note)
    row.get_by_role("button", name=decision).click()
    expect(page.locator(".messages li").first).to_contain_text(filename)


def test_an_admin_sees_and_reads_the_notice_of_a_rejected_document(
    live_server: Any,
    browser: Any,
    page: Any,
    screenshot: Any,
    alice: Any,
    org_a: Any,
    secretariat: Any,
    password: str,
) -> None:
    base = live_server.url
    TotpDevice.objects.filter(user=secretariat).update(secret=TOTP_SECRET)
    documents_awaiting_review(org_a, alice)
    sign_in(page, base, alice.email, password)
    expect(page.locator("#unread-count")).to_have_text("")

    # The secretariat, in a browser of its own, rejects one document and accepts the other.
    desk = browser.new_context().new_page()
    sign_in(desk, base, secretariat.email, password, totp=TOTP_SECRET)
    desk.goto(f"{base}/adoption/review/")
    review(desk, "safe-harbour-2025.pdf", "Reject", "The policy has no date.")
    review(desk, "safe-harbour-2026.pdf", "Accept")
    # The emails to the admin are in the secretariat's outbox (no worker runs here).
    desk.goto(f"{base}/notifications/outbox/")
    rows = desk.locator("table.outbox tbody tr", has_text=alice.email)
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("was accepted")
    desk.screenshot(path=str(ARTIFACTS / "notifications-outbox.png"), full_page=True)
    desk.context.close()

    page.reload()
    expect(page.locator("#nav-inbox")).to_have_accessible_name("Inbox 2 unread")
    page.locator("#nav-inbox").click()
    expect(page).to_have_url(f"{base}/notifications/")
    unread = page.locator("li.notification.unread")
    expect(unread).to_have_count(2)
    rejected = unread.filter(has_text="safe-harbour-2025.pdf")
    expect(rejected.locator(".subject")).to_have_text(
        "cvd.safe-harbour: “safe-harbour-2025.pdf” was rejected"
    )
    expect(rejected).to_contain_text("The reviewer's note: The policy has no date.")
    screenshot("notifications-inbox-unread")

    # Marked read in place (htmx): the page is not reloaded, the count follows.
    page.evaluate("window.stillThisPage = true")
    rejected.get_by_role("button", name="Mark as read").click()
    expect(page.locator("li.notification.unread")).to_have_count(1)
    expect(page.locator("#unread-count")).to_have_text("1 unread")
    expect(page.locator("#inbox-unread")).to_have_text("1 unread.")
    assert page.evaluate("window.stillThisPage") is True
    screenshot("notifications-inbox-one-read")

    # Each notification links to its page.
    page.get_by_role("link", name="cvd.safe-harbour: “safe-harbour-2025.pdf” was rejected").click()
    expect(page).to_have_url(f"{base}/adoption/organisations/alpha/practices/cvd.safe-harbour/")

    # Without JavaScript the same button is a form post that comes back to the inbox.
    plain = browser.new_context(java_script_enabled=False).new_page()
    sign_in(plain, base, alice.email, password)
    plain.goto(f"{base}/notifications/")
    plain.locator("li.notification.unread").get_by_role("button", name="Mark as read").click()
    expect(plain).to_have_url(f"{base}/notifications/")
    expect(plain.locator("li.notification.unread")).to_have_count(0)
    expect(plain.locator("#unread-count")).to_have_text("")
    expect(plain.locator("#inbox-unread")).to_have_text("Nothing unread.")
    plain.context.close()


def test_the_inbox_fits_a_phone(
    live_server: Any, browser: Any, alice: Any, org_a: Any, password: str
) -> None:
    from accord.notifications import services as notifications

    notifications.notify(
        recipients=[alice],
        kind="evidence:verdict:fail",
        subject="security-txt fails on a-rather-long-subdomain.alpha-systems.example",
        body="The scan of a-rather-long-subdomain.alpha-systems.example found that it fails.",
        link="/evidence/observations/1/",
    )
    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(phone, live_server.url, alice.email, password)
    phone.goto(f"{live_server.url}/notifications/")
    expect(phone.locator("li.notification.unread")).to_have_count(1)
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "notifications-inbox-phone.png"), full_page=True)
    # The inbox itself fits (the site's navigation bar is the pages' own concern).
    assert phone.evaluate("document.querySelector('main').scrollWidth") <= 390
    box = phone.locator("li.notification").bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 390
    phone.context.close()
