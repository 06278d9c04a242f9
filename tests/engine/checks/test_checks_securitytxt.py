"""security-txt: sectxt's verdict on the bytes, plus what sectxt cannot see over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sectxt
from tests.corpus import corpus, corpus_files
from tests.engine.checks.fakes import (
    NOW,
    TEXT,
    VALID_FILE,
    FakeFetcher,
    codes,
    run,
    security_txt,
)

from accord.engine.checks import get_check
from accord.engine.checks.base import AssessmentContext
from accord.engine.checks.securitytxt import (
    ACCORD_CODES,
    SECTXT_HTTP_CODES,
    SecurityTxtRetrieval,
)
from accord.engine.types import CheckResult, Response, Status

WELL_KNOWN = "https://example.com/.well-known/security.txt"
LEGACY = "https://example.com/security.txt"
CORPUS_FILES = corpus_files("securitytxt", "*.txt")
CHECK = get_check("security-txt")


def assess(fetcher: FakeFetcher, now: datetime = NOW) -> CheckResult:
    ctx = AssessmentContext("example.com", fetcher)
    return CHECK.evaluate(run(CHECK.retrieve(ctx)), now=now)


def served(body: bytes, content_type: str = TEXT) -> SecurityTxtRetrieval:
    return SecurityTxtRetrieval(
        "example.com", WELL_KNOWN, Response(WELL_KNOWN, 200, {"content-type": content_type}, body)
    )


@corpus
def test_the_corpus_is_there() -> None:
    assert len(CORPUS_FILES) == 200


@corpus
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_corpus_file_gets_exactly_sectxts_findings(path: Path) -> None:
    body = path.read_bytes()
    now = datetime.now(UTC)  # sectxt judges Expires by the wall clock
    result = CHECK.evaluate(served(body), now=now)
    reference = sectxt.Parser(body, urls=WELL_KNOWN, recommend_unknown_fields=True)

    for kind in ("errors", "recommendations", "notifications"):
        ours = getattr(result, kind)
        added = [f.code for f in ours if f.code in ACCORD_CODES | SECTXT_HTTP_CODES]
        assert set(added) <= ACCORD_CODES, f"{kind}: an HTTP-level code on a well-served file"
        from_sectxt = [(f.code, f.message, f.line) for f in ours if f.code not in ACCORD_CODES]
        expected = [(e["code"], e["message"], e["line"]) for e in getattr(reference, kind)]
        assert from_sectxt == expected, kind


@corpus
@pytest.mark.parametrize("path", CORPUS_FILES[:50], ids=lambda p: p.name)
def test_status_follows_the_findings(path: Path) -> None:
    result = CHECK.evaluate(served(path.read_bytes()), now=NOW)
    if result.errors:
        assert result.status is Status.FAIL
    elif result.recommendations:
        assert result.status is Status.WARN
    else:
        assert result.status is Status.PASS


def test_a_good_unsigned_file_warns_only_that_it_is_unsigned(fetcher: FakeFetcher) -> None:
    fetcher.serve(WELL_KNOWN, VALID_FILE)
    result = assess(fetcher)
    assert result.status is Status.WARN
    assert codes(result.errors) == []
    assert codes(result.recommendations) == ["not_signed"]
    assert result.url == WELL_KNOWN


def test_expires_is_judged_against_the_injected_clock() -> None:
    body = security_txt("Contact: https://example.com/s", "Expires: 2026-01-01T00:00:00Z").encode()
    assert "expired" in codes(CHECK.evaluate(served(body), now=NOW).errors)
    assert "expired" not in codes(
        CHECK.evaluate(served(body), now=datetime(2025, 6, 1, tzinfo=UTC)).errors
    )
    far = CHECK.evaluate(served(body), now=datetime(2024, 1, 1, tzinfo=UTC))
    assert "long_expiry" in codes(far.recommendations)


def test_an_absurd_expires_value_is_invalid_not_a_crash() -> None:
    body = security_txt("Contact: https://example.com/s", "Expires: 99999999999999999999").encode()
    result = CHECK.evaluate(served(body), now=NOW)
    assert "invalid_expiry" in codes(result.errors)


def test_no_file_anywhere_fails_with_sectxts_code(fetcher: FakeFetcher) -> None:
    result = assess(fetcher)
    assert result.status is Status.FAIL
    assert codes(result.errors) == ["no_security_txt"]
    assert fetcher.requests == [WELL_KNOWN, LEGACY]


def test_the_legacy_location_is_used_but_reported(fetcher: FakeFetcher) -> None:
    fetcher.serve(LEGACY, VALID_FILE)
    result = assess(fetcher)
    assert result.url == LEGACY
    assert "location" in codes(result.errors)
    assert result.status is Status.FAIL


@pytest.mark.parametrize(
    ("content_type", "code"),
    [
        (None, "no_content_type"),
        ("text/html; charset=utf-8", "invalid_media"),
        ("text/plain; charset=iso-8859-1", "invalid_charset"),
    ],
)
def test_content_type_problems(fetcher: FakeFetcher, content_type: str | None, code: str) -> None:
    fetcher.serve(WELL_KNOWN, VALID_FILE, content_type=content_type)
    assert code in codes(assess(fetcher).errors)


def test_plain_text_without_charset_is_fine(fetcher: FakeFetcher) -> None:
    fetcher.serve(WELL_KNOWN, VALID_FILE, content_type="text/plain")
    assert assess(fetcher).status is Status.WARN


def test_an_html_page_is_reported_as_such(fetcher: FakeFetcher) -> None:
    fetcher.serve(WELL_KNOWN, "<!DOCTYPE html>\n<html><body>Hi</body></html>\n", content_type=TEXT)
    result = assess(fetcher)
    assert "html_content" in codes(result.errors)
    assert result.status is Status.FAIL


def test_a_redirect_to_another_host_is_flagged(fetcher: FakeFetcher) -> None:
    target = "https://security.other.example/.well-known/security.txt"
    fetcher.serve(target, VALID_FILE, redirected_from=(WELL_KNOWN,))
    result = assess(fetcher)
    assert "redirect_other_host" in codes(result.recommendations)
    assert "redirected" in codes(result.notifications)
    assert result.details["final_url"] == target


def test_a_redirect_within_the_domain_is_only_noted(fetcher: FakeFetcher) -> None:
    target = "https://www.example.com/.well-known/security.txt"
    fetcher.serve(target, VALID_FILE, redirected_from=(WELL_KNOWN,))
    result = assess(fetcher)
    assert "redirect_other_host" not in codes(result.recommendations)
    assert "redirected" in codes(result.notifications)


def test_a_redirect_to_the_home_page_is_not_a_security_txt(fetcher: FakeFetcher) -> None:
    fetcher.serve("https://example.com/", "<html></html>", redirected_from=(WELL_KNOWN, LEGACY))
    assert codes(assess(fetcher).errors) == ["no_security_txt"]


def test_an_oversized_file_is_reported(fetcher: FakeFetcher) -> None:
    fetcher.serve(WELL_KNOWN, VALID_FILE + "# padding\n" * 40_000)
    assert "file_too_large" in codes(assess(fetcher).errors)


def test_a_bad_certificate_is_a_finding(fetcher: FakeFetcher) -> None:
    fetcher.fail(WELL_KNOWN, "tls_error", "certificate has expired")
    result = assess(fetcher)
    assert result.status is Status.FAIL
    assert codes(result.errors) == ["invalid_cert"]
    assert fetcher.requests == [WELL_KNOWN]


@pytest.mark.parametrize("code", ["dns_error", "timeout", "blocked_address"])
def test_a_failed_fetch_is_an_error_with_its_code(fetcher: FakeFetcher, code: str) -> None:
    fetcher.fail(WELL_KNOWN, code)
    fetcher.fail(LEGACY, code)
    result = assess(fetcher)
    assert result.status is Status.ERROR
    assert codes(result.errors) == [code]
