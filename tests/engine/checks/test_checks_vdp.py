"""vdp: the Policy page answers over HTTPS and states ISO/IEC 29147's four elements."""

from __future__ import annotations

import pytest
from tests.engine.checks.fakes import NOW, FakeFetcher, codes, run, security_txt

from accord.engine.checks import get_check
from accord.engine.checks.base import AssessmentContext
from accord.engine.checks.vdp import find_elements, html_text
from accord.engine.types import CheckResult, Status

WELL_KNOWN = "https://example.com/.well-known/security.txt"
POLICY = "https://example.com/disclosure-policy"
CHECK = get_check("vdp")

SCOPE = "<h2>Scope</h2><p>This policy applies to all services under example.com.</p>"
CHANNEL = (
    '<p>Please report vulnerabilities to <a href="mailto:security@example.com">our team</a>.</p>'
)
RESPONSE = "<p>We will acknowledge your report within 3 business days.</p>"
HARBOUR = "<p>We will not take legal action against researchers acting in good faith.</p>"


def page(*parts: str) -> str:
    return (
        "<!doctype html><html><head><title>Policy</title></head><body>"
        + "".join(parts)
        + "</body></html>"
    )


def assess(fetcher: FakeFetcher, **options: object) -> CheckResult:
    ctx = AssessmentContext("example.com", fetcher, options=options)
    return CHECK.evaluate(run(CHECK.retrieve(ctx)), now=NOW)


def with_policy(fetcher: FakeFetcher, policy: str = POLICY) -> None:
    fetcher.serve(
        WELL_KNOWN, security_txt("Contact: mailto:security@example.com", f"Policy: {policy}")
    )


def test_a_complete_policy_passes(fetcher: FakeFetcher) -> None:
    with_policy(fetcher)
    fetcher.serve(POLICY, page(SCOPE, CHANNEL, RESPONSE, HARBOUR), content_type="text/html")
    result = assess(fetcher)
    assert result.status is Status.PASS
    assert result.url == POLICY
    assert all(result.details["elements"].values())


@pytest.mark.parametrize(
    ("missing", "code"),
    [
        (SCOPE, "vdp_no_scope"),
        (CHANNEL, "vdp_no_reporting_channel"),
        (RESPONSE, "vdp_no_response_time"),
        (HARBOUR, "vdp_no_safe_harbour"),
    ],
)
def test_each_missing_element_has_its_code(fetcher: FakeFetcher, missing: str, code: str) -> None:
    with_policy(fetcher)
    parts = [p for p in (SCOPE, CHANNEL, RESPONSE, HARBOUR) if p != missing]
    fetcher.serve(POLICY, page(*parts), content_type="text/html")
    result = assess(fetcher)
    assert result.status is Status.WARN
    assert codes(result.recommendations) == [code]


def test_words_inside_scripts_do_not_count(fetcher: FakeFetcher) -> None:
    with_policy(fetcher)
    script = "<script>var text = 'safe harbour, no legal action, good faith';</script>"
    fetcher.serve(POLICY, page(SCOPE, CHANNEL, RESPONSE, script), content_type="text/html")
    assert codes(assess(fetcher).recommendations) == ["vdp_no_safe_harbour"]


def test_a_plain_text_policy_is_read_as_is(fetcher: FakeFetcher) -> None:
    with_policy(fetcher)
    text = (
        "In scope: example.com. Send reports to security@example.com. We respond within "
        "72 hours. Safe harbor: we will not pursue researchers who follow this policy.\n"
    )
    fetcher.serve(POLICY, text)
    assert assess(fetcher).status is Status.PASS


def test_no_policy_field_fails(fetcher: FakeFetcher) -> None:
    fetcher.serve(WELL_KNOWN, security_txt("Contact: mailto:security@example.com"))
    result = assess(fetcher)
    assert result.status is Status.FAIL
    assert codes(result.errors) == ["no_policy"]


def test_no_security_txt_and_no_option_fails(fetcher: FakeFetcher) -> None:
    assert codes(assess(fetcher).errors) == ["no_policy"]


def test_the_policy_url_option_is_used(fetcher: FakeFetcher) -> None:
    fetcher.serve(POLICY, page(SCOPE, CHANNEL, RESPONSE, HARBOUR), content_type="text/html")
    result = assess(fetcher, policy_url=POLICY)
    assert result.status is Status.PASS
    assert WELL_KNOWN not in fetcher.requests


def test_an_http_policy_fails_without_being_fetched(fetcher: FakeFetcher) -> None:
    with_policy(fetcher, "http://example.com/policy")
    result = assess(fetcher)
    assert codes(result.errors) == ["policy_not_https"]
    assert "http://example.com/policy" not in fetcher.requests


def test_an_https_policy_is_preferred_over_an_http_one(fetcher: FakeFetcher) -> None:
    fetcher.serve(
        WELL_KNOWN,
        security_txt(
            "Contact: mailto:a@example.com", "Policy: http://example.com/p", f"Policy: {POLICY}"
        ),
    )
    fetcher.serve(POLICY, page(SCOPE, CHANNEL, RESPONSE, HARBOUR), content_type="text/html")
    assert assess(fetcher).status is Status.PASS


def test_a_policy_that_does_not_answer_fails(fetcher: FakeFetcher) -> None:
    with_policy(fetcher)
    result = assess(fetcher)
    assert result.status is Status.FAIL
    assert codes(result.errors) == ["policy_unreachable"]


def test_a_fetch_failure_is_an_error(fetcher: FakeFetcher) -> None:
    with_policy(fetcher)
    fetcher.fail(POLICY, "timeout")
    result = assess(fetcher)
    assert result.status is Status.ERROR
    assert codes(result.errors) == ["timeout"]


def test_a_pdf_policy_cannot_be_read(fetcher: FakeFetcher) -> None:
    with_policy(fetcher)
    fetcher.serve(POLICY, b"%PDF-1.7 ...", content_type="application/pdf")
    result = assess(fetcher)
    assert result.status is Status.WARN
    assert codes(result.recommendations) == ["policy_not_text"]


def test_html_text_keeps_mailto_targets_and_drops_styles() -> None:
    text = html_text('<style>p{}</style><p>Write to <a href="mailto:psirt@example.org">us</a></p>')
    assert "mailto:psirt@example.org" in text
    assert "p{}" not in text


@pytest.mark.parametrize(
    ("sentence", "element"),
    [
        ("Out-of-scope: third-party services.", "scope"),
        ("Submit your finding through HackerOne.", "reporting_channel"),
        ("We aim to triage reports in two weeks.", "response_time"),
        ("Our response time target is one week.", "response_time"),
        ("This is a safe-harbor statement.", "safe_harbour"),
    ],
)
def test_element_phrases(sentence: str, element: str) -> None:
    assert element in find_elements(sentence)
