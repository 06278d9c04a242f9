"""The safe fetcher: how the evidence engine reads the internet without being turned on us.

`SafeFetcher.get(url, max_bytes=...)` implements `types.Fetcher`. It never raises for
anything the network or the remote side does: every failure comes back as a
`FetchError` whose `code` is one of `types.FETCH_ERROR_CODES`.

What it guarantees:

- Address policy (SSRF). Host names are resolved by the fetcher itself (a pluggable
  resolver), every address is checked, and the TCP connection goes to a checked
  address literal, so nothing re-resolves between check and connect (DNS rebinding
  cannot slip a private address in). A name with any refused address is refused as a
  whole. This runs for every connection, so for every redirect hop too. Refused:
  loopback, RFC 1918 private, 100.64/10 shared (CGNAT), link-local (169.254/16, the
  cloud metadata address), multicast, unspecified, reserved, broadcast and every other
  address not globally routable, and the IPv6 equivalents; IPv4 embedded in IPv6
  (mapped ::ffff:a.b.c.d, 6to4 2002::/16, NAT64 64:ff9b::/96, Teredo) is judged by the
  IPv4 address as well.
- Size: at most `max_bytes` of (decoded) body are read. A larger body is NOT an error:
  the `Response` carries the first `max_bytes` bytes and `truncated=True`, and a check
  that needs the whole document reports that itself (it may use the `too_large` code).
- Time: connect and read timeouts per hop, and a total deadline over the whole call,
  redirects and the wait for a per-host slot included.
- Redirects: followed by hand, at most `max_redirects` (default 5), only to http(s);
  each hop goes through the same address policy.
- Privacy: no cookies are kept or sent, credentials in URLs are dropped, no
  environment proxies or netrc, an honest User-Agent. Requests go straight to an httpx
  transport of our own rather than through `httpx.AsyncClient`: the client layer is
  exactly what must not run here (cookie jar, auth from URLs and netrc, environment
  proxies, its own redirect handling, which also chokes on odd Location headers).
- Politeness: at most `per_host` requests in flight per host name.
- Cost: connections are plain non-blocking sockets and `ssl.SSLSocket`s driven from the
  event loop (`_AsyncioDial`), one `SSLContext` for the fetcher's life; at a scan's rate
  TLS and the kernel are most of the CPU, not Python plumbing.

Lab options, for tests, benchmarks and closed networks: `allow_private=True` lifts the
address policy; `connect_to` reroutes connections like curl's `--connect-to`
(`(host1, port1, host2, port2)`: a connection for host1:port1, where an empty field
matches anything, goes to host2:port2 instead, empty meaning unchanged, while TLS SNI,
certificate checks and the Host header keep the URL's name). The operator's
`connect_to` target is trusted as given; but unless `allow_private` is set the URL's
own name is still resolved and checked, so the address policy, redirects included,
behaves as it would on the real internet while the bytes go to the lab. `ca_bundle`
adds a CA file to the system's trusted CAs.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import re
import socket
import ssl
import zlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx
from httpcore._utils import is_socket_readable

from accord.engine.types import FetchError, FetchOutcome, Response

DEFAULT_USER_AGENT = "AccordScanner/0.1 (cyber-norms evidence checker)"
DEFAULT_MAX_BYTES = 1_048_576
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")


class BlockedAddress(Exception):
    """A connection was refused by the address policy."""


class ResolutionFailed(Exception):
    """The name did not resolve."""


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with the event loop's getaddrinfo (the operating system's resolver)."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ResolutionFailed(f"{host} does not resolve: {exc.strerror}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def refusal_reason(address: IPAddress) -> str | None:
    """Why the address policy refuses `address`, or None when it may be contacted."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # a dual-stack socket reaches the IPv4 one
            reason = refusal_reason(address.ipv4_mapped)
            return f"{reason} (IPv4 {address.ipv4_mapped} inside IPv6)" if reason else None
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            reason = refusal_reason(embedded)
            if reason is not None:
                return f"{reason} (IPv4 {embedded} inside IPv6)"
    return _own_refusal_reason(address)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _own_refusal_reason(address: IPAddress) -> str | None:
    checks = [
        (address.is_loopback, "loopback"),
        (address.is_unspecified, "unspecified"),
        (address.is_link_local, "link-local (includes cloud metadata 169.254.169.254)"),
        (address.is_multicast, "multicast"),
        # Deprecated (RFC 3879), not flagged private by Python, still used inside networks.
        (getattr(address, "is_site_local", False), "site-local fec0::/10"),
        (address in _CGNAT, "shared address space 100.64.0.0/10 (CGNAT)"),
        (address.is_reserved, "reserved"),
        (address.is_private, "private"),
        (not address.is_global, "not globally routable"),
    ]
    return next((reason for refused, reason in checks if refused), None)


