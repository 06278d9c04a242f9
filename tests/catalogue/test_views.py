"""The catalogue's pages: what a visitor reads, 404s, and the search with and without htmx."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accord.catalogue.models import CatalogueVersion

pytestmark = pytest.mark.django_db


def page(client: Client, name: str, *args: str, **query: str) -> str:
    response = client.get(reverse(f"catalogue:{name}", args=args), query)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def test_index_before_the_catalogue_is_loaded(client: Client) -> None:
    assert "run <code>accord init</code>" in page(client, "index")
    assert "run <code>accord init</code>" in page(client, "changelog")


def test_index_shows_frameworks_norms_areas_and_profiles(
    client: Client, mini_catalogue: CatalogueVersion
) -> None:
    html = page(client, "index")
    assert "<h1>Norms catalogue</h1>" in html
    assert "Version 1.0.0, released 15 January 2026" in html
    assert 'href="/catalogue/frameworks/gge/"' in html
    assert 'href="/catalogue/frameworks/gge/13j/">para. 13(j)</a>' in html
    assert 'href="/catalogue/practices/sc.sbom/"' in html
    assert 'href="/catalogue/profiles/starter/">Starter</a>' in html
    assert 'href="/catalogue/changelog/"' in html
    assert '<th scope="col">Practices</th>' in html


def test_framework_page_lists_each_norm_with_its_practices(
    client: Client, mini_catalogue: CatalogueVersion
) -> None:
    html = page(client, "framework", "gge")
    assert "<h1>Report of the UN Group of Governmental Experts (2015)</h1>" in html
    assert 'href="https://undocs.org/A/70/174"' in html
    assert "para. 13(j): Report ICT vulnerabilities" in html
    assert "Vendors receive reports and publish fixes." in html
    assert html.index("Publish a security.txt file") < html.index("Integrity of the supply chain")
    assert "A policy makes reporting predictable." in html


def test_norm_page(client: Client, mini_catalogue: CatalogueVersion) -> None:
    html = page(client, "norm", "tech-accord", "2")
    assert "<h1>No offense</h1>" in html
    assert "for states" in html
    assert "No practice maps to this norm." in html
    html = page(client, "norm", "gge", "13j")
    assert '<th scope="row"><a href="/catalogue/practices/cvd.policy/">' in html


def test_practice_page_shows_everything(client: Client, mini_catalogue: CatalogueVersion) -> None:
    html = page(client, "practice", "cvd.security-txt")
    assert "<title>cvd.security-txt: Publish a security.txt file" in html
    assert "<h1>Publish a security.txt file</h1>" in html
    for text in (
        "Publish /.well-known/security.txt with a contact",  # statement
        "Finders need to know where to send a report.",  # rationale
        "The file at /.well-known/security.txt",  # evidence
        "automated:security-txt",
        "Baseline",
        '<a href="https://www.rfc-editor.org/rfc/rfc9116" rel="noopener">RFC 9116</a>',
        "Protecting users starts with hearing about flaws.",
        'href="/catalogue/profiles/supplier/">Supplier</a>',
        "version 1.0.0",
    ):
        assert text in html, text


def test_practice_mappings_are_grouped_by_framework(
    client: Client, mini_catalogue: CatalogueVersion
) -> None:
    html = page(client, "practice", "cvd.security-txt")
    gge = html.index('<h3><a href="/catalogue/frameworks/gge/">')
    accord = html.index('<h3><a href="/catalogue/frameworks/tech-accord/">')
    assert gge < html.index("para. 13(j): Report ICT vulnerabilities") < accord
    assert accord < html.index("Principle 1: Stronger defence")


def test_a_reference_without_address_is_plain_text(
    client: Client, mini_catalogue: CatalogueVersion
) -> None:
    assert "<li>ISO/IEC 29147, section 5.2</li>" in page(client, "practice", "cvd.policy")


def test_profile_page(client: Client, mini_catalogue: CatalogueVersion) -> None:
    html = page(client, "profile", "supplier")
    assert "<h1>Supplier</h1>" in html
    assert "2 practices" in html
    assert 'href="/catalogue/practices/sc.sbom/"' in html
    assert "cvd.policy" not in html


def test_changelog(client: Client, mini_catalogue: CatalogueVersion) -> None:
    html = page(client, "changelog")
    assert "Version 1.0.0" in html
    assert "First version of the mini catalogue." in html


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("framework", ["nato"]),
        ("norm", ["gge", "99"]),
        ("norm", ["nato", "13j"]),
        ("practice", ["cvd.nope"]),
        ("profile", ["expert"]),
    ],
)
def test_unknown_ids_are_404(
    client: Client, mini_catalogue: CatalogueVersion, name: str, args: list[str]
) -> None:
    response = client.get(reverse(f"catalogue:{name}", args=args))
    assert response.status_code == 404
    assert b"Not found" in response.content


class TestSearch:
    def test_form_without_javascript(
        self, client: Client, mini_catalogue: CatalogueVersion
    ) -> None:
        html = page(client, "search", q="security.txt")
        assert '<label for="search-q"' in html
        assert 'id="search-q" name="q" type="search" value="security.txt"' in html
        assert 'hx-trigger="input changed delay:300ms, search"' in html
        assert 'hx-target="#search-results"' in html
        results = html[html.index('<div id="search-results"') :]
        assert '<a class="result" href="/catalogue/practices/cvd.security-txt/">' in results
        assert "1 practice matches “security.txt”" in results

    def test_htmx_gets_only_the_results(
        self, client: Client, mini_catalogue: CatalogueVersion
    ) -> None:
        response = client.get(reverse("catalogue:search"), {"q": "policy"}, HTTP_HX_REQUEST="true")
        html = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in html
        assert "<form" not in html
        assert html.count('class="result"') == 2
        assert html.index("cvd.policy") < html.index("cvd.security-txt")  # title match first
        assert "HX-Request" in response["Vary"]

    def test_htmx_history_restore_gets_the_whole_page(
        self, client: Client, mini_catalogue: CatalogueVersion
    ) -> None:
        response = client.get(
            reverse("catalogue:search"),
            {"q": "policy"},
            HTTP_HX_REQUEST="true",
            HTTP_HX_HISTORY_RESTORE_REQUEST="true",
        )
        assert b"<html" in response.content
        assert b'id="search-q"' in response.content

    def test_no_match(self, client: Client, mini_catalogue: CatalogueVersion) -> None:
        html = page(client, "search", q="quantum")
        assert "0 practices match “quantum”" in html
        assert 'class="result"' not in html

    def test_empty_query_shows_the_form(
        self, client: Client, mini_catalogue: CatalogueVersion
    ) -> None:
        html = page(client, "search", q="   ")
        assert 'id="search-q"' in html
        assert 'class="result"' not in html
        assert "Search the ids, titles" in html

    def test_too_long_query_gets_a_message(
        self, client: Client, mini_catalogue: CatalogueVersion
    ) -> None:
        html = page(client, "search", q="x" * 500)
        assert 'role="alert">Search for at most 200 characters.' in html

    def test_query_is_escaped(self, client: Client, mini_catalogue: CatalogueVersion) -> None:
        html = page(client, "search", q="<script>alert(1)</script>")
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;" in html


def test_withdrawn_practice_page_says_so(client: Client, mini_catalogue: CatalogueVersion) -> None:
    from accord.catalogue.models import Practice

    Practice.objects.filter(slug="cvd.policy").update(withdrawn_in="1.1.0")
    assert "withdrawn in catalogue version 1.1.0" in page(client, "practice", "cvd.policy")


class TestQueryCounts:
    """Pages cost a fixed number of queries on the bundled catalogue (no N+1)."""

    @pytest.mark.parametrize(
        ("name", "args", "query", "most"),
        [
            ("index", [], {}, 11),  # summary figures (5), frameworks, areas, profiles (2 each)
            ("framework", ["un-gge-2015"], {}, 3),
            ("norm", ["un-gge-2015", "13j"], {}, 2),
            ("practice", ["cvd.security-txt"], {}, 3),
            ("profile", [], {}, 2),
            ("search", [], {"q": "security"}, 1),
            ("changelog", [], {}, 1),
        ],
    )
    def test_page(
        self,
        client: Client,
        catalogue: CatalogueVersion,
        django_assert_max_num_queries: Any,
        name: str,
        args: list[str],
        query: dict[str, str],
        most: int,
    ) -> None:
        if name == "profile":
            from accord.catalogue.models import Profile

            args = [Profile.objects.values_list("slug", flat=True)[0]]
        with django_assert_max_num_queries(most):
            response = client.get(reverse(f"catalogue:{name}", args=args), query)
        assert response.status_code == 200
