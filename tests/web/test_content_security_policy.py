"""Every HTML page carries a strict Content-Security-Policy: no inline script anywhere,
no inline style on the site's own pages, and no other site may frame it."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import Resolver404, resolve

from accord.accounts.models import User
from accord.settings import image_sources
from tests.web.site_pages import PUBLIC_PAGES, Site, populate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]

# Pages of one kind (one view) opened at most this often, so the crawl covers every kind
# of page it finds a link to without reading all the catalogue's practices.
PER_VIEW = 2
MOST_PAGES = 400


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") or ""
        if tag == "a" and href.startswith("/") and not href.startswith("//"):
            self.paths.append(href.split("#", 1)[0])


def directives(response: HttpResponse) -> dict[str, list[str]]:
    assert "Content-Security-Policy" in response, response.request["PATH_INFO"]
    found: dict[str, list[str]] = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        found[name] = values
    return found


def assert_strict(response: HttpResponse) -> None:
    policy = directives(response)
    where = response.request["PATH_INFO"]
    assert policy.get("frame-ancestors") == ["'none'"], where
    scripts = policy.get("script-src", policy["default-src"])
    assert "'unsafe-inline'" not in scripts, where
    assert "'unsafe-eval'" not in scripts, where
    if "sandbox" not in policy:  # a self-contained, script-free document keeps its styles
        assert "'unsafe-inline'" not in policy.get("style-src", policy["default-src"]), where


def _is_html(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


def _worth_following(path: str) -> bool:
    if path.startswith(("/static/", "/api/")) and path != "/api/v1/docs":
        return False
    return not path.startswith("/accounts/logout")


def crawl(client: Client, start: list[str]) -> dict[str, int]:
    """Open `start` and the pages their links lead to; check each HTML page's policy.
    Returns the status of every page opened."""
    queue, seen, kinds = list(start), set(start), Counter[str]()
    opened: dict[str, int] = {}
    while queue and len(opened) < MOST_PAGES:
        path = queue.pop(0)
        response = client.get(path)
        opened[path] = response.status_code
        if not _is_html(response):
            continue
        assert_strict(response)
        links = _Links()
        links.feed(response.content.decode())
        for link in links.paths:
            kind = _view(link)
            if link in seen or kind is None or not _worth_following(link):
                continue
            if kinds[kind] < PER_VIEW:
                kinds[kind] += 1
                seen.add(link)
                queue.append(link)
    return opened


def _view(path: str) -> str | None:
    try:
        return resolve(path.split("?", 1)[0]).view_name
    except Resolver404:
        return None


@pytest.fixture
def site(alice: User, org_a: Any) -> Site:
    return populate(org_a, alice)


def test_every_public_page_has_the_strict_policy(client: Client, site: Site) -> None:
    opened = crawl(client, PUBLIC_PAGES)
    assert all(opened[path] == 200 for path in PUBLIC_PAGES), opened
    assert len(opened) > len(PUBLIC_PAGES)


def test_every_page_a_member_opens_has_the_strict_policy(
    client_for: Any, alice: User, site: Site
) -> None:
    pages = site.member_pages()
    opened = crawl(client_for(alice), pages)
    assert all(opened[path] == 200 for path in pages), opened


def test_every_page_the_secretariat_opens_has_the_strict_policy(
    client_for: Any, secretariat: User, site: Site
) -> None:
    pages = site.secretariat_pages()
    opened = crawl(client_for(secretariat), pages)
    assert all(opened[path] == 200 for path in pages), opened


def test_the_policy_names_what_pages_may_load(client: Client) -> None:
    policy = directives(client.get("/"))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]


@pytest.mark.parametrize("path", ["/no/such/page/", "/secretariat/"])
def test_error_pages_have_the_strict_policy(client: Client, path: str) -> None:
    response = client.get(path, follow=False)
    assert response.status_code in {302, 403, 404}
    assert_strict(response)


def test_the_csrf_failure_page_styles_itself_with_its_nonce(client: Client) -> None:
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/accounts/login/", {"email": "a@b.example", "password": "x"})
    assert response.status_code == 403
    assert_strict(response)
    (nonce,) = [v for v in directives(response)["style-src"] if v.startswith("'nonce-")]
    assert f'<style nonce="{nonce[7:-1]}">' in response.content.decode()


def test_an_htmx_fragment_has_the_strict_policy(client: Client, site: Site) -> None:
    response = client.get("/catalogue/search/?q=safe", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert_strict(response)


def test_the_html_report_is_framed_by_nobody(
    client_for: Any, secretariat: User, site: Site
) -> None:
    response = client_for(secretariat).get("/adoption/reports/2025/draft.html")
    assert response.status_code == 200
    assert_strict(response)
    assert directives(response)["sandbox"] == []


def test_a_logo_given_as_an_address_may_be_shown() -> None:
    assert image_sources("https://coalition.example/brand/logo.png") == [
        "'self'",
        "data:",
        "https://coalition.example",
    ]
    assert image_sources("/srv/accord/logo.svg") == ["'self'", "data:"]