def parse_connect_to(text: str) -> tuple[str, str, str, str]:
    """Parse curl's `HOST1:PORT1:HOST2:PORT2` (IPv6 hosts in brackets)."""
    host = r"(\[[0-9a-fA-F:.]+\]|[^:\[\]]*)"
    port = r"(\d*)"
    match = re.fullmatch(f"{host}:{port}:{host}:{port}", text)
    if match is None:
        raise ValueError(f"{text!r} is not HOST1:PORT1:HOST2:PORT2")
    h1, p1, h2, p2 = (part.strip("[]") for part in match.groups())
    return h1.lower(), p1, h2, p2


def _address_literal(host: str) -> IPAddress | None:
    """The address a host string denotes by itself, in any form a C resolver accepts.

    `inet_aton` also reads "2130706433" and "0x7f.1" as 127.0.0.1; treating those as
    literals keeps the policy independent of what the resolver would make of them.
    """
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if re.fullmatch(r"[0-9a-fA-FxX.]+", host) and not host.endswith("."):
        with contextlib.suppress(OSError):
            return ipaddress.IPv4Address(socket.inet_aton(host))
    return None


@dataclass(frozen=True)
class _Route:
    host: str
    port: int


class _TcpOnlyBackend(httpcore.AsyncNetworkBackend):
    """A network backend that dials TCP only: unix sockets are refused, sleep is asyncio's."""

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddress("unix sockets are never used")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class _VettingBackend(_TcpOnlyBackend):
    """Resolves, applies the address policy, then connects to the vetted address literal."""

    def __init__(
        self,
        *,
        resolver: Resolver,
        allow_private: bool,
        connect_to: Sequence[tuple[str, str, str, str]],
        dial: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._resolver = resolver
        self._allow_private = allow_private
        self._connect_to = list(connect_to)
        self._dial = dial or _AsyncioDial()

    def _route(self, host: str, port: int) -> _Route | None:
        for h1, p1, h2, p2 in self._connect_to:
            if (not h1 or h1 == host.lower()) and (not p1 or int(p1) == port):
                return _Route(h2 or host, int(p2) if p2 else port)
        return None

    async def vetted_addresses(self, host: str, port: int) -> list[str]:
        literal = _address_literal(host)
        addresses = (
            [str(literal)] if literal is not None else list(await self._resolver(host, port))
        )
        if not addresses:
            raise ResolutionFailed(f"{host} has no addresses")
        if not self._allow_private:
            for address in addresses:
                reason = refusal_reason(ipaddress.ip_address(address.split("%")[0]))
                if reason is not None:
                    name = f" ({host} resolves to it)" if host != address else ""
                    raise BlockedAddress(f"refusing to connect to {address}{name}: {reason}")
        return addresses

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        route = self._route(host, port)
        if route is None or not self._allow_private:
            try:
                async with asyncio.timeout(timeout):
                    addresses = await self.vetted_addresses(host, port)
            except TimeoutError as exc:
                raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        targets = [route.host] if route else addresses
        port = route.port if route else port
        last_error: Exception | None = None
        for target in targets:
            try:
                return await self._dial.connect_tcp(
                    target, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error


class _AsyncioDial(_TcpOnlyBackend):
    """TCP (and then TLS) connections driven straight from the asyncio event loop.

    httpcore's AnyIO backend layers anyio's streams and its own TLS over memory BIOs
    on asyncio's transports; at a scan's rate that Python plumbing cost more CPU than
    the handshakes. Here a non-blocking socket, and for TLS an `ssl.SSLSocket` made by
    the same `SSLContext` (so the same certificate and host name verification), is read
    and written directly, waiting on the event loop only when it would block. Failures
    map to httpcore's exceptions as the AnyIO backend maps them.
    """

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        try:
            try:  # an address literal (the vetted address): no lookup
                infos = socket.getaddrinfo(
                    host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST
                )
            except socket.gaierror:  # a name, given by the operator's connect_to
                async with asyncio.timeout_at(deadline):
                    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        last_error: Exception = httpcore.ConnectError(f"{host} has no addresses")
        for family, kind, proto, _name, address in infos:
            sock = socket.socket(family, kind, proto)
            try:
                sock.setblocking(False)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                for option in socket_options or ():
                    sock.setsockopt(*option)
                if local_address:
                    sock.bind((local_address, 0))
                stream = _SocketStream(sock, loop)
                try:
                    sock.connect(address)
                except BlockingIOError:
                    if not await stream.wait(writable=True, deadline=deadline):
                        raise httpcore.ConnectTimeout("connecting timed out") from None
                    error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if error:
                        raise OSError(error, os.strerror(error)) from None
                return stream
            except OSError as exc:
                sock.close()
                last_error = httpcore.ConnectError(str(exc) or type(exc).__name__)
                last_error.__cause__ = exc
            except BaseException:
                sock.close()
                raise
        raise last_error


def _wake(future: asyncio.Future[bool], ready: bool) -> None:
    if not future.done():
        future.set_result(ready)


class _SocketStream(httpcore.AsyncNetworkStream):
    """A connected non-blocking socket, plain or `ssl.SSLSocket`. See `_AsyncioDial`."""

    def __init__(self, sock: socket.socket, loop: asyncio.AbstractEventLoop) -> None:
        self._sock = sock
        self._loop = loop
        self._fd = sock.fileno()
        # The pending wait for readability (False) and writability (True), if any.
        self._waits: dict[bool, asyncio.Future[bool]] = {}

    def _deadline(self, timeout: float | None) -> float | None:
        return None if timeout is None else self._loop.time() + timeout

    async def wait(self, *, writable: bool, deadline: float | None) -> bool:
        """True when the socket is ready, False when `deadline` (loop time) passed first."""
        if self._fd < 0 or writable in self._waits:
            raise OSError(9, "the connection is closed or already waited on")
        loop = self._loop
        future: asyncio.Future[bool] = loop.create_future()
        if writable:
            loop.add_writer(self._fd, _wake, future, True)
        else:
            loop.add_reader(self._fd, _wake, future, True)
        self._waits[writable] = future
        timer = None if deadline is None else loop.call_at(deadline, _wake, future, False)
        try:
            return await future
        finally:
            if timer is not None:
                timer.cancel()
            if self._waits.get(writable) is future:
                self._unregister(writable)

    def _unregister(self, writable: bool) -> None:
        del self._waits[writable]
        if writable:
            self._loop.remove_writer(self._fd)
        else:
            self._loop.remove_reader(self._fd)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        deadline = self._deadline(timeout)
        while True:
            try:
                return self._sock.recv(max_bytes)
            except (BlockingIOError, ssl.SSLWantReadError):
                writable = False
            except ssl.SSLWantWriteError:
                writable = True
            except OSError as exc:  # ssl.SSLError included
                raise httpcore.ReadError(str(exc) or type(exc).__name__) from exc
            try:
                ready = await self.wait(writable=writable, deadline=deadline)
            except OSError as exc:
                raise httpcore.ReadError(str(exc)) from exc
            if not ready:
                raise httpcore.ReadTimeout("reading timed out")

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        deadline = self._deadline(timeout)
        view = memoryview(buffer)
        while view:
            try:
                view = view[self._sock.send(view) :]
                continue
            except (BlockingIOError, ssl.SSLWantWriteError):
                writable = True
            except ssl.SSLWantReadError:
                writable = False
            except OSError as exc:
                raise httpcore.WriteError(str(exc) or type(exc).__name__) from exc
            try:
                ready = await self.wait(writable=writable, deadline=deadline)
            except OSError as exc:
                raise httpcore.WriteError(str(exc)) from exc
            if not ready:
                raise httpcore.WriteTimeout("writing timed out")

    async def aclose(self) -> None:
        self.close()

    def close(self) -> None:
        if self._fd < 0:
            return
        for writable, future in list(self._waits.items()):
            self._unregister(writable)
            if not future.done():
                future.set_exception(OSError(9, "the connection was closed"))
        self._fd = -1
        self._sock.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        deadline = self._deadline(timeout)
        if self._waits or self._fd < 0:
            raise httpcore.ConnectError("the connection is busy or closed")
        try:
            # wrap_socket takes the file descriptor over from self._sock.
            tls = ssl_context.wrap_socket(
                self._sock, server_hostname=server_hostname, do_handshake_on_connect=False
            )
        except (OSError, ValueError) as exc:
            self.close()
            raise httpcore.ConnectError(str(exc)) from exc
        self._fd = -1
        stream = _SocketStream(tls, self._loop)
        try:
            while True:
                try:
                    tls.do_handshake()
                    return stream
                except ssl.SSLWantReadError:
                    writable = False
                except ssl.SSLWantWriteError:
                    writable = True
                if not await stream.wait(writable=writable, deadline=deadline):
                    raise httpcore.ConnectTimeout("the TLS handshake timed out")
        except OSError as exc:  # ssl.SSLError included
            stream.close()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        except BaseException:
            stream.close()
            raise

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object":
            return self._sock if isinstance(self._sock, ssl.SSLSocket) else None
        if self._fd < 0:
            return None
        if info == "server_addr":
            with contextlib.suppress(OSError):
                return self._sock.getpeername()
            return None
        if info == "client_addr":
            return self._sock.getsockname()
        if info == "socket":
            return self._sock
        if info == "is_readable":
            return is_socket_readable(self._sock)
        return None


class _PoolStream(httpx.AsyncByteStream):
    def __init__(self, stream: Any, release: Callable[[], Awaitable[None]]) -> None:
        self._stream = stream
        self._release: Callable[[], Awaitable[None]] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            if hasattr(self._stream, "aclose"):
                await self._stream.aclose()
        finally:
            release, self._release = self._release, None
            if release is not None:
                await release()


_OriginKey = tuple[bytes, bytes, int | None]


@dataclass
class _OriginPool:
    pool: httpcore.AsyncConnectionPool
    users: int = 0


class _VettingTransport(httpx.AsyncBaseTransport):
    """httpx transport over httpcore pools whose every connection is vetted.

    One small pool per origin rather than one big pool: httpcore's pool scans all its
    connections for every request, which at a scan's hundreds of hosts cost more CPU
    than TLS. Pools nobody is using are closed, oldest first, past `max_idle_origins`.
    """

    def __init__(
        self, make_pool: Callable[[], httpcore.AsyncConnectionPool], max_idle_origins: int
    ) -> None:
        self._make_pool = make_pool
        self._max_idle_origins = max_idle_origins
        self._pools: dict[_OriginKey, _OriginPool] = {}
        self._idle: OrderedDict[_OriginKey, None] = OrderedDict()  # least recent first

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        key = (url.raw_scheme, url.raw_host, url.port)
        origin = self._pools.get(key)
        if origin is None:
            origin = self._pools[key] = _OriginPool(self._make_pool())
        elif origin.users == 0:
            del self._idle[key]
        origin.users += 1
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )

        async def release() -> None:
            origin.users -= 1
            if origin.users == 0:
                self._idle[key] = None
                await self._close_idle_origins()

        try:
            core_response = await origin.pool.handle_async_request(core_request)
        except BaseException:
            await release()
            raise
        return httpx.Response(
            status_code=core_response.status,
            headers=core_response.headers,
            stream=_PoolStream(core_response.stream, release),
            extensions=core_response.extensions,
        )

    async def _close_idle_origins(self) -> None:
        # Unlink them all before the first await, so no other task closes them twice.
        closing = []
        while len(self._pools) > self._max_idle_origins and self._idle:
            key, _ = self._idle.popitem(last=False)
            closing.append(self._pools.pop(key).pool)
        for pool in closing:
            await pool.aclose()

    async def aclose(self) -> None:
        pools, self._pools, self._idle = list(self._pools.values()), {}, OrderedDict()
        for origin in pools:
            await origin.pool.aclose()


class _HostSlots:
    """At most `limit` requests in flight per host name; idle hosts hold no memory."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._slots: dict[str, tuple[asyncio.Semaphore, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, host: str) -> AsyncIterator[None]:
        semaphore, users = self._slots.get(host, (None, 0))
        if semaphore is None:
            semaphore = asyncio.Semaphore(self._limit)
        self._slots[host] = (semaphore, users + 1)
        try:
            async with semaphore:
                yield
        finally:
            semaphore, users = self._slots[host]
            if users == 1:
                del self._slots[host]
            else:
                self._slots[host] = (semaphore, users - 1)

    def __len__(self) -> int:
        return len(self._slots)


def make_ssl_context(ca_bundle: str | None = None) -> ssl.SSLContext:
    """The system's trusted CAs, plus `ca_bundle` when given; verification always on."""
    context = ssl.create_default_context()
    if ca_bundle:
        context.load_verify_locations(cafile=ca_bundle)
    return context


class _Failed(Exception):
    def __init__(self, error: FetchError) -> None:
        self.error = error


class SafeFetcher:
    """The `Fetcher` the evidence engine uses on the internet. See the module docstring."""

    def __init__(
        self,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
        total_timeout: float = 20.0,
        max_redirects: int = 5,
        per_host: int = 2,
        allow_private: bool = False,
        connect_to: Sequence[tuple[str, str, str, str]] = (),
        ca_bundle: str | None = None,
        resolver: Resolver | None = None,
        max_idle_origins: int = 100,
    ) -> None:
        self._total_timeout = total_timeout
        self._max_redirects = max_redirects
        self._slots = _HostSlots(per_host)
        self.backend = _VettingBackend(
            resolver=resolver or system_resolver,
            allow_private=allow_private,
            connect_to=connect_to,
        )
        ssl_context = make_ssl_context(ca_bundle)

        def make_pool() -> httpcore.AsyncConnectionPool:
            return httpcore.AsyncConnectionPool(
                ssl_context=ssl_context,
                max_connections=None,
                max_keepalive_connections=per_host,
                keepalive_expiry=5.0,
                network_backend=self.backend,
            )

        self._transport = _VettingTransport(make_pool, max_idle_origins)
        self._timeouts = httpx.Timeout(
            connect=connect_timeout, read=read_timeout, write=read_timeout, pool=None
        ).as_dict()
        self._headers = {"User-Agent": user_agent, "Accept": "*/*", "Accept-Encoding": "gzip"}

    async def __aenter__(self) -> SafeFetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def get(self, url: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> FetchOutcome:
        """GET `url`; follow redirects; never raise for network trouble.

        `Response.redirects` lists the URLs that answered with a redirect, in order;
        `Response.url` is the final one. A `FetchError` names the URL whose fetch
        failed, with the redirects that led there.
        """
        redirects: list[str] = []
        current = url
        try:
            async with asyncio.timeout(self._total_timeout):
                return await self._follow(url, max_bytes, redirects)
        except _Failed as failed:
            return failed.error
        except TimeoutError:
            if redirects:
                current = redirects[-1]
            return FetchError(
                current,
                "timeout",
                f"no complete answer within {self._total_timeout:g} s",
                tuple(redirects),
            )

    async def _follow(self, url: str, max_bytes: int, redirects: list[str]) -> Response:
        current = url
        while True:
            target = _checked_url(current, tuple(redirects))
            response = await self._fetch_once(target, max_bytes, tuple(redirects))
            location = response.headers.get("location")
            if response.status not in REDIRECT_STATUSES or not location:
                return response
            redirects.append(current)
            if len(redirects) > self._max_redirects:
                raise _Failed(
                    FetchError(
                        current,
                        "too_many_redirects",
                        f"more than {self._max_redirects} redirects",
                        tuple(redirects),
                    )
                )
            try:
                current = str(target.join(location))
            except httpx.InvalidURL as exc:
                raise _Failed(
                    FetchError(location, "invalid_url", str(exc), tuple(redirects))
                ) from exc

    async def _fetch_once(
        self, url: httpx.URL, max_bytes: int, redirects: tuple[str, ...]
    ) -> Response:
        async with self._slots.hold(url.host):
            try:
                request = httpx.Request(
                    "GET", url, headers=self._headers, extensions={"timeout": self._timeouts}
                )
                answer = await self._transport.handle_async_request(request)
                try:
                    body, truncated = await _read_capped(answer, max_bytes)
                finally:
                    await answer.aclose()
                return Response(
                    url=str(url),
                    status=answer.status_code,
                    headers={k.lower(): v for k, v in answer.headers.items()},
                    body=body,
                    truncated=truncated,
                    redirects=redirects,
                    peer_address=_peer_address(answer),
                )
            except Exception as exc:
                raise _Failed(_as_fetch_error(str(url), exc, redirects)) from exc


def _checked_url(text: str, redirects: tuple[str, ...]) -> httpx.URL:
    def refuse(message: str) -> _Failed:
        return _Failed(FetchError(text, "invalid_url", message, redirects))

    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, TypeError) as exc:
        raise refuse(f"not a URL: {exc}") from exc
    if url.scheme not in ("http", "https"):
        what = "redirect to" if redirects else "fetching"
        raise refuse(f"refusing {what} a {url.scheme or 'scheme-less'} URL: only http(s)")
    if not url.host:
        raise refuse("URL has no host")
    # Credentials in a URL would become an Authorization header; the fetcher sends none.
    if url.userinfo or "#" in text:  # (parsing the URL again costs: only if needed)
        return url.copy_with(userinfo=b"", fragment=None)
    return url


async def _read_capped(answer: httpx.Response, max_bytes: int) -> tuple[bytes, bool]:
    encoding = answer.headers.get("content-encoding", "identity").strip().lower()
    decoder = _bounded_decoder(encoding)
    chunks: list[bytes] = []
    size = 0
    async for raw in answer.aiter_raw():
        chunk = decoder(raw, max_bytes - size + 1)
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            return b"".join(chunks)[:max_bytes], True
    return b"".join(chunks), False


def _bounded_decoder(encoding: str) -> Callable[[bytes, int], bytes]:
    if encoding in ("identity", ""):
        return lambda raw, _limit: raw
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise httpx.DecodingError(f"unsupported Content-Encoding {encoding!r}")
    wbits = 16 + zlib.MAX_WBITS if encoding != "deflate" else zlib.MAX_WBITS
    inflater = zlib.decompressobj(wbits)

    def decode(raw: bytes, limit: int) -> bytes:
        # max_length keeps a compression bomb from inflating past the cap in memory.
        try:
            return inflater.decompress(inflater.unconsumed_tail + raw, limit)
        except zlib.error as exc:
            raise httpx.DecodingError(f"bad {encoding} body: {exc}") from exc

    return decode


def _peer_address(answer: httpx.Response) -> str | None:
    stream = answer.extensions.get("network_stream")
    if stream is None:
        return None
    address = stream.get_extra_info("server_addr")
    return str(address[0]) if address else None


def _as_fetch_error(url: str, exc: Exception, redirects: tuple[str, ...]) -> FetchError:
    def error(code: str, message: str) -> FetchError:
        return FetchError(url, code, message, redirects)

    if isinstance(exc, BlockedAddress):
        return error("blocked_address", str(exc))
    if isinstance(exc, ResolutionFailed):
        return error("dns_error", str(exc))
    if isinstance(exc, httpx.TimeoutException | httpcore.TimeoutException):
        return error("timeout", f"{type(exc).__name__}: {exc or 'timed out'}")
    ssl_error = _find_cause(exc, ssl.SSLError)
    if ssl_error is not None:
        return error("tls_error", str(ssl_error))
    if isinstance(exc, httpx.ConnectError | httpcore.ConnectError):
        return error("connect_error", str(exc) or "connection failed")
    if isinstance(exc, httpx.HTTPError | httpcore.ProtocolError | httpcore.NetworkError | OSError):
        return error("http_error", f"{type(exc).__name__}: {exc}")
    raise exc


def _find_cause[E: BaseException](exc: BaseException, kind: type[E]) -> E | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
