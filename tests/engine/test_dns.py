"""The dnspython resolver against a nameserver on loopback: no real DNS is asked."""

from __future__ import annotations

import asyncio

from accord.engine.dns import DnsPythonResolver, TxtLookup
from accord.engine.testing.fake_dns import FakeDnsServer, FakeTxtResolver

NAME = "_accord-challenge.alpha.example"


def lookup(server: FakeDnsServer, name: str, *, timeout: float = 5.0) -> TxtLookup:
    resolver = DnsPythonResolver(nameservers=["127.0.0.1"], port=server.port, timeout=timeout)
    return asyncio.run(resolver.txt(name))


def test_txt_records_are_read_with_each_records_strings_joined() -> None:
    long_value = "a" * 300  # more than one 255-byte string in one record
    with FakeDnsServer({NAME: ["token-1", long_value]}) as server:
        found = lookup(server, NAME)
    assert found.error is None
    assert sorted(found.records) == sorted(["token-1", long_value])


def test_a_name_that_does_not_exist_is_nxdomain() -> None:
    with FakeDnsServer({}) as server:
        found = lookup(server, NAME)
    assert found.error == "nxdomain"
    assert found.message == f"NXDOMAIN: {NAME} does not exist"


def test_a_name_without_txt_records_is_no_answer() -> None:
    with FakeDnsServer({NAME: []}) as server:
        found = lookup(server, NAME)
    assert found.error == "no_answer"


def test_a_nameserver_that_never_answers_is_a_timeout() -> None:
    with FakeDnsServer({}, silent=[NAME]) as server:
        found = lookup(server, NAME, timeout=0.5)
    assert found.error == "timeout"
    assert "timed out" in found.message


def test_a_malformed_name_is_a_dns_error_not_an_exception() -> None:
    with FakeDnsServer({}) as server:
        found = lookup(server, "a" * 70 + ".example")
    assert found.error == "dns_error"


def test_the_fake_txt_resolver_answers_as_the_real_one_words_it() -> None:
    fake = FakeTxtResolver({NAME: ["t"], "empty.example": []}, failures={"slow.example": "timeout"})
    assert asyncio.run(fake.txt(NAME)).records == ("t",)
    assert asyncio.run(fake.txt("empty.example")).error == "no_answer"
    assert asyncio.run(fake.txt("gone.example")).error == "nxdomain"
    assert asyncio.run(fake.txt("slow.example")).error == "timeout"
    assert fake.lookups == [NAME, "empty.example", "gone.example", "slow.example"]
