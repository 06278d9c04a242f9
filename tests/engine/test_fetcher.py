"""The safe fetcher against the fake internet on loopback: what a check sees."""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from accord.engine.fetcher import DEFAULT_USER_AGENT, SafeFetcher, parse_connect_to
from accord.engine.testing.fake_dns import FakeResolver
from accord.engine.testing.fake_internet import (
    Drip,
    FakeInternet,
    FakeRequest,
    Hang,
    security_txt_site,
)
from accord.engine.types import FETCH_ERROR_CODES, FetchError, FetchOutcome, Response

StartNet = Callable[..., FakeInternet]


def fetch(net: FakeInternet, url: str, *, max_bytes: int = 1_048_576, **options: Any) -> Any:
    async def run() -> FetchOutcome:
        async with SafeFetcher(**{**net.fetcher_options(), **options}) as fetcher:
            return await fetcher.get(url, max_bytes=max_bytes)

    return asyncio.run(run())


def redirect(location: str, status: int = 302) -> tuple[int, dict[str, str], bytes]:
    return status, {"Location": location}, b""


def test_fetches_over_https_with_verified_certificate(fake_internet: StartNet) -> None:
    net = fake_internet(default=security_txt_site)

    response = fetch(net, "https://member.example/.well-known/security.txt")

    assert isinstance(response, Response)
    assert response.status == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert b"Contact: mailto:security@member.example" in response.body
    assert response.truncated is False
    assert response.peer_address == "127.0.0.1"
    assert net.requests[-1].sni == "member.example"


def test_sends_an_honest_user_agent_and_a_configured_one(fake_internet: StartNet) -> None:
    net = fake_internet({"a.example": {"/": (200, {}, b"ok")}})

    fetch(net, "https://a.example/")
    fetch(net, "https://a.example/", user_agent="CoalitionScanner/2 (+mailto:ops@c.example)")

    agents = [request.headers["user-agent"] for request in net.requests]
    assert agents == [DEFAULT_USER_AGENT, "CoalitionScanner/2 (+mailto:ops@c.example)"]


def test_certificate_from_an_untrusted_ca_is_a_tls_error(fake_internet: StartNet) -> None:
    net = fake_internet({"a.example": {"/": (200, {}, b"ok")}})

    outcome = fetch(net, "https://a.example/", ca_bundle=None)

    assert isinstance(outcome, FetchError)
    assert outcome.code == "tls_error"
    assert "certificate" in outcome.message.lower()


def test_plain_http_works_on_the_second_port(fake_internet: StartNet) -> None:
    net = fake_internet({"a.example": {"/": (200, {}, b"plain")}})

    response = fetch(net, "http://a.example/")

    assert response.body == b"plain"
    assert net.requests[-1].tls is False


def test_body_over_the_cap_is_cut_and_marked_truncated(fake_internet: StartNet) -> None:
    net = fake_internet({"big.example": {"/": (200, {}, b"x" * 3_000_000)}})

    response = fetch(net, "https://big.example/", max_bytes=10_000)

    assert isinstance(response, Response)
    assert response.truncated is True
    assert response.body == b"x" * 10_000


def test_body_exactly_at_the_cap_is_not_truncated(fake_internet: StartNet) -> None:
    net = fake_internet({"a.example": {"/": (200, {}, b"y" * 500)}})

    response = fetch(net, "https://a.example/", max_bytes=500)

    assert (len(response.body), response.truncated) == (500, False)


def test_gzip_body_is_decoded_and_a_bomb_stays_within_the_cap(fake_internet: StartNet) -> None:
    bomb = gzip.compress(b"\0" * 50_000_000)
    net = fake_internet(
        {
            "a.example": {
                "/small": (200, {"Content-Encoding": "gzip"}, gzip.compress(b"hello")),
                "/bomb": (200, {"Content-Encoding": "gzip"}, bomb),
            }
        }
    )

    assert fetch(net, "https://a.example/small").body == b"hello"
    response = fetch(net, "https://a.example/bomb", max_bytes=100_000)
    assert (len(response.body), response.truncated) == (100_000, True)
    assert net.requests[0].headers["accept-encoding"] == "gzip"


