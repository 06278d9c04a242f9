"""The secretariat's People page in chromium on a 390 px phone: the rows stack and fit
the screen, and an observer is deactivated through the real form (the tick first)."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from django.utils import timezone

from accord.accounts.models import Membership, Organisation, TotpDevice, User
from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import PHONE, overflow, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_people_page_fits_a_phone_and_deactivates_an_observer(
    live_server: Any, phone: Any
) -> None:
    sec = User.objects.create_user(
        email="sec@accord.example",
        password="x" * 20,
        instance_role="secretariat",
        email_verified_at=timezone.now(),
    )
    secret = pyotp.random_base32()
    TotpDevice.objects.create(user=sec, secret=secret, confirmed_at=timezone.now())
    User.objects.create_user(
        email="olga.with.a.rather.long.address@observer.example",
        password="x" * 20,
        full_name="Olga Observer",
        instance_role="observer",
    )
    member = User.objects.create_user(email="alice@alpha.example", password="x" * 20)
    alpha = Organisation.objects.create(
        name="Alpha Systems International Research and Infrastructure Holding", slug="alpha"
    )
    Membership.objects.create(user=member, organisation=alpha, role="org_admin")
    sign_in(phone, live_server.url, sec.email, "x" * 20, totp=secret)
    phone.goto(f"{live_server.url}/secretariat/people/")
    assert phone.locator("h1").inner_text() == "People"
    found = overflow(phone)
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "phone-secretariat-people.png"), full_page=True)
    assert found["width"] <= PHONE["width"], found
    row = phone.locator('tr[data-email^="olga"]')
    row.get_by_role("button", name="Deactivate").click()
    # The browser itself asks for the tick before anything is sent.
    assert phone.url.endswith("/secretariat/people/")
    assert User.objects.get(full_name="Olga Observer").is_active
    row.get_by_label("I mean it").check()
    row.get_by_role("button", name="Deactivate").click()
    phone.get_by_text("can no longer sign in").wait_for()
    assert not User.objects.get(full_name="Olga Observer").is_active
    assert phone.locator('tr[data-email^="olga"]').get_by_text("Deactivated").is_visible()
