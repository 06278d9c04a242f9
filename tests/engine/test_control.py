"""Proof of domain control: the DNS TXT record and the well-known file, judged on what
was retrieved, and retrieved through the fake DNS and the fake internet on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from accord.engine.control import (
    ControlResult,
    challenge_name,
    challenge_url,
    check_control,
    evaluate_file,
    evaluate_txt,
)
from accord.engine.dns import TxtLookup, txt_failure
from accord.engine.fetcher import SafeFetcher
from accord.engine.testing.fake_dns import FakeResolver, FakeTxtResolver
from accord.engine.testing.fake_internet import FakeInternet
from accord.engine.types import FetchError, Response

StartNet = Callable[..., FakeInternet]
TOKEN = "k3Y-9_tokenvalue"
DOMAIN = "alpha.example"
PATH = f"/.well-known/accord-verification/{TOKEN}"
PUBLIC = "93.184.216.34"


def run(domain: str, resolver: FakeTxtResolver, fetcher: SafeFetcher) -> ControlResult:
    async def check() -> ControlResult:
        async with fetcher:  # closed, so the fake internet's threads end with the test
            return await check_control(domain, TOKEN, resolver=resolver, fetcher=fetcher)

    return asyncio.run(check())


def test_where_the_token_goes() -> None:
    assert challenge_name(DOMAIN) == "_accord-challenge.alpha.example"
    assert challenge_url(DOMAIN, TOKEN) == f"https://alpha.example{PATH}"


@pytest.mark.parametrize(
    ("records", "proven", "message"),
    [
        ([TOKEN], True, "holds the token"),
        (["v=spf1 -all", f" {TOKEN} "], True, "holds the token"),
        (["someone-elses-token"], False, 'different value ("someone-elses-token")'),
    ],
)
def test_a_txt_record_proves_control_only_when_it_holds_the_token(
    records: list[str], proven: bool, message: str
) -> None:
    result = evaluate_txt(TxtLookup(challenge_name(DOMAIN), tuple(records)), TOKEN)
    assert result.proven is proven
    assert message in result.message
    if not proven:
        assert result.message.startswith("TXT record found but holds a different value")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("nxdomain", "NXDOMAIN: _accord-challenge.alpha.example does not exist"),
        ("no_answer", "exists but has no TXT record"),
        ("timeout", "timed out"),
    ],
)
def test_dns_failures_say_what_happened(code: str, message: str) -> None:
    result = evaluate_txt(txt_failure(challenge_name(DOMAIN), code), TOKEN)
    assert (result.proven, result.code) == (False, code)
    assert message in result.message


def _response(status: int, body: bytes, *, truncated: bool = False) -> Response:
    return Response(f"https://{DOMAIN}{PATH}", status, {}, body, truncated=truncated)


@pytest.mark.parametrize(
    ("outcome", "proven", "message"),
    [
        (_response(200, f"{TOKEN}\n".encode()), True, "holds the token"),
        (_response(404, b"<h1>Not found</h1>"), False, "file not found (404)"),
        (_response(500, b"oops"), False, "HTTP 500"),
        (_response(200, b"<html>welcome</html>"), False, "file found but holds a different value"),
        (_response(200, TOKEN.encode() + b"x" * 2000, truncated=True), False, "different value"),
        (_response(200, TOKEN.encode(), truncated=True), False, "different value"),
        (_response(200, b"\xff\xfe"), False, "nothing readable"),
        (FetchError("https://x", "dns_error", "x does not resolve"), False, "does not resolve"),
    ],
)
def test_the_file_proves_control_only_when_it_holds_the_token(
    outcome: Response | FetchError, proven: bool, message: str
) -> None:
    result = evaluate_file(outcome, TOKEN)
    assert result.proven is proven
    assert message in result.message


def test_dns_is_asked_first_and_the_file_not_fetched_once_it_holds_the_token(
    fake_internet: StartNet,
) -> None:
    net = fake_internet({DOMAIN: {PATH: (200, {}, TOKEN)}})
    resolver = FakeTxtResolver({challenge_name(DOMAIN): [TOKEN]})
    result = run(DOMAIN, resolver, SafeFetcher(**net.fetcher_options()))

    assert (result.proven, result.method) == (True, "dns")
    assert resolver.lookups == ["_accord-challenge.alpha.example"]
    assert net.request_count == 0


def test_the_well_known_file_on_the_fake_internet_proves_control(
    fake_internet: StartNet,
) -> None:
    net = fake_internet({DOMAIN: {PATH: (200, {"Content-Type": "text/plain"}, f"{TOKEN}\n")}})

    result = run(DOMAIN, FakeTxtResolver(), SafeFetcher(**net.fetcher_options()))

    assert (result.proven, result.method) == (True, "file")
    assert result.summary.startswith("DNS: NXDOMAIN")
    assert [request.path for request in net.requests] == [PATH]


def test_a_missing_file_and_a_wrong_record_are_both_reported(fake_internet: StartNet) -> None:
    net = fake_internet({DOMAIN: {"/": (200, {}, "home")}})
    resolver = FakeTxtResolver({challenge_name(DOMAIN): ["stale"]})

    result = run(DOMAIN, resolver, SafeFetcher(**net.fetcher_options()))

    assert not result.proven
    assert result.summary == (
        'DNS: TXT record found but holds a different value ("stale"); File: file not found (404)'
    )


def test_the_safe_fetcher_refuses_a_domain_that_resolves_to_loopback(
    fake_internet: StartNet,
) -> None:
    # The file is there, on loopback; the address policy must not let the check reach it.
    net = fake_internet({DOMAIN: {PATH: (200, {}, TOKEN)}})
    fetcher = SafeFetcher(
        connect_to=net.connect_to,
        ca_bundle=net.ca_pem,
        resolver=FakeResolver({DOMAIN: ["127.0.0.1"]}),
    )

    result = run(DOMAIN, FakeTxtResolver(), fetcher)

    assert not result.proven
    refused = result.methods[-1]
    assert refused.code == "blocked_address"
    assert "refused to fetch the file" in refused.message
    assert "loopback" in refused.message
    assert net.request_count == 0


def test_a_redirect_into_a_private_address_is_refused_too(fake_internet: StartNet) -> None:
    net = fake_internet(
        {
            DOMAIN: {PATH: (302, {"Location": f"https://inside.example{PATH}"}, b"")},
            "inside.example": {PATH: (200, {}, TOKEN)},
        }
    )
    fetcher = SafeFetcher(
        connect_to=net.connect_to,
        ca_bundle=net.ca_pem,
        resolver=FakeResolver({DOMAIN: [PUBLIC], "inside.example": ["10.0.0.7"]}),
    )

    result = run(DOMAIN, FakeTxtResolver(), fetcher)

    assert result.methods[-1].code == "blocked_address"
    assert [request.host for request in net.requests] == [DOMAIN]
