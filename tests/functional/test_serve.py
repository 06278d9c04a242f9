"""`accord init` then `accord serve` answer over real HTTP, static files included."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
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


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("serve")


@pytest.fixture(scope="module")
def server(data_dir: Path) -> Iterator[str]:
    env = {**os.environ, "ACCORD_DATA_DIR": str(data_dir), "ACCORD_DATABASE_URL": ""}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([*ACCORD, "init", "--quiet"], env=env, check=True, timeout=180)
    port = _free_port()
    process = subprocess.Popen(
        [*ACCORD, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/healthz", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.3)
    raise AssertionError("accord serve did not answer within 60 s")


def test_home_and_catalogue_are_served(server: str) -> None:
    home = httpx.get(f"{server}/")
    assert home.status_code == 200
    assert home.headers["server"].startswith("gunicorn")
    assert "Cyber norms, put into practice" in home.text
    catalogue = httpx.get(f"{server}/catalogue/")
    assert catalogue.status_code == 200


def test_static_files_come_with_cache_busting_names(server: str) -> None:
    home = httpx.get(f"{server}/").text
    stylesheet = home.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    assert stylesheet.startswith("/static/web/accord.")
    assert stylesheet.endswith(".css")
    response = httpx.get(f"{server}{stylesheet}")
    assert response.status_code == 200
    assert "max-age" in response.headers["cache-control"]


def test_the_secret_key_is_generated_and_kept_private(server: str, data_dir: Path) -> None:
    key_file = data_dir / "secret_key"
    assert len(key_file.read_text().strip()) >= 50
    assert key_file.stat().st_mode & 0o077 == 0


def test_openapi_is_served(server: str) -> None:
    document = httpx.get(f"{server}/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.")
