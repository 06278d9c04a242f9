"""A coalition runs in chromium from end to end: an organisation applies, the secretariat
admits it, its contact accepts the invitation, proves its domain in (fake) DNS, commits to
a practice and uploads a document; the secretariat rejects it with a note and the admin
reads the notice in the inbox. Then an observer is invited, and may read but not act."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accord.accounts.models import TotpDevice, User
from accord.engine.testing.fake_dns import FakeTxtResolver
from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import PHONE, emailed_link, overflow, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalogue")]

GRACE = "grace@gamma.example"
GRACE_PASSWORD = "gamma water passphrase 7"
OLGA = "olga@ministry.example"
OLGA_PASSWORD = "observing from the ministry 9"
PRACTICE = "cvd.safe-harbour"  # proven by a document the secretariat reviews
DOCUMENT = "safe-harbour-policy.pdf"
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
# What the site says after an action (the banner about an unconfirmed address aside).
SAID = ".messages:not(#email-unconfirmed) li"
NOTE = "The policy names no date of approval."

# The live server runs in this process, so it makes its resolver from here.
ZONE = FakeTxtResolver()


def fake_resolver() -> FakeTxtResolver:
    return ZONE


@pytest.fixture
def site(live_server: Any, settings: Any) -> str:
    settings.ACCORD_BASE_URL = live_server.url  # links in emails point at the live server
    settings.ACCORD_DNS_RESOLVER = f"{__name__}.fake_resolver"
    settings.ACCORD_SCAN_FETCHER = "tests.engine.checks.fakes.FakeFetcher"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    ZONE.records.clear()
    return str(live_server.url)


@pytest.fixture
def desk(browser: Any, site: str, secretariat: User, password: str) -> Any:
    """The secretariat's own browser, signed in with its code."""
    secret = pyotp.random_base32()  # pyotp refuses the shared fixture's short secret
    TotpDevice.objects.filter(user=secretariat).update(secret=secret)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, site, secretariat.email, password, totp=secret)
    yield page
    context.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"journey-{name}.png"), full_page=True)


def fits_a_phone(browser: Any, page: Any, name: str) -> None:
    """The page `page` shows, opened again in the same session on a 390 px phone."""
    phone = browser.new_context(viewport=PHONE, is_mobile=True)
    phone.add_cookies(page.context.cookies())
    small = phone.new_page()
    small.goto(page.url)
    shot(small, f"{name}-phone")
    found = overflow(small)
    phone.close()
    assert found["width"] <= PHONE["width"], (name, found)


# The steps ----------------------------------------------------------------------------


def apply(page: Any, site: str) -> None:
    page.goto(f"{site}/accounts/apply/")
    page.get_by_label("Organisation name").fill("Gamma Water")
    page.get_by_label("Domain names").fill("gamma.example")
    page.get_by_label("Sector").fill("water")
    page.get_by_label("Country").select_option("NL")
    page.get_by_label("Size").select_option("medium")
    page.get_by_label("Contact person's name").fill("Grace Gamma")
    page.get_by_label("Contact person's email address").fill(GRACE)
    shot(page, "apply")
    page.get_by_role("button", name="Send the application").click()
    page.wait_for_url("**/accounts/apply/sent/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Application sent")


def admit(desk: Any) -> None:
    expect(desk.get_by_role("heading", level=1)).to_have_text("Secretariat workspace")
    shot(desk, "workspace")
    desk.locator("#ws-applications a").click()
    desk.wait_for_url("**/accounts/applications/")
    desk.get_by_role("link", name="Gamma Water").click()
    desk.get_by_label(re.compile("^Reason")).fill("Welcome to the coalition.")
    shot(desk, "application")
    desk.get_by_role("button", name="Admit").click()
    desk.wait_for_url("**/accounts/applications/")
    expect(desk.locator(SAID)).to_contain_text("Gamma Water is admitted")


