"""DNS TXT lookups, for proof of domain control, behind a small interface.

`TxtResolver.txt(name)` never raises for anything DNS does: every answer, and every
failure, comes back as a `TxtLookup` whose `error` is None or one of `TXT_ERROR_CODES`.
`DnsPythonResolver` asks real nameservers (the system's, unless given) through
dnspython's asyncio resolver; tests use `accord.engine.testing.fake_dns.FakeTxtResolver`
or point `DnsPythonResolver` at the loopback `FakeDnsServer`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import dns.asyncresolver
import dns.exception
import dns.name
import dns.resolver

DEFAULT_TIMEOUT = 5.0

TXT_ERROR_CODES = ("nxdomain", "no_answer", "timeout", "dns_error")


@dataclass(frozen=True)
class TxtLookup:
    """What a TXT lookup of `name` found: each record's strings joined, or why none.

    `error` is None when the name has TXT records; else one of `TXT_ERROR_CODES`, with a
    `message` for people.
    """

    name: str
    records: tuple[str, ...] = ()
    error: str | None = None
    message: str = ""


class TxtResolver(Protocol):
    async def txt(self, name: str) -> TxtLookup: ...


def txt_failure(name: str, code: str) -> TxtLookup:
    """The lookup of `name` failing with `code`, in the words `DnsPythonResolver` uses."""
    messages = {
        "nxdomain": f"NXDOMAIN: {name} does not exist",
        "no_answer": f"{name} exists but has no TXT record",
        "timeout": f"the DNS lookup of {name} timed out",
        "dns_error": f"the DNS lookup of {name} failed",
    }
    return TxtLookup(name, error=code, message=messages[code])


class DnsPythonResolver:
    """TXT lookups with dnspython, over UDP (TCP when an answer is truncated).

    `nameservers` and `port` replace the system's configuration (closed networks, tests
    against a loopback server); `timeout` bounds each lookup, retries included.
    """

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        nameservers: Sequence[str] = (),
        port: int = 53,
    ) -> None:
        self._timeout = timeout
        self._nameservers = list(nameservers)
        self._port = port

    def _resolver(self) -> dns.asyncresolver.Resolver:
        resolver = dns.asyncresolver.Resolver(configure=not self._nameservers)
        if self._nameservers:
            resolver.nameservers = self._nameservers
            resolver.port = self._port
        resolver.lifetime = self._timeout
        return resolver

    async def txt(self, name: str) -> TxtLookup:
        try:
            answer = await self._resolver().resolve(name, "TXT", search=False)
        except dns.resolver.NXDOMAIN:
            return txt_failure(name, "nxdomain")
        except dns.resolver.NoAnswer:
            return txt_failure(name, "no_answer")
        except dns.exception.Timeout:
            return txt_failure(name, "timeout")
        except (dns.exception.DNSException, OSError) as exc:
            failed = txt_failure(name, "dns_error")
            return TxtLookup(name, error="dns_error", message=f"{failed.message}: {exc}")
        records = tuple(
            b"".join(rdata.strings).decode("utf-8", errors="replace") for rdata in answer
        )
        return TxtLookup(name, records=records)
