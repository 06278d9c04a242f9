"""csaf-provider and csaf-security-txt on a small CSAF 2.0 provider written here, so the
checks' logic is tested on a clone without the corpus (the corpus tests add real files)."""

from __future__ import annotations

import copy
import json
from typing import Any

from tests.engine.checks.fakes import NOW, FakeFetcher, codes, run, security_txt

from accord.engine.checks import get_check
from accord.engine.checks.base import AssessmentContext
from accord.engine.types import CheckResult, Status

DOMAIN = "vendor.example"
METADATA_URL = f"https://{DOMAIN}/.well-known/csaf/provider-metadata.json"
DIRECTORY = f"https://{DOMAIN}/.well-known/csaf/white/"
ENTRY = "2024/vendor-sa-2024-001.json"
JSON = "application/json"
PUBLISHER = {
    "category": "vendor",
    "name": "Vendor Example Ltd",
    "namespace": f"https://{DOMAIN}",
}
PROVIDER_METADATA: dict[str, Any] = {
    "canonical_url": METADATA_URL,
    "distributions": [{"directory_url": DIRECTORY}],
    "last_updated": "2024-05-01T00:00:00Z",
    "list_on_CSAF_aggregators": True,
    "metadata_version": "2.0",
    "mirror_on_CSAF_aggregators": True,
    "publisher": PUBLISHER,
    "role": "csaf_provider",
}
ADVISORY: dict[str, Any] = {
    "document": {
        "category": "csaf_base",
        "csaf_version": "2.0",
        "publisher": PUBLISHER,
        "title": "Vendor Example security advisory",
        "tracking": {
            "current_release_date": "2024-05-01T00:00:00Z",
            "id": "VENDOR-SA-2024-001",
            "initial_release_date": "2024-05-01T00:00:00Z",
            "revision_history": [
                {"date": "2024-05-01T00:00:00Z", "number": "1", "summary": "First release."}
            ],
            "status": "final",
            "version": "1",
        },
    }
}


def serve_provider(fetcher: FakeFetcher, document: dict[str, Any] | None = None) -> None:
    fetcher.serve(METADATA_URL, json.dumps(document or PROVIDER_METADATA), content_type=JSON)
    fetcher.serve(DIRECTORY + "index.txt", ENTRY + "\n")
    fetcher.serve(
        DIRECTORY + "changes.csv", f'"{ENTRY}","2024-05-01T00:00:00Z"\n', content_type="text/csv"
    )
    fetcher.serve(DIRECTORY + ENTRY, json.dumps(ADVISORY), content_type=JSON)


def provider(fetcher: FakeFetcher) -> CheckResult:
    check = get_check("csaf-provider")
    return check.evaluate(run(check.retrieve(AssessmentContext(DOMAIN, fetcher))), now=NOW)


def pointer(fetcher: FakeFetcher) -> CheckResult:
    check = get_check("csaf-security-txt")
    return check.evaluate(run(check.retrieve(AssessmentContext(DOMAIN, fetcher))), now=NOW)


def test_a_well_formed_provider_passes(fetcher: FakeFetcher) -> None:
    serve_provider(fetcher)
    result = provider(fetcher)
    assert result.status is Status.PASS, result.errors
    assert result.url == METADATA_URL


def test_schema_violations_of_the_provider_metadata_are_listed(fetcher: FakeFetcher) -> None:
    broken = PROVIDER_METADATA | {"metadata_version": "1.0", "list_on_CSAF_aggregators": "yes"}
    serve_provider(fetcher, broken)
    result = provider(fetcher)
    invalid = [f.message for f in result.errors if f.code == "provider_metadata_invalid"]
    assert result.status is Status.FAIL
    assert len(invalid) == 2
    assert any("metadata_version" in message for message in invalid)


def test_a_redirected_provider_metadata_breaks_requirement_6(fetcher: FakeFetcher) -> None:
    serve_provider(fetcher)
    fetcher.serve(  # the well-known URL answers with a redirect to another address
        f"https://{DOMAIN}/csaf.json",
        json.dumps(PROVIDER_METADATA),
        content_type=JSON,
        redirected_from=(METADATA_URL,),
    )
    assert "provider_metadata_redirected" in codes(provider(fetcher).errors)