def accept_as_first_admin(page: Any) -> None:
    page.goto(emailed_link(GRACE, "/accounts/invitations/accept/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Join Gamma Water")
    page.get_by_label("Your name").fill("Grace Gamma")
    page.get_by_label("Password", exact=True).fill(GRACE_PASSWORD)
    page.get_by_label("Password, again").fill(GRACE_PASSWORD)
    page.get_by_role("button", name="Create the account and join").click()
    page.wait_for_url("**/accounts/organisations/gamma-water/")
    members = page.locator("table").filter(has_text="Role").first
    expect(members).to_contain_text("Grace Gamma")
    expect(members).to_contain_text("Organisation admin")


def prove_the_domain(page: Any) -> None:
    claim = page.locator('li.domain-control[data-domain="gamma.example"]')
    expect(claim.locator(".control")).to_contain_text("Not verified yet")
    name = claim.locator('code[id^="txt-name-"]').inner_text()
    token = claim.locator("code.token").inner_text()
    assert name == "_accord-challenge.gamma.example"
    shot(page, "domain-token")
    ZONE.records[name] = [token]  # the admin publishes the record
    claim.get_by_role("button", name="Check now").click()
    page.wait_for_load_state()
    claim = page.locator('li.domain-control[data-domain="gamma.example"]')
    expect(claim.locator(".control")).to_have_text("Verified")
    expect(page.get_by_role("status")).to_contain_text("gamma.example is verified")
    shot(page, "domain-verified")


def commit_and_upload(page: Any) -> None:
    page.get_by_role("link", name="Scorecard: commitments and their status").click()
    page.get_by_role("link", name="Commit to practices").click()
    target = timezone.localdate() + timedelta(days=90)
    page.get_by_label("Target date").fill(target.isoformat())
    page.get_by_label(re.compile(re.escape(PRACTICE) + ":")).check()
    shot(page, "commit")
    page.get_by_role("button", name="Commit").click()
    page.wait_for_url("**/adoption/organisations/gamma-water/scorecard/")
    expect(page.locator(SAID)).to_contain_text("Committed to 1 practice(s).")
    shot(page, "scorecard")

    page.goto(page.url.replace("scorecard/", f"practices/{PRACTICE}/"))
    upload = {"name": DOCUMENT, "mimeType": "application/pdf", "buffer": PDF}
    page.get_by_label(re.compile("^Document")).set_input_files(upload)
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url(f"**/practices/{PRACTICE}/")
    expect(page.locator(SAID)).to_contain_text("awaits the secretariat's review")
    expect(page.locator("table", has_text=DOCUMENT)).to_contain_text("Awaiting review")
    shot(page, "uploaded")


def reject(desk: Any) -> None:
    desk.goto(desk.url.split("/accounts/")[0] + "/secretariat/")
    desk.locator("#ws-review a").click()
    desk.wait_for_url("**/adoption/review/")
    row = desk.locator("#review-documents tbody tr", has_text=DOCUMENT)
    row.locator("textarea").fill(NOTE)
    shot(desk, "review-queue")
    row.get_by_role("button", name="Reject").click()
    desk.wait_for_url("**/adoption/review/**")
    message = desk.locator(SAID).first
    expect(message).to_contain_text(f"“{DOCUMENT}” is rejected.")
    expect(message).not_to_contain_text("pending")
    shot(desk, "review-rejected")


def read_the_notice(page: Any, site: str) -> None:
    page.reload()
    expect(page.locator("#nav-inbox")).to_have_accessible_name(re.compile(r"^Inbox \d+ unread$"))
    page.locator("#nav-inbox").click()
    page.wait_for_url(f"{site}/notifications/")
    notice = page.locator("li.notification.unread", has_text=DOCUMENT)
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text("was rejected")
    expect(notice).to_contain_text(NOTE)
    shot(page, "inbox")
    notice.get_by_role("link", name=re.compile("was rejected")).click()
    page.wait_for_url(f"**/practices/{PRACTICE}/")
    expect(page.locator("table", has_text=DOCUMENT)).to_contain_text(NOTE)


def invite_an_observer(desk: Any, site: str) -> None:
    desk.goto(f"{site}/accounts/invitations/")
    desk.get_by_label("Email address").fill(OLGA)
    desk.get_by_label("Role").select_option(User.InstanceRole.OBSERVER)
    desk.get_by_role("button", name="Send the invitation").click()
    expect(desk.locator(SAID)).to_contain_text(OLGA)
    shot(desk, "invitations")


def accept_as_observer(olga: Any, site: str) -> None:
    olga.goto(emailed_link(OLGA, "/accounts/invitations/accept/"))
    olga.get_by_label("Your name").fill("Olga Observer")
    olga.get_by_label("Password", exact=True).fill(OLGA_PASSWORD)
    olga.get_by_label("Password, again").fill(OLGA_PASSWORD)
    olga.get_by_role("button", name="Create the account and join").click()
    olga.locator("#nav-inbox").wait_for()
    # Signing in again later works with the password chosen here.
    olga.context.clear_cookies()
    sign_in(olga, site, OLGA, OLGA_PASSWORD)
    assert User.objects.get(email=OLGA).instance_role == User.InstanceRole.OBSERVER


def observer_reads_but_may_not_act(olga: Any, site: str) -> None:
    for path in ("/adoption/", "/adoption/organisations/"):
        assert olga.goto(f"{site}{path}").status == 200, path
    shot(olga, "observer-directory")
    refused = {
        "commit": "/adoption/organisations/gamma-water/commit/",
        "publication": "/adoption/organisations/gamma-water/publication/",
        "review-queue": "/adoption/review/",
        "workspace": "/secretariat/",
        "invite-people": "/accounts/invitations/",
        "applications": "/accounts/applications/",
    }
    statuses = {name: olga.goto(f"{site}{path}").status for name, path in refused.items()}
    assert all(status in (403, 404) for status in statuses.values()), statuses
    shot(olga, "observer-refused")
    # The navigation offers none of it either.
    nav = olga.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Workspace")).to_have_count(0)
    expect(nav.get_by_role("link", name="Review")).to_have_count(0)
    # Where the observer may look, there is no form to act with.
    response = olga.goto(f"{site}/adoption/organisations/gamma-water/practices/{PRACTICE}/")
    if response.status == 200:
        expect(olga.get_by_role("button", name="Upload")).to_have_count(0)
        expect(olga.get_by_role("button", name="Withdraw")).to_have_count(0)
        expect(olga.get_by_role("button", name="Attest")).to_have_count(0)
    response = olga.goto(f"{site}/accounts/organisations/gamma-water/")
    if response.status == 200:
        expect(olga.get_by_role("heading", name="Invite a person")).to_have_count(0)
        expect(olga.get_by_role("button", name="Check now")).to_have_count(0)


def test_a_coalition_from_application_to_review_and_an_observer(
    site: str, browser: Any, page: Any, desk: Any
) -> None:
    apply(page, site)
    admit(desk)
    accept_as_first_admin(page)
    fits_a_phone(browser, page, "organisation")
    prove_the_domain(page)
    commit_and_upload(page)
    fits_a_phone(browser, page, "commitment")
    reject(desk)
    read_the_notice(page, site)
    fits_a_phone(browser, page, "commitment-rejected")

    invite_an_observer(desk, site)
    olga = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    olga.set_default_timeout(15_000)
    accept_as_observer(olga, site)
    observer_reads_but_may_not_act(olga, site)
    olga.context.close()
