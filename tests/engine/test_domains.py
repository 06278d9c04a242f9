from __future__ import annotations

import pytest

from accord.engine.domains import InvalidDomain, normalise_domain, read_domain_list


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("example.com", "example.com"),
        ("  Example.COM.  ", "example.com"),
        ("sub.example.co.uk", "sub.example.co.uk"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("BÜCHER.example", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("例え.テスト", "xn--r8jz45g.xn--zckzah"),
        ("ab--cd.example", "ab--cd.example"),
        ("a" * 63 + ".example", "a" * 63 + ".example"),
        ("123.example", "123.example"),
    ],
)
def test_accepts_and_normalises_host_names(text: str, expected: str) -> None:
    assert normalise_domain(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("https://example.com", "URL"),
        ("example.com/security.txt", "URL"),
        ("user@example.com", "URL"),
        ("127.0.0.1", "IP address"),
        ("::1", "IP address"),
        ("[2001:db8::1]", "IP address"),
        ("example.com:8443", "port"),
        ("localhost", "single label"),
        ("com.", "single label"),
        ("a..example", "empty label"),
        (".example.com", "empty label"),
        ("example.com..", "empty label"),
        ("a" * 64 + ".example", "longer than 63"),
        (".".join(["a" * 60] * 5), "253"),
        ("-bad.example", "hyphen"),
        ("bad-.example", "hyphen"),
        ("under_score.example", "not allowed"),
        ("sp ace.example", "white space"),
        ("xn--zz.example", "punycode"),
        ("10.0.0.999", "numeric"),
        ("0x7f.1", "numeric"),
        ("☃\u200d.example", "internationalised"),
    ],
)
def test_refuses_what_is_not_a_host_name(text: str, reason: str) -> None:
    with pytest.raises(InvalidDomain, match=reason):
        normalise_domain(text)


def test_domain_list_skips_blanks_and_comments_and_keeps_line_numbers() -> None:
    lines = ["# members\n", "\n", "Example.com\n", "bad..name  # typo\n", "b.example # ok\n"]

    items = list(read_domain_list(lines))

    assert [(n, d) for n, d in items if isinstance(d, str)] == [
        (3, "example.com"),
        (5, "b.example"),
    ]
    [(line_no, error)] = [(n, d) for n, d in items if isinstance(d, InvalidDomain)]
    assert line_no == 4
    assert "empty label" in error.message
