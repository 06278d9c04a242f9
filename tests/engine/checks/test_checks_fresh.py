"""security-txt-fresh: Expires between 30 days and a year away, judged at an injected `now`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from tests.corpus import corpus, corpus_files
from tests.engine.checks.fakes import NOW, TEXT, FakeFetcher, codes, security_txt

from accord.engine.checks import get_check
from accord.engine.checks.securitytxt import SecurityTxtRetrieval
from accord.engine.types import CheckResult, Response, Status

URL = "https://example.com/.well-known/security.txt"
CHECK = get_check("security-txt-fresh")


def fresh(*lines: str) -> CheckResult:
    body = security_txt("Contact: https://example.com/report", *lines).encode()
    retrieved = SecurityTxtRetrieval(
        "example.com", URL, Response(URL, 200, {"content-type": TEXT}, body)
    )
    return CHECK.evaluate(retrieved, now=NOW)


def expires_in(delta: timedelta) -> str:
    return "Expires: " + (NOW + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_half_a_year_away_passes() -> None:
    result = fresh(expires_in(timedelta(days=180)))
    assert result.status is Status.PASS
    assert result.details["days_left"] == 180


def test_in_the_past_fails() -> None:
    result = fresh(expires_in(timedelta(days=-1)))
    assert result.status is Status.FAIL
    assert codes(result.errors) == ["expired"]


def test_less_than_thirty_days_warns() -> None:
    result = fresh(expires_in(timedelta(days=10)))
    assert result.status is Status.WARN
    assert codes(result.recommendations) == ["expires_soon"]


def test_more_than_a_year_warns() -> None:
    result = fresh(expires_in(timedelta(days=400)))
    assert result.status is Status.WARN
    assert codes(result.recommendations) == ["long_expiry"]


def test_missing_expires_fails() -> None:
    assert codes(fresh().errors) == ["no_expire"]


@pytest.mark.parametrize(
    "value",
    ["2027-03-01", "Mon, 01 Mar 2027 00:00:00 +0000", "2027-03-01T123:59:59Z", "soon"],
)
def test_a_date_that_is_not_rfc_3339_fails(value: str) -> None:
    result = fresh(f"Expires: {value}")
    assert result.status is Status.FAIL
    assert codes(result.errors) == ["invalid_expiry"]


def test_two_expires_fields_fail() -> None:
    result = fresh(expires_in(timedelta(days=100)), expires_in(timedelta(days=200)))
    assert result.status is Status.FAIL
    assert "multi_expire" in codes(result.errors)


def test_the_same_file_is_fresh_or_expired_depending_on_now() -> None:
    body = security_txt("Contact: https://example.com/r", "Expires: 2027-02-01T00:00:00Z").encode()
    retrieved = SecurityTxtRetrieval("example.com", URL, Response(URL, 200, {}, body))
    assert CHECK.evaluate(retrieved, now=NOW).status is Status.PASS
    assert CHECK.evaluate(retrieved, now=NOW + timedelta(days=100)).status is Status.FAIL


def test_no_security_txt_fails(fetcher: FakeFetcher) -> None:
    import asyncio

    from accord.engine.checks.base import AssessmentContext

    retrieved = asyncio.run(CHECK.retrieve(AssessmentContext("example.com", fetcher)))
    assert codes(CHECK.evaluate(retrieved, now=NOW).errors) == ["no_security_txt"]


@corpus
@pytest.mark.parametrize("path", corpus_files("securitytxt", "*.txt"), ids=lambda p: p.name)
def test_every_corpus_file_gets_a_verdict(path: Path) -> None:
    retrieved = SecurityTxtRetrieval("example.com", URL, Response(URL, 200, {}, path.read_bytes()))
    result = CHECK.evaluate(retrieved, now=NOW)
    assert result.status in (Status.PASS, Status.WARN, Status.FAIL)
    if result.status is Status.FAIL:
        assert codes(result.errors)[0] in {"expired", "no_expire", "invalid_expiry", "multi_expire"}
