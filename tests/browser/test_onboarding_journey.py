"""Joining in chromium: an organisation applies, the secretariat signs in and admits it,
and the contact opens the invitation from the outbox, creates an account and lands on
the organisation's page as its admin."""

from __future__ import annotations

import re
from typing import Any

import pyotp
import pytest

from accord.accounts.models import TotpDevice, User
from accord.notifications import selectors as notifications
from tests.accounts.helpers import totp_code
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.django_db(transaction=True)
GRACE = "grace@gamma.example"


def apply(page: Any, url: str, screenshot: Any) -> None:
    page.goto(f"{url}/accounts/apply/")
    page.get_by_label("Organisation name").fill("Gamma Water")
    page.get_by_label("Domain names").fill("gamma.example\nwww.gamma.example")
    page.get_by_label("Sector").fill("water")
    page.get_by_label("Country").select_option("NL")
    page.get_by_label("Size").select_option("medium")
    page.get_by_label("Contact person's name").fill("Grace Gamma")
    page.get_by_label("Contact person's email address").fill(GRACE)
    screenshot("onboarding-apply")
    page.get_by_role("button", name="Send the application").click()
    page.wait_for_url("**/accounts/apply/sent/")


def sign_in_with_code(page: Any, url: str, user: User, password: str) -> None:
    secret = pyotp.random_base32()
    TotpDevice.objects.filter(user=user).update(secret=secret)
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code from your authenticator app").fill(totp_code(secret))
    page.get_by_role("button", name="Verify and sign in").click()
    page.wait_for_url("**/secretariat/")


def invitation_from_outbox(reader: User) -> str:
    message = notifications.outbox(reader).filter(
        to_address=GRACE, kind="accounts:invitation:create"
    )
    body = message.get().body
    match = re.search(r"https?://\S+/accounts/invitations/accept/\S+/", body)
    assert match, body
    return match.group(0)


def test_apply_admit_and_accept_the_invitation(
    live_server: Any,
    browser: Any,
    page: Any,
    screenshot: Any,
    secretariat: User,
    password: str,
    settings: Any,
) -> None:
    settings.ACCORD_BASE_URL = live_server.url
    apply(page, live_server.url, screenshot)
    assert page.get_by_role("heading", level=1).inner_text() == "Application sent"

    desk = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in_with_code(desk, live_server.url, secretariat, password)
    desk.goto(f"{live_server.url}/accounts/applications/")
    desk.get_by_role("link", name="Gamma Water").click()
    desk.get_by_label(re.compile("^Reason")).fill("Welcome to the coalition.")
    desk.screenshot(path=str(ARTIFACTS / "onboarding-application.png"), full_page=True)
    desk.get_by_role("button", name="Admit").click()
    desk.wait_for_url("**/accounts/applications/")
    assert "Gamma Water is admitted" in desk.locator(".messages").inner_text()
    desk.context.close()

    page.goto(invitation_from_outbox(secretariat))
    assert page.get_by_role("heading", level=1).inner_text() == "Join Gamma Water"
    assert page.locator("#invited-email").input_value() == GRACE
    page.get_by_label("Your name").fill("Grace Gamma")
    page.get_by_label("Password", exact=True).fill("gamma water passphrase")
    page.get_by_label("Password, again").fill("gamma water passphrase")
    page.get_by_role("button", name="Create the account and join").click()
    page.wait_for_url("**/accounts/organisations/gamma-water/")
    assert page.get_by_role("heading", level=1).inner_text() == "Gamma Water"
    assert "you joined Gamma Water" in page.locator(".messages").inner_text()
    members = page.locator("table").filter(has_text="Role").first.inner_text()
    assert "Grace Gamma" in members
    assert "Organisation admin" in members
    assert page.get_by_role("heading", name="Invite a person").is_visible()
    screenshot("onboarding-first-admin")
