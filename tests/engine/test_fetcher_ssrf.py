"""The address policy: the fetcher cannot be pointed at the inside of a network.

The fake internet listens on loopback, so with `allow_private=False` it is itself an
address the fetcher must refuse. To test what happens *after* an allowed first hop, a
fake DNS gives names public-looking addresses while `connect_to` carries the bytes to
the fixture: the policy judges the name's resolved addresses, exactly as it would on
the internet (see the fetcher's docstring).
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Callable
from typing import Any

import httpcore
import pytest

from accord.engine.fetcher import SafeFetcher, _VettingBackend, refusal_reason
from accord.engine.testing.fake_dns import FakeResolver
from accord.engine.testing.fake_internet import FakeInternet
from accord.engine.types import FetchError, FetchOutcome, Response

StartNet = Callable[..., FakeInternet]
PUBLIC = "93.184.216.34"
PUBLIC_V6 = "2606:2800:220:1:248:1893:25c8:1946"

REFUSED = [
    ("127.0.0.1", "loopback"),
    ("127.255.0.9", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("192.168.1.1", "private"),
    ("100.64.0.1", "CGNAT"),
    ("100.127.255.254", "CGNAT"),
    ("169.254.169.254", "link-local"),
    ("169.254.1.1", "link-local"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("0.0.0.0", "unspecified"),  # noqa: S104 - refused, not bound
    ("0.1.2.3", "private"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "reserved"),
    ("192.0.2.1", "private"),
    ("198.18.0.1", "private"),
    ("::1", "loopback"),
    ("::", "unspecified"),
    ("fc00::1", "private"),
    ("fd12:3456::1", "private"),
    ("fe80::1", "link-local"),
    ("fec0::1", "site-local"),
    ("ff02::1", "multicast"),
    ("2001:db8::1", "private"),
    ("::ffff:127.0.0.1", "loopback (IPv4 127.0.0.1 inside IPv6)"),
    ("::ffff:10.0.0.1", "private (IPv4 10.0.0.1 inside IPv6)"),
    ("::ffff:169.254.169.254", "link-local"),
    ("2002:7f00:1::1", "loopback (IPv4 127.0.0.1 inside IPv6)"),
    ("2002:a9fe:a9fe::", "link-local"),
    ("64:ff9b::7f00:1", "loopback (IPv4 127.0.0.1 inside IPv6)"),
    ("64:ff9b::a00:1", "private (IPv4 10.0.0.1 inside IPv6)"),
    ("64:ff9b:1::1", "reserved"),
    ("2001::1", "inside IPv6"),  # Teredo: judged by its client IPv4 too
]


@pytest.mark.parametrize(("address", "reason"), REFUSED)
def test_refused_ranges_v4_v6_and_embedded(address: str, reason: str) -> None:
    found = refusal_reason(ipaddress.ip_address(address))

    assert found is not None
    assert reason in found


@pytest.mark.parametrize(
    "address", [PUBLIC, "1.1.1.1", "8.8.8.8", PUBLIC_V6, "::ffff:93.184.216.34", "2002:5db8:d822::"]
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) is None


def fetch(url: str, resolver: FakeResolver, net: FakeInternet, **options: Any) -> Any:
    async def run() -> FetchOutcome:
        async with SafeFetcher(
            connect_to=net.connect_to, ca_bundle=net.ca_pem, resolver=resolver, **options
        ) as fetcher:
            return await fetcher.get(url)

    return asyncio.run(run())


@pytest.mark.parametrize(("address", "reason"), REFUSED)
def test_a_name_resolving_into_a_refused_range_is_blocked(
    fake_internet: StartNet, address: str, reason: str
) -> None:
    net = fake_internet({"inside.test": {"/": (200, {}, b"secret")}})

    outcome = fetch("https://inside.test/", FakeResolver({"inside.test": [address]}), net)

    assert isinstance(outcome, FetchError)
    assert outcome.code == "blocked_address"
    assert address in outcome.message
    assert reason in outcome.message
    assert net.request_count == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:7f00:1]/",
        "http://2130706433/",
        "http://0x7f.1/",
    ],
)
def test_address_literals_in_urls_are_judged_too(fake_internet: StartNet, url: str) -> None:
    net = fake_internet()

    outcome = fetch(url, FakeResolver({}), net)

    assert outcome.code == "blocked_address"
    assert net.request_count == 0


def test_one_refused_address_among_public_ones_blocks_the_name(fake_internet: StartNet) -> None:
    net = fake_internet({"mixed.test": {"/": (200, {}, b"x")}})
    resolver = FakeResolver({"mixed.test": [PUBLIC, "10.0.0.5"]})

    outcome = fetch("https://mixed.test/", resolver, net)

    assert outcome.code == "blocked_address"
    assert "10.0.0.5" in outcome.message


def test_the_fixture_itself_is_unreachable_without_allow_private(
    fake_internet: StartNet,
) -> None:
    net = fake_internet({"lab.test": {"/": (200, {}, b"lab")}})
    resolver = FakeResolver({"lab.test": ["127.0.0.1"]})

    refused = fetch("https://lab.test/", resolver, net)
    allowed = fetch("https://lab.test/", resolver, net, allow_private=True)

    assert refused.code == "blocked_address"
    assert isinstance(allowed, Response)
    assert allowed.body == b"lab"


@pytest.mark.parametrize(
    ("location", "blocked"),
    [
        ("https://private.test/admin", "10.0.0.1"),
        ("http://metadata.test/latest/meta-data/", "169.254.169.254"),
        ("http://127.0.0.1/", "127.0.0.1"),
        ("https://[::1]/", "::1"),
        ("https://v6mapped.test/", "::ffff:192.168.0.1"),
    ],
)
def test_redirect_from_a_public_host_into_a_refused_address_is_blocked(
    fake_internet: StartNet, location: str, blocked: str
) -> None:
    net = fake_internet(
        {
            "public.test": {"/": (302, {"Location": location}, b"")},
            "private.test": {"/admin": (200, {}, b"admin")},
            "metadata.test": {"/latest/meta-data/": (200, {}, b"iam")},
        }
    )
    resolver = FakeResolver(
        {
            "public.test": [PUBLIC],
            "private.test": ["10.0.0.1"],
            "metadata.test": ["169.254.169.254"],
            "v6mapped.test": ["::ffff:192.168.0.1"],
        }
    )

    outcome = fetch("https://public.test/", resolver, net)

    assert isinstance(outcome, FetchError)
    assert outcome.code == "blocked_address"
    assert blocked in outcome.message
    assert outcome.redirects == ("https://public.test/",)
    assert [request.host for request in net.requests] == ["public.test"]


def test_redirect_between_public_hosts_is_followed(fake_internet: StartNet) -> None:
    net = fake_internet(
        {
            "public.test": {"/": (302, {"Location": "https://other.test/x"}, b"")},
            "other.test": {"/x": (200, {}, b"fine")},
        }
    )
    resolver = FakeResolver({"public.test": [PUBLIC], "other.test": [PUBLIC_V6]})

    response = fetch("https://public.test/", resolver, net)

    assert response.body == b"fine"


def test_dns_rebinding_second_answer_is_checked_not_trusted(fake_internet: StartNet) -> None:
    """Public at the first look-up, loopback at the next: each connection uses its own
    single, checked answer, so the rebound answer is refused, never connected to."""
    net = fake_internet({"rebind.test": {"/": (200, {}, b"ok")}})
    resolver = FakeResolver({"rebind.test": [[PUBLIC], ["127.0.0.1"]]})

    async def run() -> tuple[FetchOutcome, FetchOutcome]:
        async with (
            SafeFetcher(
                connect_to=net.connect_to, ca_bundle=net.ca_pem, resolver=resolver
            ) as first,
            SafeFetcher(
                connect_to=net.connect_to, ca_bundle=net.ca_pem, resolver=resolver
            ) as second,
        ):
            return await first.get("https://rebind.test/"), await second.get("https://rebind.test/")

    before, after = asyncio.run(run())

    assert isinstance(before, Response)
    assert after.code == "blocked_address"
    assert resolver.lookups == ["rebind.test", "rebind.test"]
    assert net.connections == 1


class RecordingDial(httpcore.AsyncNetworkBackend):
    """Stands in for the socket layer: records where connections would go."""

    def __init__(self) -> None:
        self.dialled: list[tuple[str, int]] = []

    async def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        self.dialled.append((host, port))
        raise httpcore.ConnectError("recorded, not connected")


def test_connection_goes_to_the_vetted_address_and_never_re_resolves() -> None:
    resolver = FakeResolver({"rebind.test": [[PUBLIC], ["127.0.0.1"]]})
    dial = RecordingDial()
    backend = _VettingBackend(resolver=resolver, allow_private=False, connect_to=[], dial=dial)

    async def run() -> None:
        with pytest.raises(httpcore.ConnectError):
            await backend.connect_tcp("rebind.test", 443, timeout=1)

    asyncio.run(run())

    assert dial.dialled == [(PUBLIC, 443)]
    assert resolver.lookups == ["rebind.test"]


def test_every_vetted_address_is_tried_in_order() -> None:
    resolver = FakeResolver({"multi.test": [PUBLIC_V6, PUBLIC]})
    dial = RecordingDial()
    backend = _VettingBackend(resolver=resolver, allow_private=False, connect_to=[], dial=dial)

    async def run() -> None:
        with pytest.raises(httpcore.ConnectError):
            await backend.connect_tcp("multi.test", 80, timeout=1)

    asyncio.run(run())

    assert dial.dialled == [(PUBLIC_V6, 80), (PUBLIC, 80)]


def test_unresolvable_name_is_a_dns_error(fake_internet: StartNet) -> None:
    net = fake_internet()

    outcome = fetch("https://nowhere.test/", FakeResolver({}), net)

    assert outcome.code == "dns_error"
    assert "nowhere.test" in outcome.message


def test_the_default_resolver_is_vetted_too() -> None:
    """`localhost` comes from /etc/hosts through the system resolver: no network."""

    async def run() -> FetchOutcome:
        async with SafeFetcher() as fetcher:
            return await fetcher.get("https://localhost/")

    outcome = asyncio.run(run())

    assert outcome.code == "blocked_address"
    assert "loopback" in outcome.message
