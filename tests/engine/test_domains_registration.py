"""Domain names: the normal form, and what is refused."""

from __future__ import annotations

import pytest

from accord.engine.domains import InvalidDomain as DomainNameError
from accord.engine.domains import normalise_domain


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
        ("", "empty domain name"),
        ("   ", "empty domain name"),
        ("https://example.org", "looks like a URL"),
        ("example.org/security.txt", "looks like a URL"),
        ("example.org:443", "has a port"),
        ("user@example.org", "looks like a URL"),
        ("exa mple.org", "white space"),
        ("192.0.2.1", "IP address, not a domain name"),
        ("::1", "IP address, not a domain name"),
        ("[2001:db8::1]", "IP address, not a domain name"),
        ("1.2.3", "numeric label"),
        ("localhost", "full domain name"),
        ("a..example", "empty label"),
        (".example.org", "empty label"),
        ("example.org..", "empty label"),
        ("a" * 64 + ".example", "longer than 63"),
        ("ü" * 70 + ".example", "not a valid internationalised name"),
        (".".join(["a" * 63] * 4) + ".example", "at most 253"),
        ("under_score.example", "not allowed in a host name"),
        ("-lead.example", "starts or ends with a hyphen"),
        ("trail-.example", "starts or ends with a hyphen"),
        ("nul\x00.example", "not allowed in a host name"),
        ("x" * 5000, "at most 253"),
    ],
)
def test_what_is_not_a_domain_name_is_refused(raw: str, message: str) -> None:
    with pytest.raises(DomainNameError, match=message):
        normalise_domain(raw)
