"""The fetcher's own asyncio connections: TCP and TLS on the event loop, httpcore's errors."""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator

import httpcore
import pytest

from accord.engine.fetcher import SafeFetcher, _AsyncioDial
from accord.engine.testing.fake_internet import FakeInternet
from accord.engine.types import FetchError, Response

StartNet = Callable[..., FakeInternet]


@pytest.fixture
def raw_server() -> Iterator[Callable[[str], int]]:
    """A TCP server on loopback that misbehaves at the TLS layer as `mode` says."""
    servers: list[socket.socket] = []
    held: list[socket.socket] = []

    def start(mode: str) -> int:
        server = socket.create_server(("127.0.0.1", 0))
        servers.append(server)

        def serve() -> None:
            while True:
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                if mode == "close":  # after the ClientHello, so that it is a clean EOF
                    conn.recv(4096)
                    conn.shutdown(socket.SHUT_WR)
                    held.append(conn)
                elif mode == "reset":  # after the ClientHello too
                    conn.recv(4096)
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    conn.close()
                elif mode == "plain-http":
                    conn.recv(4096)
                    conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
                    conn.close()
                else:  # silent: accept, never answer
                    held.append(conn)

        threading.Thread(target=serve, daemon=True).start()
        return int(server.getsockname()[1])

    yield start
    for sock in [*servers, *held]:
        sock.close()


def fetch(port: int, url: str = "https://x.example/") -> FetchError | Response:
    async def run() -> FetchError | Response:
        async with SafeFetcher(
            allow_private=True,
            connect_to=[("", "443", "127.0.0.1", str(port))],
            connect_timeout=0.3,
            read_timeout=0.3,
            total_timeout=5,
        ) as fetcher:
            return await fetcher.get(url)

    return asyncio.run(run())


@pytest.mark.parametrize(
    ("mode", "code", "words"),
    [
        ("close", "tls_error", "EOF"),
        ("plain-http", "tls_error", "WRONG_VERSION_NUMBER"),
        ("reset", "connect_error", "reset"),
        ("silent", "timeout", "handshake timed out"),
    ],
)
def test_tls_handshake_failures_map_as_before(
    raw_server: Callable[[str], int], mode: str, code: str, words: str
) -> None:
    started = time.monotonic()

    outcome = fetch(raw_server(mode))

    assert isinstance(outcome, FetchError)
    assert outcome.code == code
    assert words.lower() in outcome.message.lower()
    assert time.monotonic() - started < 3


def test_connect_to_a_host_name_is_resolved_for_the_lab(fake_internet: StartNet) -> None:
    net = fake_internet({"a.example": {"/": (200, {}, b"hi")}})

    async def run() -> FetchError | Response:
        route = ("", "443", "localhost", str(net.https_port))
        options = {**net.fetcher_options(), "connect_to": [route]}
        async with SafeFetcher(**options) as fetcher:
            return await fetcher.get("https://a.example/")

    outcome = asyncio.run(run())

    assert isinstance(outcome, Response), outcome
    assert outcome.body == b"hi"
    assert outcome.peer_address in ("127.0.0.1", "::1")


def test_closing_a_stream_ends_a_pending_read_and_frees_the_socket(
    raw_server: Callable[[str], int],
) -> None:
    port = raw_server("silent")

    async def run() -> None:
        stream = await _AsyncioDial().connect_tcp("127.0.0.1", port, timeout=1)
        fd = stream.get_extra_info("socket").fileno()
        assert stream.get_extra_info("server_addr") == ("127.0.0.1", port)
        assert stream.get_extra_info("is_readable") is False
        reading = asyncio.ensure_future(stream.read(100, timeout=5))
        await asyncio.sleep(0.05)
        await stream.aclose()
        with pytest.raises(httpcore.ReadError):
            await asyncio.wait_for(reading, 1)
        loop = asyncio.get_running_loop()
        assert not loop.remove_reader(fd)  # nothing left registered for it
        with pytest.raises(httpcore.ReadError):
            await stream.read(100, timeout=1)

    asyncio.run(run())


def test_a_read_times_out_as_httpcore_read_timeout(raw_server: Callable[[str], int]) -> None:
    port = raw_server("silent")

    async def run() -> None:
        stream = await _AsyncioDial().connect_tcp("127.0.0.1", port, timeout=1)
        try:
            with pytest.raises(httpcore.ReadTimeout):
                await stream.read(100, timeout=0.1)
        finally:
            await stream.aclose()

    asyncio.run(run())


def test_refused_connection_is_httpcore_connect_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, not listening: refused

        async def run() -> None:
            with pytest.raises(httpcore.ConnectError):
                await _AsyncioDial().connect_tcp("127.0.0.1", port, timeout=1)

        asyncio.run(run())
