"""Every kind of page works in chromium under its Content-Security-Policy: styled, htmx
live, the API docs drawn, and nothing blocked (the conftest fails a test on any
violation the browser reports)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import expect

from accord.accounts.models import Organisation, User
from tests.web.site_pages import PUBLIC_PAGES, Site, populate

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalogue")]

# The header's background, from accord.css: the site's own stylesheet was applied.
HEADER_BACKGROUND = "rgb(246, 248, 250)"


def signed_in(browser: Any, client: Client, base: str) -> Any:
    """A browser page carrying the test client's session (signed in, code step passed)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    cookie = client.cookies["sessionid"]
    context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": base}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def open_each(page: Any, base: str, paths: list[str]) -> None:
    for path in paths:
        response = page.goto(f"{base}{path}", wait_until="load")
        assert response.status == 200, path
        if path == "/api/v1/docs":
            page.locator(".opblock").first.wait_for()
            continue
        header = page.locator("header.site")
        assert header.evaluate("e => getComputedStyle(e).backgroundColor") == HEADER_BACKGROUND
        # htmx runs, and added no <style> of its own (the policy would refuse it).
        assert page.evaluate("typeof htmx") == "object", path
        assert page.locator("style").count() == 0, path
    page.wait_for_timeout(100)  # let the last page's console messages arrive


@pytest.fixture
def site(live_server: Any, settings: Any, org_a: Organisation, alice: User) -> Site:
    settings.ACCORD_BASE_URL = live_server.url
    return populate(org_a, alice)


def test_every_public_page_works_under_the_policy(
    live_server: Any, page: Any, site: Site, screenshot: Any
) -> None:
    base = live_server.url
    open_each(page, base, PUBLIC_PAGES)

    page.goto(f"{base}/catalogue/practices/cvd.security-txt/")
    screenshot("csp-practice")
    page.goto(f"{base}/adoption/")
    page.get_by_role("img", name="Organisations verified, per framework").wait_for()
    screenshot("csp-dashboard")
    page.goto(f"{base}/api/v1/docs")
    page.locator(".opblock").first.wait_for()
    assert (
        page.locator(".swagger-ui .info .title").evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)"
        )
        > 20
    )  # Swagger UI's own stylesheet applied
    screenshot("csp-api-docs")


def test_the_live_search_works_under_the_policy(live_server: Any, page: Any, site: Site) -> None:
    base = live_server.url
    page.goto(f"{base}/catalogue/search/")
    page.evaluate("window.stillThisPage = true")
    page.locator("#search-q").fill("harbour")
    page.wait_for_url("**/catalogue/search/?q=harbour")
    expect(page.locator("#search-results")).to_contain_text("cvd.safe-harbour")
    assert page.evaluate("window.stillThisPage") is True  # swapped in by htmx


def test_every_page_a_member_opens_works_under_the_policy(
    live_server: Any, browser: Any, client_for: Any, alice: User, site: Site
) -> None:
    base = live_server.url
    page = signed_in(browser, client_for(alice), base)
    open_each(page, base, site.member_pages())

    page.goto(f"{base}/notifications/")
    page.evaluate("window.stillThisPage = true")
    page.get_by_role("button", name="Mark as read").first.click()
    expect(page.locator("li.notification.unread")).to_have_count(0)
    expect(page.locator("#unread-count")).to_have_text("")
    assert page.evaluate("window.stillThisPage") is True
    page.context.close()


def test_every_page_the_secretariat_opens_works_under_the_policy(
    live_server: Any, browser: Any, client_for: Any, secretariat: User, site: Site
) -> None:
    base = live_server.url
    page = signed_in(browser, client_for(secretariat), base)
    open_each(page, base, site.secretariat_pages())
    page.context.close()
