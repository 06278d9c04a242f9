"""The API documentation at /api/v1/docs works offline: django-ninja's own Swagger UI
files, served by this instance, and nothing fetched from another host."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


class _References(HTMLParser):
    """Every address the page makes the browser load: scripts, styles, icons, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("src", "href"):
            if found.get(name) and tag in ("script", "link", "img", "iframe"):
                self.urls.append(str(found[name]))


def references(html: str) -> list[str]:
    parser = _References()
    parser.feed(html)
    return parser.urls


def test_the_docs_page_loads_nothing_from_another_host(client: Client) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    urls = references(html)
    assert any(url.endswith("swagger-ui-bundle.js") for url in urls), urls
    assert all(not urlsplit(url).netloc for url in urls), urls
    # Nor in inline text: no CDN named anywhere on the page.
    assert not re.search(r"https?://(?!testserver)", html.replace("http://www.w3.org", ""))


def test_the_docs_assets_are_served_by_the_instance(client: Client) -> None:
    urls = references(client.get("/api/v1/docs").content.decode())
    assert urls
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert len(body) > 100, url


def test_the_docs_point_at_the_openapi_document(client: Client) -> None:
    html = client.get("/api/v1/docs").content.decode()
    assert "/api/v1/openapi.json" in html


def test_the_docs_ask_no_outside_validator_about_the_document(client: Client) -> None:
    html = client.get("/api/v1/docs").content.decode()
    block = re.search(r'id="swagger-settings">(.*?)</script>', html, re.S)
    assert block is not None
    assert json.loads(block.group(1))["validatorUrl"] is None
