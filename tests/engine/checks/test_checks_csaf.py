"""csaf-provider and csaf-security-txt, over sites built from the corpus's real CSAF files
(the logic is also tested without the corpus, in test_checks_csaf_fixtures)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.corpus import corpus, corpus_files
from tests.engine.checks.fakes import CORPUS, NOW, FakeFetcher, codes, run, security_txt

from accord.engine.checks import assess_domain, get_check
from accord.engine.checks.base import AssessmentContext
from accord.engine.types import CheckResult, Status

CSAF = CORPUS / "csaf"
ADVISORIES = [p for p in corpus_files("csaf", "*.json") if not p.name.startswith("provider-")]
KNOWN_INVALID = {"schwarz_informatik-c1234.json"}  # empty product name, empty branch name
PROVIDER = get_check("csaf-provider")
POINTER = get_check("csaf-security-txt")
JSON = "application/json"


def metadata(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((CSAF / f"provider-metadata-{name}.json").read_bytes())
    return document


def serve_directory_site(
    fetcher: FakeFetcher, document: dict[str, Any], advisory: Path, at: str | None = None
) -> str:
    """Serve the provider metadata (at its canonical URL) and one advisory in its directory."""
    url = at or document["canonical_url"]
    fetcher.serve(url, json.dumps(document), content_type=JSON)
    directory = document["distributions"][0]["directory_url"].rstrip("/") + "/"
    entry = f"2024/{advisory.name}"
    fetcher.serve(directory + "index.txt", entry + "\n")
    fetcher.serve(
        directory + "changes.csv", f'"{entry}","2024-05-01T00:00:00Z"\n', content_type="text/csv"
    )
    fetcher.serve(directory + entry, advisory.read_bytes(), content_type=JSON)
    return url


def provider(fetcher: FakeFetcher, domain: str) -> CheckResult:
    ctx = AssessmentContext(domain, fetcher)
    return PROVIDER.evaluate(run(PROVIDER.retrieve(ctx)), now=NOW)


def pointer(fetcher: FakeFetcher, domain: str = "example.com") -> CheckResult:
    ctx = AssessmentContext(domain, fetcher)
    return POINTER.evaluate(run(POINTER.retrieve(ctx)), now=NOW)


@corpus
@pytest.mark.parametrize(
    ("name", "domain"),
    [
        ("clouditor", "clouditor.io"),
        ("schwarz-informatik", "schwarz-informatik.at"),
        ("stackable", "advisories.stackable.tech"),
    ],
)
def test_a_real_directory_provider_passes(fetcher: FakeFetcher, name: str, domain: str) -> None:
    document = metadata(name)
    serve_directory_site(fetcher, document, CSAF / "stackable-cve-2026-42203.json")
    result = provider(fetcher, domain)
    assert result.status is Status.PASS, result.errors
    assert result.details["found_via"] == "well-known"
    assert not any("csaf.data.security" in url for url in fetcher.requests)


@corpus
def test_the_oasis_rolie_example_passes(fetcher: FakeFetcher) -> None:
    document = metadata("oasis-example-01")
    fetcher.serve(document["canonical_url"], json.dumps(document), content_type=JSON)
    advisory = "https://www.example.com/.well-known/csaf/white/2022/bsi-2022-0001.json"
    feed = {"feed": {"id": "x", "entry": [{"id": "bsi-2022-0001", "content": {"src": advisory}}]}}
    fetcher.serve(
        "https://www.example.com/.well-known/csaf/feed-tlp-white.json",
        json.dumps(feed),
        content_type=JSON,
    )
    fetcher.serve(advisory, (CSAF / "oasis-bsi-2022-0001.json").read_bytes(), content_type=JSON)
    result = provider(fetcher, "www.example.com")
    assert result.status is Status.PASS, result.errors
    assert result.details["advisory"] == advisory


@corpus
@pytest.mark.parametrize("advisory", ADVISORIES, ids=lambda p: p.name)
def test_each_corpus_advisory_is_validated(fetcher: FakeFetcher, advisory: Path) -> None:
    serve_directory_site(fetcher, metadata("clouditor"), advisory)
    result = provider(fetcher, "clouditor.io")
    if advisory.name in KNOWN_INVALID:
        assert result.status is Status.FAIL
        assert set(codes(result.errors)) == {"advisory_invalid"}
    else:
        assert result.status is Status.PASS, result.errors


@corpus
def test_the_juice_shop_metadata_points_at_localhost_over_http(fetcher: FakeFetcher) -> None:
    document = metadata("juice-shop")
    fetcher.serve(
        "https://juice-shop.example/.well-known/csaf/provider-metadata.json", json.dumps(document)
    )
    result = provider(fetcher, "juice-shop.example")
    assert result.status is Status.FAIL
    assert "distribution_not_https" in codes(result.errors)
    assert "canonical_url_mismatch" in codes(result.recommendations)
    assert not any(url.startswith("http://") for url in fetcher.requests)


@corpus
def test_security_txt_is_the_second_place_to_look(fetcher: FakeFetcher) -> None:
    document = metadata("clouditor")
    url = "https://clouditor.io/csaf/provider-metadata.json"
    document["canonical_url"] = url
    serve_directory_site(fetcher, document, CSAF / "oasis-rhsa-2021_5217.json")
    fetcher.serve(
        "https://clouditor.io/.well-known/security.txt",
        security_txt("Contact: mailto:a@clouditor.io", f"CSAF: {url}"),
    )
    result = provider(fetcher, "clouditor.io")
    assert result.status is Status.PASS, result.errors
    assert result.details["found_via"] == "security.txt"


@corpus
def test_the_dns_path_is_the_last_resort(fetcher: FakeFetcher) -> None:
    document = metadata("clouditor")
    dns_url = "https://csaf.data.security.clouditor.io/"
    serve_directory_site(fetcher, document, CSAF / "oasis-rhsa-2021_5217.json", at=dns_url)
    result = provider(fetcher, "clouditor.io")
    assert result.details["found_via"] == "dns"
    assert codes(result.recommendations) == ["canonical_url_mismatch"]
    assert result.status is Status.WARN


def test_nothing_found_fails_and_says_where_it_looked(fetcher: FakeFetcher) -> None:
    result = provider(fetcher, "example.com")
    assert result.status is Status.FAIL
    assert codes(result.errors) == ["no_provider_metadata"]
    assert "https://csaf.data.security.example.com/" in result.errors[0].message


def test_an_unresolvable_domain_is_an_error(fetcher: FakeFetcher) -> None:
    fetcher.fail("https://example.com/.well-known/csaf/provider-metadata.json", "dns_error")
    assert provider(fetcher, "example.com").status is Status.ERROR


@corpus
def test_schema_violations_are_listed(fetcher: FakeFetcher) -> None:
    document = metadata("clouditor") | {
        "metadata_version": "1.0",
        "list_on_CSAF_aggregators": "yes",
    }
    serve_directory_site(fetcher, document, CSAF / "oasis-rhsa-2021_5217.json")
    result = provider(fetcher, "clouditor.io")
    invalid = [f.message for f in result.errors if f.code == "provider_metadata_invalid"]
    assert len(invalid) == 2
    assert any("metadata_version" in m for m in invalid)


@corpus
def test_a_redirected_provider_metadata_breaks_requirement_6(fetcher: FakeFetcher) -> None:
    document = metadata("clouditor")
    url = serve_directory_site(
        fetcher, document, CSAF / "oasis-rhsa-2021_5217.json", at="https://clouditor.io/csaf.json"
    )
    fetcher.serve(
        url, json.dumps(document), content_type=JSON, redirected_from=(document["canonical_url"],)
    )
    assert "provider_metadata_redirected" in codes(provider(fetcher, "clouditor.io").errors)


@corpus
def test_distribution_and_advisory_failures_have_codes(fetcher: FakeFetcher) -> None:
    document = metadata("clouditor")
    serve_directory_site(fetcher, document, CSAF / "oasis-rhsa-2021_5217.json")
    directory = document["distributions"][0]["directory_url"]
    del fetcher.routes[directory + "changes.csv"]
    fetcher.serve(
        directory + "2024/oasis-rhsa-2021_5217.json", "<html>gone</html>", content_type="text/html"
    )
    result = provider(fetcher, "clouditor.io")
    assert set(codes(result.errors)) == {"changes_csv_unreachable", "advisory_invalid_json"}


@corpus
def test_an_empty_index_lists_no_advisory(fetcher: FakeFetcher) -> None:
    document = metadata("clouditor")
    serve_directory_site(fetcher, document, CSAF / "oasis-rhsa-2021_5217.json")
    directory = document["distributions"][0]["directory_url"]
    fetcher.serve(directory + "index.txt", "")
    fetcher.serve(directory + "changes.csv", "")
    assert codes(provider(fetcher, "clouditor.io").errors) == ["no_advisory_listed"]


# csaf-security-txt


@corpus
def test_a_csaf_field_pointing_at_provider_metadata_passes(fetcher: FakeFetcher) -> None:
    url = "https://example.com/.well-known/csaf/provider-metadata.json"
    fetcher.serve(
        "https://example.com/.well-known/security.txt",
        security_txt("Contact: mailto:a@example.com", f"CSAF: {url}"),
    )
    fetcher.serve(url, json.dumps(metadata("clouditor")), content_type=JSON)
    result = pointer(fetcher)
    assert result.status is Status.PASS
    assert result.url == url


@pytest.mark.parametrize(
    ("field", "serve", "code"),
    [
        (None, None, "no_csaf_field"),
        ("http://example.com/provider-metadata.json", None, "csaf_not_https"),
        ("https://example.com/provider-metadata.json", None, "csaf_unreachable"),
        (
            "https://example.com/provider-metadata.json",
            "<html></html>",
            "csaf_not_provider_metadata",
        ),
        (
            "https://example.com/provider-metadata.json",
            '{"document": {}}',
            "csaf_not_provider_metadata",
        ),
    ],
)
def test_csaf_field_problems(
    fetcher: FakeFetcher, field: str | None, serve: str | None, code: str
) -> None:
    lines = ["Contact: mailto:a@example.com"] + ([f"CSAF: {field}"] if field else [])
    fetcher.serve("https://example.com/.well-known/security.txt", security_txt(*lines))
    if field and serve:
        fetcher.serve(field, serve)
    result = pointer(fetcher)
    assert result.status is Status.FAIL
    assert codes(result.errors) == [code]


def test_a_csaf_fetch_failure_is_an_error(fetcher: FakeFetcher) -> None:
    url = "https://csaf.example.net/provider-metadata.json"
    fetcher.serve(
        "https://example.com/.well-known/security.txt",
        security_txt("Contact: mailto:a@example.com", f"CSAF: {url}"),
    )
    fetcher.fail(url, "timeout")
    result = pointer(fetcher)
    assert result.status is Status.ERROR
    assert codes(result.errors) == ["timeout"]


@corpus
def test_both_csaf_checks_share_their_fetches(fetcher: FakeFetcher) -> None:
    document = metadata("clouditor")
    serve_directory_site(fetcher, document, CSAF / "oasis-rhsa-2021_5217.json")
    fetcher.serve(
        "https://clouditor.io/.well-known/security.txt",
        security_txt("Contact: mailto:a@clouditor.io", f"CSAF: {document['canonical_url']}"),
    )
    results = run(
        assess_domain(
            "clouditor.io", fetcher, check_ids=["csaf-provider", "csaf-security-txt"], now=NOW
        )
    )
    assert results["csaf-provider"].status is Status.PASS
    assert results["csaf-security-txt"].status is Status.PASS
    assert fetcher.requests.count(document["canonical_url"]) == 1
    assert fetcher.requests.count("https://clouditor.io/.well-known/security.txt") == 1


def test_a_file_cannot_make_the_scanner_fetch_every_csaf_field(fetcher: FakeFetcher) -> None:
    fields = [f"CSAF: https://victim{n}.example/provider-metadata.json" for n in range(40)]
    fetcher.serve(
        "https://example.com/.well-known/security.txt",
        security_txt("Contact: mailto:a@example.com", *fields),
    )
    run(assess_domain("example.com", fetcher, check_ids=["csaf-provider", "csaf-security-txt"]))
    followed = {url for url in fetcher.requests if "victim" in url}
    assert len(followed) == 5
