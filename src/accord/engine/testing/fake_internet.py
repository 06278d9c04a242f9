"""A fake internet on loopback: many HTTPS (and HTTP) sites behind one port each.

One listening socket per protocol on 127.0.0.1; every host name is routed by TLS SNI
(for its certificate, issued on demand by a test CA) and by the Host header (for its
content). Each connection is served by its own thread, so TLS handshakes stay off the
accept loop, and Nagle is off, so the fixture does not add latency of its own: the
`delay` does, as the real internet's round trips would. A share of hosts can be dead.

    with FakeInternet({"a.example": {"/x": (200, {}, b"hi")}}) as net:
        fetcher = SafeFetcher(**net.fetcher_options())

`cpu_seconds` is the CPU time the fixture's own threads used, so a benchmark can show
that the fixture was not the bottleneck.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http
import socket
import ssl
import struct
import sys
import tempfile
import threading
import time
import zlib
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trustme

MAX_HEAD_BYTES = 65_536


@dataclass(frozen=True)
class FakeRequest:
    """What a site saw: header names lower-case."""

    method: str
    path: str
    headers: Mapping[str, str]
    host: str
    sni: str | None
    tls: bool


class Hang:
    """Route value: read the request and never answer."""


@dataclass(frozen=True)
class Drip:
    """Route value: send the head, then the body one chunk per `interval` seconds."""

    status: int
    headers: Mapping[str, str]
    chunks: tuple[bytes, ...]
    interval: float


Answer = tuple[int, Mapping[str, str], bytes | str] | Hang | Drip
Route = Answer | Callable[[FakeRequest], Answer]
Site = Mapping[str, Route]
DefaultSite = Callable[[str, str], Answer | None]


def security_txt_body(host: str, *, now: dt.datetime | None = None) -> str:
    """A valid RFC 9116 file for `host`, expiring in about half a year."""
    expires = (now or dt.datetime.now(dt.UTC)) + dt.timedelta(days=180)
    return (
        f"Contact: mailto:security@{host}\n"
        f"Expires: {expires:%Y-%m-%dT%H:%M:%S}Z\n"
        f"Canonical: https://{host}/.well-known/security.txt\n"
        "Preferred-Languages: en\n"
    )


def security_txt_site(host: str, path: str) -> Answer | None:
    """Default site for benchmarks: a valid security.txt, 404 for anything else."""
    if path == "/.well-known/security.txt":
        return 200, {"Content-Type": "text/plain; charset=utf-8"}, security_txt_body(host)
    return None


class _Certificates:
    """Per-name server contexts issued by the test CA, cached (LRU) and made on demand."""

    def __init__(self, ca: trustme.CA, cache_size: int) -> None:
        self._ca = ca
        self._cache: OrderedDict[str, ssl.SSLContext] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def context_for(self, name: str) -> ssl.SSLContext:
        with self._lock:
            context = self._cache.get(name)
            if context is not None:
                self._cache.move_to_end(name)
                return context
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._ca.issue_cert(name).configure_cert(context)
        with self._lock:
            self._cache[name] = context
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return context


@dataclass
class _Stats:
    connections: int = 0
    requests: int = 0
    cpu_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


class FakeInternet:
    """Sites by host name, a default site for any other name, a delay, dead hosts.

    `dead_mode` "hang": the TLS handshake completes, the request is read and never
    answered (the client's read timeout decides); "reset": the connection is reset
    right after the handshake.
    """

    def __init__(
        self,
        sites: Mapping[str, Site] | None = None,
        *,
        default: DefaultSite | None = None,
        delay: float = 0.0,
        dead_share: float = 0.0,
        dead_hosts: Iterable[str] = (),
        dead_mode: str = "hang",
        record: bool = True,
        cert_cache_size: int = 20_000,
    ) -> None:
        if dead_mode not in ("hang", "reset"):
            raise ValueError("dead_mode is 'hang' or 'reset'")
        self.sites = {name.lower(): dict(site) for name, site in (sites or {}).items()}
        self.default = default
        self.delay = delay
        self.dead_share = dead_share
        self.dead_hosts = {name.lower() for name in dead_hosts}
        self.dead_mode = dead_mode
        self.requests: deque[FakeRequest] = deque(maxlen=10_000 if record else 0)
        self.ca = trustme.CA()
        self._certificates = _Certificates(self.ca, cert_cache_size)
        self._stats = _Stats()
        self._stopping = threading.Event()
        self._threads: set[threading.Thread] = set()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listeners: list[socket.socket] = []
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.https_port = 0
        self.http_port = 0
        self.ca_pem = ""

    # -- life cycle ----------------------------------------------------------------

    def __enter__(self) -> FakeInternet:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="accord-fake-internet-")
        self.ca_pem = str(Path(self._tmp.name) / "ca.pem")
        self.ca.cert_pem.write_to_path(self.ca_pem)
        https, self.https_port = self._listen()
        plain, self.http_port = self._listen()
        self._spawn(self._accept_loop, https, self._server_context())
        self._spawn(self._accept_loop, plain, None)

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            listeners_and_peers = [*self._listeners, *self._sockets]
        for sock in listeners_and_peers:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()
        for thread in list(self._threads):
            thread.join(timeout=5)
        if self._tmp is not None:
            self._tmp.cleanup()

    # -- what tests and benchmarks read --------------------------------------------

    @property
    def connect_to(self) -> list[tuple[str, str, str, str]]:
        """SafeFetcher `connect_to`: any name, port 443 and 80, to this fixture."""
        return [
            ("", "443", "127.0.0.1", str(self.https_port)),
            ("", "80", "127.0.0.1", str(self.http_port)),
        ]

    @property
    def connect_to_args(self) -> list[str]:
        """The same as `--connect-to` values for the command line."""
        return [":".join(route) for route in self.connect_to]

    def fetcher_options(self) -> dict[str, Any]:
        return {"allow_private": True, "connect_to": self.connect_to, "ca_bundle": self.ca_pem}

    @property
    def cpu_seconds(self) -> float:
        """CPU used by the fixture's finished threads (all of them, after stop())."""
        return self._stats.cpu_seconds

    @property
    def connections(self) -> int:
        return self._stats.connections

    @property
    def request_count(self) -> int:
        return self._stats.requests

    def is_dead(self, host: str) -> bool:
        host = host.lower()
        if host in self.dead_hosts:
            return True
        return zlib.crc32(host.encode()) % 10_000 < self.dead_share * 10_000

    def warm(self, hosts: Iterable[str]) -> None:
        """Issue the certificates now, so that a measurement does not pay for them."""
        for host in hosts:
            self._certificates.context_for(host.lower())

    # -- serving ------------------------------------------------------------------

    def _listen(self) -> tuple[socket.socket, int]:
        listener = socket.create_server(("127.0.0.1", 0), backlog=4096)
        self._listeners.append(listener)
        return listener, listener.getsockname()[1]

    def _server_context(self) -> ssl.SSLContext:
        context = self._certificates.context_for("fallback.invalid")

        def choose(sock: Any, name: str | None, _context: ssl.SSLContext) -> None:
            sock.sni = name
            if name:
                sock.context = self._certificates.context_for(name.lower())

        context.sni_callback = choose
        return context

    def _spawn(self, target: Callable[..., None], *args: Any) -> None:
        def run() -> None:
            try:
                target(*args)
            finally:
                with self._stats.lock:
                    self._stats.cpu_seconds += time.thread_time()
                with self._lock:
                    self._threads.discard(threading.current_thread())

        thread = threading.Thread(target=run, daemon=True)
        with self._lock:
            self._threads.add(thread)
        thread.start()

    def _accept_loop(self, listener: socket.socket, tls: ssl.SSLContext | None) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._sockets.add(conn)
            self._spawn(self._serve_connection, conn, tls)

    def _serve_connection(self, conn: socket.socket, tls: ssl.SSLContext | None) -> None:
        with self._stats.lock:
            self._stats.connections += 1
        sock: socket.socket = conn
        try:
            sni = None
            if tls is not None:
                sock = tls.wrap_socket(conn, server_side=True)
                sni = getattr(sock, "sni", None)
                if sni and self.is_dead(sni):
                    self._play_dead(sock)
                    return
            self._serve_requests(sock, sni, tls is not None)
        except (OSError, ValueError):
            pass
        finally:
            with self._lock:
                self._sockets.discard(conn)
            with contextlib.suppress(OSError):
                sock.close()

    def _play_dead(self, sock: socket.socket) -> None:
        if self.dead_mode == "reset":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        while not self._stopping.is_set() and sock.recv(4096):
            pass

    def _serve_requests(self, sock: socket.socket, sni: str | None, tls: bool) -> None:
        reader = sock.makefile("rb")
        while not self._stopping.is_set():
            request = _read_request(reader, sni, tls)
            if request is None:
                return
            with self._stats.lock:
                self._stats.requests += 1
            self.requests.append(request)
            if not tls and self.is_dead(request.host):
                self._play_dead(sock)
                return
            answer = self._answer(request)
            if self.delay and self._stopping.wait(self.delay):
                return
            if not _send(sock, answer, self._stopping):
                return
            if request.headers.get("connection", "").lower() == "close":
                return

    def _answer(self, request: FakeRequest) -> Answer:
        site = self.sites.get(request.host)
        route: Route | None
        if site is not None:
            route = site.get(request.path)
        else:
            route = self.default(request.host, request.path) if self.default else None
        if route is None:
            return 404, {"Content-Type": "text/plain"}, b"not found\n"
        if callable(route):
            return route(request)
        return route


def _read_request(reader: Any, sni: str | None, tls: bool) -> FakeRequest | None:
    line = reader.readline(MAX_HEAD_BYTES)
    if not line:
        return None
    method, target, _version = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while True:
        header = reader.readline(MAX_HEAD_BYTES)
        if header in (b"\r\n", b"\n", b""):
            break
        name, _, value = header.decode("latin-1").partition(":")
        key = name.strip().lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    length = int(headers.get("content-length", "0") or 0)
    if length:
        reader.read(length)
    host = headers.get("host", sni or "").rsplit(":", 1)[0].lower() if headers else ""
    if host.startswith("["):
        host = host.strip("[]")
    return FakeRequest(method, target, headers, host or (sni or ""), sni, tls)


def _head(status: int, headers: Mapping[str, str], length: int | None) -> bytes:
    try:
        reason = http.HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _send(sock: socket.socket, answer: Answer, stopping: threading.Event) -> bool:
    """Send one answer; False when the connection must end."""
    if isinstance(answer, Hang):
        while not stopping.is_set() and sock.recv(4096):
            pass
        return False
    if isinstance(answer, Drip):
        sock.sendall(_head(answer.status, {**answer.headers, "Connection": "close"}, None))
        for chunk in answer.chunks:
            if stopping.wait(answer.interval):
                return False
            sock.sendall(chunk)
        return False
    status, headers, body = answer
    data = body.encode("utf-8") if isinstance(body, str) else body
    sock.sendall(_head(status, headers, len(data)) + data)
    return True


def main() -> None:  # pragma: no cover - exercised by benchmarks/scan.py
    """Serve the benchmark internet until stdin closes (`--control`) or Ctrl-C."""
    import argparse
    import json
    import resource

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--delay-ms", type=float, default=50.0)
    parser.add_argument("--dead-share", type=float, default=0.0)
    parser.add_argument("--warm", help="file of host names whose certificates to issue first")
    parser.add_argument(
        "--control",
        action="store_true",
        help="print one JSON line (ports, CA), then answer each 'cpu' line on stdin with "
        "this process's CPU seconds; stop when stdin closes",
    )
    args = parser.parse_args()
    with FakeInternet(
        default=security_txt_site,
        delay=args.delay_ms / 1000,
        dead_share=args.dead_share,
        record=False,
    ) as net:
        if args.warm:
            with open(args.warm, encoding="utf-8") as names:
                net.warm(name.strip() for name in names if name.strip())
        if not args.control:
            print(f"HTTPS on 127.0.0.1:{net.https_port}, HTTP on {net.http_port}, CA {net.ca_pem}")
            print("lab options:", " ".join(f"--connect-to {a}" for a in net.connect_to_args))
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()
            return
        ready = {"https_port": net.https_port, "http_port": net.http_port}
        print(json.dumps({**ready, "ca_pem": net.ca_pem, "connect_to": net.connect_to_args}))
        sys.stdout.flush()
        for _line in sys.stdin:
            usage = resource.getrusage(resource.RUSAGE_SELF)
            print(usage.ru_utime + usage.ru_stime, flush=True)


if __name__ == "__main__":
    main()
