"""A visitor finds a practice in the catalogue with the search box and opens it."""

from __future__ import annotations

from typing import Any

import pytest

from accord.catalogue.services import load_catalogue

pytestmark = pytest.mark.django_db(transaction=True)


def test_search_and_open_a_practice(live_server: Any, page: Any, screenshot: Any) -> None:
    load_catalogue()
    page.goto(f"{live_server.url}/catalogue/")
    assert page.get_by_role("heading", level=1).first.is_visible()
    page.get_by_role("link", name="Search").first.click()

    page.fill("#search-q", "security.txt")
    page.keyboard.press("Enter")
    first = page.locator("#search-results a.result").first
    first.wait_for()
    assert "security.txt" in page.locator("#search-results").inner_text().lower()
    screenshot("catalogue-search")

    first.click()
    page.wait_for_url("**/catalogue/practices/**")
    assert "cvd." in page.title()
    assert page.get_by_text("RFC 9116").first.is_visible()
    screenshot("catalogue-practice")
