"""Domain names: the normal form, and what is refused."""

from __future__ import annotations

import pytest

from accord.accounts.domains import DomainNameError, normalise_domain


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("example.org", "example.org"),
        ("  Example.ORG.  ", "example.org"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("例え。テスト", "xn--r8jz45g.xn--zckzah"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("a-b.c-d.example", "a-b.c-d.example"),
        ("123.example", "123.example"),
        ("a" * 63 + ".example", "a" * 63 + ".example"),
    ],
)
def test_names_are_normalised(raw: str, expected: str) -> None:
    assert normalise_domain(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Enter a domain name"),
        ("   ", "Enter a domain name"),
        ("https://example.org", "not a URL"),
        ("example.org/security.txt", "not a URL"),
        ("example.org:443", "not a URL"),
        ("user@example.org", "not a URL"),
        ("exa mple.org", "not a URL"),
        ("192.0.2.1", "not an IP address"),
        ("::1", "not an IP address"),
        ("[2001:db8::1]", "not an IP address"),
        ("1.2.3", "numeric address"),
        ("localhost", "full domain name"),
        ("a..example", "empty part"),
        (".example.org", "empty part"),
        ("example.org..", "empty part"),
        ("a" * 64 + ".example", "at most 63"),
        ("ü" * 70 + ".example", "not a valid part"),
        (".".join(["a" * 63] * 4) + ".example", "at most 253"),
        ("under_score.example", "letters, digits and hyphens"),
        ("-lead.example", "letters, digits and hyphens"),
        ("trail-.example", "letters, digits and hyphens"),
        ("nul\x00.example", "letters, digits and hyphens"),
        ("x" * 5000, "too long"),
    ],
)
def test_what_is_not_a_domain_name_is_refused(raw: str, message: str) -> None:
    with pytest.raises(DomainNameError, match=message):
        normalise_domain(raw)
