"""https-hsts: a valid certificate, and Strict-Transport-Security per RFC 6797 for a year."""

from __future__ import annotations

import pytest
from tests.engine.checks.fakes import NOW, FakeFetcher, codes, run

from accord.engine.checks import get_check
from accord.engine.checks.base import AssessmentContext
from accord.engine.checks.hsts import HstsSyntaxError, parse_hsts
from accord.engine.types import CheckResult, Status

HOME = "https://example.com/"
CHECK = get_check("https-hsts")


def assess(fetcher: FakeFetcher) -> CheckResult:
    return CHECK.evaluate(run(CHECK.retrieve(AssessmentContext("example.com", fetcher))), now=NOW)


def with_hsts(fetcher: FakeFetcher, value: str) -> CheckResult:
    fetcher.serve(
        HOME,
        "<html></html>",
        content_type="text/html",
        headers={"Strict-Transport-Security": value},
    )
    return assess(fetcher)


def test_two_years_with_subdomains_and_preload_passes(fetcher: FakeFetcher) -> None:
    result = with_hsts(fetcher, "max-age=63072000; includeSubDomains; preload")
    assert result.status is Status.PASS
    assert result.details["max_age"] == 63072000
    assert result.details["include_subdomains"] is True
    assert result.details["preload"] is True


def test_exactly_a_year_passes(fetcher: FakeFetcher) -> None:
    result = with_hsts(fetcher, "max-age=31536000")
    assert result.status is Status.PASS
    assert result.details["include_subdomains"] is False


def test_less_than_a_year_fails(fetcher: FakeFetcher) -> None:
    result = with_hsts(fetcher, "max-age=86400")
    assert result.status is Status.FAIL
    assert codes(result.errors) == ["hsts_too_short"]
    assert result.details["max_age"] == 86400


def test_no_header_fails(fetcher: FakeFetcher) -> None:
    fetcher.serve(HOME, "<html></html>", content_type="text/html")
    assert codes(assess(fetcher).errors) == ["no_hsts"]


@pytest.mark.parametrize(
    "value",
    [
        "max-age=31536000; max-age=31536000",
        "includeSubDomains",
        "max-age=one-year",
        "max-age=31536000, max-age=31536000",
        'max-age="31536000',
        "max-age=31536000; includeSubDomains=yes",
        "max-age=-1",
        "max age=31536000",
    ],
)
def test_an_invalid_header_fails(fetcher: FakeFetcher, value: str) -> None:
    result = with_hsts(fetcher, value)
    assert result.status is Status.FAIL
    assert codes(result.errors) == ["hsts_invalid"]


def test_a_bad_certificate_fails(fetcher: FakeFetcher) -> None:
    fetcher.fail(HOME, "tls_error", "self-signed certificate")
    result = assess(fetcher)
    assert result.status is Status.FAIL
    assert codes(result.errors) == ["invalid_certificate"]


def test_an_unreachable_site_is_an_error(fetcher: FakeFetcher) -> None:
    fetcher.fail(HOME, "connect_error")
    result = assess(fetcher)
    assert result.status is Status.ERROR
    assert codes(result.errors) == ["connect_error"]


def test_a_redirect_to_plain_http_fails(fetcher: FakeFetcher) -> None:
    fetcher.serve(
        "http://example.com/", "<html></html>", content_type="text/html", redirected_from=(HOME,)
    )
    assert codes(assess(fetcher).errors) == ["redirected_to_http"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("max-age=10", {"max-age": "10"}),
        ('max-age="10"', {"max-age": "10"}),
        ("MAX-AGE=10 ; INCLUDESUBDOMAINS", {"max-age": "10", "includesubdomains": None}),
        ("max-age=10;;preload;", {"max-age": "10", "preload": None}),
        ('max-age=10; unknown="a;b"', {"max-age": "10", "unknown": "a;b"}),
    ],
)
def test_parse_hsts_follows_rfc_6797(value: str, expected: dict[str, str | None]) -> None:
    assert parse_hsts(value) == expected


def test_parse_hsts_rejects_a_missing_max_age() -> None:
    with pytest.raises(HstsSyntaxError, match="max-age"):
        parse_hsts("includeSubDomains; preload")
