"""The API documentation renders in a browser that can reach nothing but this instance."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_swagger_ui_renders_from_the_instance_alone(live_server: Any, page: Any) -> None:
    requested: list[str] = []
    own = urlsplit(live_server.url).netloc

    def only_the_instance(route: Any) -> None:
        requested.append(route.request.url)
        if urlsplit(route.request.url).netloc == own:
            route.continue_()
        else:
            route.abort()

    page.route("**/*", only_the_instance)
    page.goto(f"{live_server.url}/api/v1/docs")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 10
    assert "Accord API" in page.locator(".info .title").inner_text()
    assert all(urlsplit(url).netloc == own for url in requested), requested