def test_distribution_and_advisory_failures_have_codes(fetcher: FakeFetcher) -> None:
    serve_provider(fetcher)
    del fetcher.routes[DIRECTORY + "changes.csv"]
    fetcher.serve(DIRECTORY + ENTRY, "<html>gone</html>", content_type="text/html")
    assert set(codes(provider(fetcher).errors)) == {
        "changes_csv_unreachable",
        "advisory_invalid_json",
    }


def test_an_advisory_that_breaks_the_csaf_schema_is_reported(fetcher: FakeFetcher) -> None:
    serve_provider(fetcher)
    advisory = copy.deepcopy(ADVISORY)
    del advisory["document"]["tracking"]["revision_history"]
    fetcher.serve(DIRECTORY + ENTRY, json.dumps(advisory), content_type=JSON)
    result = provider(fetcher)
    assert result.status is not Status.PASS
    assert any(code.startswith("advisory_") for code in codes(result.errors))


def test_an_empty_index_lists_no_advisory(fetcher: FakeFetcher) -> None:
    serve_provider(fetcher)
    fetcher.serve(DIRECTORY + "index.txt", "")
    fetcher.serve(DIRECTORY + "changes.csv", "")
    assert codes(provider(fetcher).errors) == ["no_advisory_listed"]


def test_a_csaf_field_pointing_at_the_provider_metadata_passes(fetcher: FakeFetcher) -> None:
    fetcher.serve(
        f"https://{DOMAIN}/.well-known/security.txt",
        security_txt(f"Contact: mailto:security@{DOMAIN}", f"CSAF: {METADATA_URL}"),
    )
    fetcher.serve(METADATA_URL, json.dumps(PROVIDER_METADATA), content_type=JSON)
    result = pointer(fetcher)
    assert result.status is Status.PASS, result.errors
    assert result.url == METADATA_URL


def _product_tree(levels: int) -> dict[str, Any]:
    """A product tree of `levels` branches one inside another (two JSON levels each)."""
    leaf: dict[str, Any] = {
        "category": "product_version",
        "name": "1.0",
        "product": {"name": "Widget 1.0", "product_id": "CSAFPID-0001"},
    }
    for _ in range(levels - 1):
        leaf = {"category": "product_family", "name": "Family", "branches": [leaf]}
    return {"branches": [leaf]}


def test_an_advisory_with_a_deep_but_bounded_product_tree_is_validated(
    fetcher: FakeFetcher,
) -> None:
    serve_provider(fetcher)
    advisory = ADVISORY | {"product_tree": _product_tree(30)}
    fetcher.serve(DIRECTORY + ENTRY, json.dumps(advisory), content_type=JSON)
    result = provider(fetcher)
    assert result.status is Status.PASS, result.errors


def test_an_advisory_nested_2000_deep_is_a_finding_not_a_crash(fetcher: FakeFetcher) -> None:
    serve_provider(fetcher)
    fetcher.serve(DIRECTORY + ENTRY, "[" * 2_000 + "]" * 2_000, content_type=JSON)
    result = provider(fetcher)
    assert result.status is Status.FAIL
    assert codes(result.errors) == ["advisory_over_limits"]
    assert "nested more than 64 levels deep" in result.errors[0].message


def test_provider_metadata_nested_too_deep_is_named_as_such(fetcher: FakeFetcher) -> None:
    fetcher.serve(METADATA_URL, '{"a":' * 2_000 + "1" + "}" * 2_000, content_type=JSON)
    result = provider(fetcher)
    assert result.status is Status.FAIL
    assert codes(result.errors) == ["no_provider_metadata", "provider_metadata_over_limits"]
    assert METADATA_URL in result.errors[1].message


def test_a_deep_rolie_feed_is_not_a_feed(fetcher: FakeFetcher) -> None:
    feed_url = f"https://{DOMAIN}/.well-known/csaf/feed-white.json"
    document = PROVIDER_METADATA | {
        "distributions": [{"rolie": {"feeds": [{"tlp_label": "WHITE", "url": feed_url}]}}]
    }
    serve_provider(fetcher, document)
    fetcher.serve(feed_url, '{"feed": ' + "[" * 2_000 + "]" * 2_000 + "}", content_type=JSON)
    result = provider(fetcher)
    feed = [f.message for f in result.errors if f.code == "rolie_feed_invalid"]
    assert feed == [
        f"{feed_url} is not a ROLIE feed (the document is nested more than 32 levels deep)."
    ]
