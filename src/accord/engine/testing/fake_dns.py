"""Fake DNS for tests: resolvers for the fetcher and for TXT lookups, and a loopback
nameserver that dnspython can be pointed at.

- `FakeResolver`: for `SafeFetcher(resolver=...)`: names to addresses, lookups recorded.
- `FakeTxtResolver`: a `TxtResolver` answering from a table, lookups recorded.
- `FakeDnsServer`: a UDP nameserver on 127.0.0.1 answering TXT queries from a table,
  for testing `DnsPythonResolver` itself without the real DNS.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Mapping, Sequence

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

from accord.engine.dns import TxtLookup, txt_failure
from accord.engine.fetcher import ResolutionFailed


class FakeResolver:
    """Each name maps to its addresses, or to a list of answers served one per lookup
    (the last one repeats), which is how a rebinding attacker's DNS behaves."""

    def __init__(self, answers: dict[str, Sequence[str] | list[Sequence[str]]]) -> None:
        self._answers = answers
        self.lookups: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        answer = self._answers.get(host)
        if answer is None:
            raise ResolutionFailed(f"{host} does not resolve (fake DNS)")
        if answer and not isinstance(answer[0], str):
            rounds = [list(round_) for round_ in answer]
            return rounds[min(self.lookups.count(host), len(rounds)) - 1]
        return [str(address) for address in answer]


class FakeTxtResolver:
    """TXT records by name. A name not in `records` is NXDOMAIN; one mapped to no
    records exists without TXT; `failures` makes a name fail with a `TXT_ERROR_CODES`
    code. Tests change `records` as they go, as a person editing their zone would."""

    def __init__(
        self,
        records: Mapping[str, Sequence[str]] | None = None,
        *,
        failures: Mapping[str, str] | None = None,
    ) -> None:
        self.records: dict[str, list[str]] = {k: list(v) for k, v in (records or {}).items()}
        self.failures = dict(failures or {})
        self.lookups: list[str] = []

    async def txt(self, name: str) -> TxtLookup:
        self.lookups.append(name)
        if name in self.failures:
            return txt_failure(name, self.failures[name])
        if name not in self.records:
            return txt_failure(name, "nxdomain")
        if not self.records[name]:
            return txt_failure(name, "no_answer")
        return TxtLookup(name, records=tuple(self.records[name]))


class FakeDnsServer:
    """Answers TXT queries on 127.0.0.1 from `records` (NXDOMAIN for other names); a
    name in `silent` is never answered, so the client times out.

        with FakeDnsServer({"_x.a.example": ["token"]}) as server:
            DnsPythonResolver(nameservers=["127.0.0.1"], port=server.port)
    """

    def __init__(self, records: Mapping[str, Sequence[str]], *, silent: Sequence[str] = ()) -> None:
        self.records = {k.lower().rstrip("."): list(v) for k, v in records.items()}
        self.silent = {name.lower().rstrip(".") for name in silent}
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self._stopping = False
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> FakeDnsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping = True
        with contextlib.suppress(OSError):
            self._socket.sendto(b"", ("127.0.0.1", self.port))  # wake the loop to stop
        self._thread.join(timeout=5)
        self._socket.close()

    def _serve(self) -> None:
        while not self._stopping:
            try:
                data, peer = self._socket.recvfrom(4096)
            except OSError:
                return
            answer = self._answer(data)
            if answer is not None:
                self._socket.sendto(answer, peer)

    def _answer(self, data: bytes) -> bytes | None:
        try:
            query = dns.message.from_wire(data)
        except Exception:  # a wake-up datagram, or garbage: no answer
            return None
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        if name in self.silent:
            return None
        response = dns.message.make_response(query)
        if name not in self.records:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.TXT and self.records[name]:
            values = [_quoted(value) for value in self.records[name]]
            response.answer.append(dns.rrset.from_text(question.name, 60, "IN", "TXT", *values))
        wire: bytes = response.to_wire()
        return wire


def _quoted(value: str) -> str:
    """A TXT record's presentation form: strings of at most 255 bytes, each quoted."""
    data = value.encode()
    chunks = [data[n : n + 255].decode() for n in range(0, len(data), 255)] or [""]
    return " ".join(f'"{chunk}"' for chunk in chunks)