def test_unasked_for_content_encoding_is_an_http_error(fake_internet: StartNet) -> None:
    net = fake_internet({"a.example": {"/": (200, {"Content-Encoding": "br"}, b"\x0b")}})

    outcome = fetch(net, "https://a.example/")

    assert (outcome.code, "br" in outcome.message) == ("http_error", True)


def test_host_that_never_answers_times_out(fake_internet: StartNet) -> None:
    net = fake_internet(dead_hosts=["dead.example"])
    started = time.monotonic()

    outcome = fetch(net, "https://dead.example/", read_timeout=0.3, total_timeout=5)

    assert isinstance(outcome, FetchError)
    assert outcome.code == "timeout"
    assert time.monotonic() - started < 3


def test_reset_host_is_an_error_not_a_hang(fake_internet: StartNet) -> None:
    net = fake_internet(dead_hosts=["dead.example"], dead_mode="reset")

    outcome = fetch(net, "https://dead.example/", total_timeout=5)

    assert isinstance(outcome, FetchError)
    assert outcome.code in {"http_error", "connect_error"}


def test_total_deadline_cuts_a_slow_drip_that_each_read_would_allow(
    fake_internet: StartNet,
) -> None:
    drip = Drip(200, {}, tuple(b"x" for _ in range(50)), interval=0.1)
    net = fake_internet({"slow.example": {"/": drip}})
    started = time.monotonic()

    outcome = fetch(net, "https://slow.example/", read_timeout=2, total_timeout=0.6)

    assert (outcome.code, outcome.url) == ("timeout", "https://slow.example/")
    assert "0.6 s" in outcome.message
    assert time.monotonic() - started < 2


def test_total_deadline_covers_redirect_hops(fake_internet: StartNet) -> None:
    net = fake_internet(
        {
            "a.example": {"/": redirect("https://b.example/")},
            "b.example": {"/": Hang()},
        }
    )

    outcome = fetch(net, "https://a.example/", read_timeout=5, total_timeout=0.5)

    assert outcome.code == "timeout"
    assert outcome.redirects == ("https://a.example/",)


def test_follows_up_to_five_redirects_and_records_them(fake_internet: StartNet) -> None:
    hops = {f"/{n}": redirect(f"/{n + 1}", 301 if n % 2 else 308) for n in range(5)}
    net = fake_internet({"a.example": {**hops, "/5": (200, {}, b"landed")}})

    response = fetch(net, "https://a.example/0")

    assert response.body == b"landed"
    assert response.url == "https://a.example/5"
    assert response.redirects == tuple(f"https://a.example/{n}" for n in range(5))


def test_a_sixth_redirect_is_refused(fake_internet: StartNet) -> None:
    hops = {f"/{n}": redirect(f"/{n + 1}") for n in range(6)}
    net = fake_internet({"a.example": {**hops, "/6": (200, {}, b"too far")}})

    outcome = fetch(net, "https://a.example/0")

    assert isinstance(outcome, FetchError)
    assert outcome.code == "too_many_redirects"
    assert len(outcome.redirects) == 6
    assert all(request.path != "/6" for request in net.requests)


@pytest.mark.parametrize(
    "location", ["file:///etc/passwd", "ftp://a.example/x", "gopher://a.example/", "data:,x"]
)
def test_never_follows_a_redirect_off_http(fake_internet: StartNet, location: str) -> None:
    net = fake_internet({"a.example": {"/": redirect(location)}})

    outcome = fetch(net, "https://a.example/")

    assert isinstance(outcome, FetchError)
    assert outcome.code == "invalid_url"
    assert outcome.url.split(":")[0] == location.split(":")[0]
    assert "only http(s)" in outcome.message
    assert outcome.redirects == ("https://a.example/",)


def test_redirect_without_location_is_returned_as_is(fake_internet: StartNet) -> None:
    net = fake_internet({"a.example": {"/": (302, {}, b"")}})

    assert fetch(net, "https://a.example/").status == 302


