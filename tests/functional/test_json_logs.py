"""`accord serve` with ACCORD_LOG_FORMAT=json: every line it writes, gunicorn's included, is
a JSON object, and the access line of a request carries the id the load balancer sent."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ACCORD = [sys.executable, "-m", "accord.cli"]
pytestmark = pytest.mark.skipif(
    os.environ.get("ACCORD_DATABASE_URL", "").startswith("postgres"),
    reason="serves its own SQLite instance; run once, in the SQLite pass",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get_when_up(url: str) -> httpx.Response:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            return httpx.get(url, headers={"X-Request-ID": "lb-probe-1"}, timeout=2)
        except httpx.TransportError:
            time.sleep(0.3)
    raise AssertionError("accord serve did not answer within 60 s")


def test_serve_writes_json_lines_with_the_request_id(tmp_path: Path) -> None:
    env = {**os.environ, "ACCORD_DATA_DIR": str(tmp_path), "ACCORD_DATABASE_URL": ""}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([*ACCORD, "init", "--quiet"], env=env, check=True, timeout=180)
    port = _free_port()
    server = subprocess.Popen(
        [*ACCORD, "serve", "--port", str(port), "--workers", "1", "--no-task-worker"],
        env={**env, "ACCORD_LOG_FORMAT": "json"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        response = _get_when_up(f"http://127.0.0.1:{port}/healthz")
        assert response.status_code == 200
        assert response.headers["X-Request-ID"] == "lb-probe-1"
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    lines = [json.loads(line) for line in (out + err).splitlines() if line.strip()]
    assert {"gunicorn.error", "gunicorn.access", "accord.cli"} <= {line["logger"] for line in lines}
    access = next(line for line in lines if line["logger"] == "gunicorn.access")
    assert access["path"] == "/healthz"
    assert access["status"] == "200"
    assert access["request_id"] == "lb-probe-1"
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
