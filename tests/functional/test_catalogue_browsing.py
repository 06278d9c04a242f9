"""A visitor browses the bundled catalogue through the site, following links only."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.test import Client

from accord.catalogue.models import CatalogueVersion, Framework, Norm, Practice, Profile
from accord.catalogue.services import load_catalogue
from accord.catalogue.validation import BUNDLED

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db: None) -> CatalogueVersion:
    if not (BUNDLED / "profiles.yaml").is_file():
        pytest.skip("the bundled catalogue is not written yet")
    return load_catalogue()


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def crawl(client: Client, start: str) -> dict[str, int]:
    """Every /catalogue/ page reachable from `start`, with its status."""
    seen: dict[str, int] = {}
    queue = [start]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        response = client.get(path)
        seen[path] = response.status_code
        parser = Links()
        parser.feed(response.content.decode())
        for href in parser.hrefs:
            url = urlsplit(href)
            if not url.netloc and url.path.startswith("/catalogue/") and not url.query:
                queue.append(url.path)
    return seen


def test_every_page_is_reachable_from_the_index_and_none_is_broken(
    client: Client, catalogue: CatalogueVersion
) -> None:
    pages = crawl(client, "/catalogue/")
    assert {path for path, status in pages.items() if status != 200} == set()
    expected = (
        {f.get_absolute_url() for f in Framework.objects.all()}
        | {n.get_absolute_url() for n in Norm.objects.select_related("framework")}
        | {p.get_absolute_url() for p in Practice.objects.current()}
        | {p.get_absolute_url() for p in Profile.objects.all()}
        | {"/catalogue/changelog/", "/catalogue/search/"}
    )
    assert expected - set(pages) == set()


def test_home_page_shows_the_catalogue_in_figures(
    client: Client, catalogue: CatalogueVersion
) -> None:
    html = client.get("/").content.decode()
    assert f"<strong>{Practice.objects.current().count()}</strong> practices" in html
    assert f"Catalogue version {catalogue.version}" in html


def test_search_from_the_home_page_to_a_practice(
    client: Client, catalogue: CatalogueVersion
) -> None:
    response = client.get("/catalogue/search/", {"q": "security.txt"})
    parser = Links()
    parser.feed(response.content.decode())
    practices = [h for h in parser.hrefs if h.startswith("/catalogue/practices/")]
    assert practices[0] == "/catalogue/practices/cvd.security-txt/"
    practice = client.get(practices[0]).content.decode()
    assert "<title>cvd.security-txt:" in practice
    assert "RFC 9116" in practice