def test_cookies_set_by_a_site_are_never_sent_back(fake_internet: StartNet) -> None:
    net = fake_internet(
        {
            "a.example": {
                "/login": (302, {"Set-Cookie": "session=s3cret; Path=/", "Location": "/in"}, b""),
                "/in": (200, {"Set-Cookie": "other=1; Path=/"}, b"in"),
                "/again": (200, {}, b"again"),
            }
        }
    )

    async def run() -> None:
        async with SafeFetcher(**net.fetcher_options()) as fetcher:
            await fetcher.get("https://a.example/login")
            await fetcher.get("https://a.example/again")

    asyncio.run(run())

    assert [r.path for r in net.requests] == ["/login", "/in", "/again"]
    assert all("cookie" not in request.headers for request in net.requests)


def test_credentials_in_a_url_are_not_sent(fake_internet: StartNet) -> None:
    net = fake_internet({"a.example": {"/": (200, {}, b"ok")}})

    response = fetch(net, "https://admin:hunter2@a.example/")

    assert response.status == 200
    assert "authorization" not in net.requests[-1].headers


def test_at_most_per_host_requests_in_flight_to_one_host(fake_internet: StartNet) -> None:
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def slow(_request: FakeRequest) -> tuple[int, dict[str, str], bytes]:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.05)
        with lock:
            in_flight -= 1
        return 200, {}, b"ok"

    net = fake_internet({"a.example": {"/": slow}, "b.example": {"/": slow}})

    async def run() -> list[FetchOutcome]:
        async with SafeFetcher(**net.fetcher_options(), per_host=2) as fetcher:
            urls = ["https://a.example/"] * 8 + ["https://b.example/"] * 8
            return await asyncio.gather(*(fetcher.get(url) for url in urls))

    outcomes = asyncio.run(run())

    assert all(outcome.status == 200 for outcome in outcomes)
    assert peak == 4  # two per host, two hosts


def test_connection_refused_is_a_connect_error() -> None:
    import socket

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]

    async def run() -> FetchOutcome:
        route = [("", "", "127.0.0.1", str(port))]
        async with SafeFetcher(allow_private=True, connect_to=route) as fetcher:
            return await fetcher.get("https://a.example/")

    outcome = asyncio.run(run())

    assert isinstance(outcome, FetchError)
    assert outcome.code == "connect_error"


@pytest.mark.parametrize("url", ["not a url", "https://", "mailto:x@example.com", "/relative"])
def test_malformed_urls_are_invalid_url(url: str) -> None:
    async def run() -> FetchOutcome:
        async with SafeFetcher() as fetcher:
            return await fetcher.get(url)

    outcome = asyncio.run(run())

    assert isinstance(outcome, FetchError)
    assert outcome.code == "invalid_url"


def test_every_error_code_used_is_in_the_shared_contract() -> None:
    import inspect

    from accord.engine import fetcher

    source = inspect.getsource(fetcher)
    for code in ("blocked_address", "dns_error", "timeout", "tls_error", "connect_error"):
        assert f'"{code}"' in source
    assert {"invalid_url", "too_many_redirects", "http_error"} <= set(FETCH_ERROR_CODES)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        (":443:127.0.0.1:8443", ("", "443", "127.0.0.1", "8443")),
        ("Example.COM:443::8443", ("example.com", "443", "", "8443")),
        ("::[::1]:", ("", "", "::1", "")),
    ],
)
def test_connect_to_is_parsed_like_curls(text: str, parsed: tuple[str, ...]) -> None:
    assert parse_connect_to(text) == parsed


@pytest.mark.parametrize("text", ["a:1:b", "a:x:b:1", "a:1:b:2:3"])
def test_connect_to_rejects_malformed_values(text: str) -> None:
    with pytest.raises(ValueError, match="HOST1:PORT1:HOST2:PORT2"):
        parse_connect_to(text)


def test_connect_to_routes_only_the_matching_name(fake_internet: StartNet) -> None:
    net = fake_internet({"a.example": {"/": (200, {}, b"ok")}})
    route = [("a.example", "443", "127.0.0.1", str(net.https_port))]

    async def run() -> tuple[FetchOutcome, FetchOutcome]:
        resolver = FakeResolver({})
        async with SafeFetcher(
            allow_private=True, connect_to=route, ca_bundle=net.ca_pem, resolver=resolver
        ) as fetcher:
            return await fetcher.get("https://a.example/"), await fetcher.get("https://b.example/")

    routed, unrouted = asyncio.run(run())

    assert routed.status == 200
    assert net.requests[-1].host == "a.example"
    assert unrouted.code == "dns_error"
