"""A newcomer signs up, confirms the address from the email and signs in; someone who
forgot their password sets a new one from the emailed link. In chromium."""

from __future__ import annotations

from typing import Any

import pytest

from accord.accounts import services
from accord.accounts.models import User
from accord.notifications.models import Message
from tests.accounts.helpers import totp_code
from tests.browser.helpers import emailed_link

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long and memorable passphrase 31"


@pytest.fixture
def site(live_server: Any, settings: Any) -> str:
    # Links in emails point at the instance's public address: here, the live server.
    settings.ACCORD_BASE_URL = live_server.url
    return str(live_server.url)


def sign_in(page: Any, email: str, password: str) -> None:
    page.fill("#id_email", email)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Sign in").click()


def test_sign_up_confirm_the_address_and_sign_in(site: str, page: Any, screenshot: Any) -> None:
    page.goto(f"{site}/accounts/login/")
    page.get_by_role("link", name="Create an account").click()
    page.wait_for_url("**/accounts/signup/")
    page.fill("#id_email", "observer@example.org")
    page.fill("#id_full_name", "Olga Observer")
    page.fill("#id_password", PASSWORD)
    page.fill("#id_password_again", PASSWORD)
    screenshot("accounts-signup")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/accounts/signup/done/")
    assert page.get_by_role("heading", level=1).inner_text() == "Check your email to finish"

    page.goto(emailed_link("observer@example.org", "/accounts/verify/"))
    page.wait_for_url("**/accounts/login/")
    assert "Your email address is confirmed" in page.locator(".messages").inner_text()
    sign_in(page, "observer@example.org", PASSWORD)
    page.wait_for_url("**/accounts/")
    assert "confirmed" in page.locator("dl.facts").inner_text()
    assert page.locator("#email-unconfirmed").count() == 0
    screenshot("accounts-signed-up")
    user = User.objects.get(email="observer@example.org")
    assert user.has_verified_email
    assert user.instance_role == ""


def test_an_unconfirmed_account_sees_the_banner(site: str, page: Any, screenshot: Any) -> None:
    page.goto(f"{site}/accounts/signup/")
    page.fill("#id_email", "later@example.org")
    page.fill("#id_password", PASSWORD)
    page.fill("#id_password_again", PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/accounts/signup/done/")
    page.goto(f"{site}/accounts/login/")
    sign_in(page, "later@example.org", PASSWORD)
    page.wait_for_url("**/accounts/")
    banner = page.locator("#email-unconfirmed")
    assert "not confirmed yet" in banner.inner_text()
    screenshot("accounts-unconfirmed-banner")
    banner.get_by_role("button", name="Send the link again").click()
    page.wait_for_url("**/accounts/")
    assert "We sent a new confirmation link" in page.locator(".messages").last.inner_text()
    assert Message.objects.filter(to_address="later@example.org").count() == 2


def test_set_a_forgotten_password(site: str, page: Any, make_user: Any, screenshot: Any) -> None:
    make_user("forgetful@example.org")
    page.goto(f"{site}/accounts/login/")
    page.get_by_role("link", name="Forgotten your password?").click()
    page.fill("#id_email", "forgetful@example.org")
    page.get_by_role("button", name="Send the link").click()
    page.wait_for_url("**/accounts/password/reset/sent/")

    page.goto(emailed_link("forgetful@example.org", "/accounts/password/reset/"))
    page.wait_for_url("**/set-password/")
    page.fill("#id_password", "short")
    page.fill("#id_password_again", "short")
    page.get_by_role("button", name="Set password").click()
    assert "too short" in page.locator(".errorlist").first.inner_text()
    page.fill("#id_password", PASSWORD)
    page.fill("#id_password_again", PASSWORD)
    screenshot("accounts-set-password")
    page.get_by_role("button", name="Set password").click()
    page.wait_for_url("**/accounts/login/")
    assert "Your password is changed" in page.locator(".messages").inner_text()
    sign_in(page, "forgetful@example.org", PASSWORD)
    page.wait_for_url("**/accounts/")
    assert page.get_by_role("heading", level=1).inner_text() == "Your account"


def test_sign_in_with_a_recovery_code(
    site: str, page: Any, make_user: Any, password: str, screenshot: Any
) -> None:
    user = make_user("phoneless@example.org")
    device = services.start_totp_enrolment(user=user)
    _, codes = services.confirm_totp(user=user, code=totp_code(device.secret))
    page.goto(f"{site}/accounts/login/")
    sign_in(page, user.email, password)
    page.wait_for_url("**/accounts/login/verify/")
    page.get_by_role("link", name="Lost your device? Use a recovery code").click()
    page.fill("#id_code", codes[0].upper())
    page.get_by_role("button", name="Verify and sign in").click()
    page.wait_for_url("**/accounts/")
    assert page.get_by_text("You signed in with a recovery code; 9 are left.").is_visible()
    assert page.locator("#recovery-codes-left").inner_text() == "9"
    screenshot("accounts-recovery-codes-left")
