"""An organisation admin proves control of a domain in chromium: registers it, reads
its token off the page, puts it in (fake) DNS, presses Check now and sees it verified."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from accord.accounts.models import Membership, Organisation, User
from accord.engine.testing.fake_dns import FakeTxtResolver

pytestmark = pytest.mark.django_db(transaction=True)

# The live server runs in this process, so it makes its resolver from here.
ZONE = FakeTxtResolver()


def fake_resolver() -> FakeTxtResolver:
    return ZONE


@pytest.fixture
def admin(settings: Any, password: str) -> User:
    settings.ACCORD_DNS_RESOLVER = f"{__name__}.fake_resolver"
    settings.ACCORD_SCAN_FETCHER = "tests.engine.checks.fakes.FakeFetcher"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    ZONE.records.clear()
    organisation = Organisation.objects.create(name="Alpha Systems", slug="alpha")
    user = User.objects.create_user(
        email="alice@alpha.example", password=password, email_verified_at=timezone.now()
    )
    Membership.objects.create(user=user, organisation=organisation, role=Membership.Role.ORG_ADMIN)
    return user


def test_an_admin_adds_a_domain_and_proves_control_with_its_token_in_dns(
    live_server: Any, page: Any, screenshot: Any, admin: User, password: str
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/")

    page.goto(f"{live_server.url}/accounts/organisations/alpha/")
    page.get_by_label("Domain name").fill("alpha.example")
    page.get_by_role("button", name="Add domain").click()
    page.wait_for_url("**/accounts/organisations/alpha/**")
    claim = page.locator('li.domain-control[data-domain="alpha.example"]')
    assert "Not verified yet" in claim.locator(".control").inner_text()
    name = claim.locator('code[id^="txt-name-"]').inner_text()
    token = claim.locator("code.token").inner_text()
    assert name == "_accord-challenge.alpha.example"
    assert len(token) >= 32
    assert claim.get_by_role("button", name="Copy").first.is_visible()
    screenshot("domain-control-token")

    ZONE.records[name] = [token]  # the admin publishes the record
    claim.get_by_role("button", name="Check now").click()
    page.wait_for_load_state()

    claim = page.locator('li.domain-control[data-domain="alpha.example"]')
    assert claim.locator(".control").inner_text() == "Verified"
    assert "alpha.example is verified" in page.get_by_role("status").inner_text()
    assert claim.locator("code.token").count() == 0
    screenshot("domain-control-verified")
