"""security-contact-reachable: every Contact is well formed, and web ones answer."""

from __future__ import annotations

import pytest
from tests.engine.checks.fakes import NOW, FakeFetcher, codes, run, security_txt

from accord.engine.checks import get_check
from accord.engine.checks.base import AssessmentContext
from accord.engine.checks.contacts import valid_tel
from accord.engine.types import CheckResult, Status

WELL_KNOWN = "https://example.com/.well-known/security.txt"
FORM = "https://example.com/report-a-vulnerability"
CHECK = get_check("security-contact-reachable")


def assess(fetcher: FakeFetcher, *contacts: str) -> CheckResult:
    lines = [f"Contact: {c}" for c in contacts] + ["Expires: 2027-06-01T00:00:00Z"]
    fetcher.serve(WELL_KNOWN, security_txt(*lines))
    return CHECK.evaluate(run(CHECK.retrieve(AssessmentContext("example.com", fetcher))), now=NOW)


def test_good_contacts_of_every_kind_pass(fetcher: FakeFetcher) -> None:
    fetcher.serve(FORM, "<html>form</html>", content_type="text/html")
    result = assess(fetcher, "mailto:security@example.com", "tel:+1-201-555-0123", FORM)
    assert result.status is Status.PASS
    assert FORM in fetcher.requests


def test_a_web_contact_that_does_not_answer_fails(fetcher: FakeFetcher) -> None:
    result = assess(fetcher, "mailto:security@example.com", FORM)
    assert result.status is Status.FAIL
    assert codes(result.errors) == ["contact_unreachable"]
    assert FORM in result.errors[0].message


def test_a_web_contact_that_times_out_fails(fetcher: FakeFetcher) -> None:
    fetcher.fail(FORM, "timeout")
    result = assess(fetcher, FORM)
    assert codes(result.errors) == ["contact_unreachable"]
    assert "timeout" in result.errors[0].message


def test_a_redirecting_web_contact_is_reachable(fetcher: FakeFetcher) -> None:
    fetcher.serve("https://example.com/security", "ok", redirected_from=(FORM,))
    assert assess(fetcher, FORM).status is Status.PASS


@pytest.mark.parametrize(
    ("contact", "code"),
    [
        ("mailto:not-an-address", "invalid_email"),
        ("mailto:", "invalid_email"),
        ("security@example.com", "invalid_contact_uri"),
        ("http://example.com/security", "contact_not_https"),
        ("tel:+1 201 555 0123", "invalid_tel"),
        ("tel:555-0123", "invalid_tel"),
    ],
)
def test_malformed_contacts(fetcher: FakeFetcher, contact: str, code: str) -> None:
    result = assess(fetcher, "mailto:security@example.com", contact)
    assert result.status is Status.FAIL
    assert codes(result.errors) == [code]
    assert "http://example.com/security" not in fetcher.requests


def test_mailto_with_several_addresses_and_a_subject(fetcher: FakeFetcher) -> None:
    result = assess(fetcher, "mailto:a@example.com,b@example.com?subject=Vulnerability%20report")
    assert result.status is Status.PASS


def test_other_schemes_are_noted_not_failed(fetcher: FakeFetcher) -> None:
    result = assess(fetcher, "mailto:security@example.com", "xmpp:security@example.com")
    assert result.status is Status.PASS
    assert codes(result.notifications) == ["contact_not_checked"]


def test_no_contact_fails(fetcher: FakeFetcher) -> None:
    result = assess(fetcher)
    assert codes(result.errors) == ["no_contact"]


def test_no_security_txt_fails(fetcher: FakeFetcher) -> None:
    result = CHECK.evaluate(run(CHECK.retrieve(AssessmentContext("example.com", fetcher))), now=NOW)
    assert codes(result.errors) == ["no_security_txt"]


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("+31-70-123-4567", True),
        ("+1(201)555.0123;ext=42", True),
        ("7042;phone-context=example.com", True),
        ("7042", False),
        ("+", False),
        ("+1 201", False),
    ],
)
def test_tel_syntax(number: str, valid: bool) -> None:
    assert valid_tel(number) is valid
