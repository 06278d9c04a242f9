"""An organisation's admin copies a badge's embed code from the publication page."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client

from accord.accounts.models import Membership, Organisation, User
from accord.accounts.sessions import TWO_FACTOR_PASSED_KEY
from accord.catalogue.services import load_catalogue
from accord.commitments import services

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_copy_button_puts_the_markdown_on_the_clipboard(live_server: Any, browser: Any) -> None:
    load_catalogue()
    alpha = Organisation.objects.create(name="Alpha Systems", slug="alpha")
    admin = User.objects.create_user(email="alice@alpha.example", password="x" * 20)
    Membership.objects.create(user=admin, organisation=alpha, role=Membership.Role.ORG_ADMIN)
    services.commit_to_profile(
        organisation=alpha, profile_slug="cvd-baseline",
        target_date=date.today() + timedelta(days=90), actor=admin,
    )  # fmt: skip
    services.set_publication(organisation=alpha, public_profile=False, badges=True, actor=admin)
    client = Client()
    client.force_login(admin)
    session = client.session
    session[TWO_FACTOR_PASSED_KEY] = admin.pk
    session.save()

    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    context.add_cookies(
        [{"name": "sessionid", "value": session.session_key, "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/adoption/organisations/alpha/publication/")
    markdown = page.locator("#badge-cvd-baseline-markdown").input_value()
    assert markdown.startswith("[![Alpha Systems: CVD baseline](http")
    assert f"({live_server.url}/adoption/badges/alpha/cvd-baseline/)" in markdown
    page.get_by_role("button", name="Copy the Markdown").first.click()
    page.get_by_text("Copied").first.wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == markdown
    context.close()
