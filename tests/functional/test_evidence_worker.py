"""`accord serve` in the embedded set-up scans domains with the worker it runs beside it.

Real processes: the server, its task worker and scheduler, and the safe fetcher talking
TLS to a fake internet on loopback. Domains are added by a separate process, as the web
pages or an import would, and the test waits (bounded) for the observations to appear.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from accord.engine.registry import CHECKS
from accord.engine.testing.fake_internet import FakeInternet

ACCORD = [sys.executable, "-m", "accord.cli"]
pytestmark = pytest.mark.skipif(
    os.environ.get("ACCORD_DATABASE_URL", "").startswith("postgres"),
    reason="serves its own SQLite instance; run once, in the SQLite pass",
)
# Expires half a year from now: fresh (more than 30 days, less than a year away).
EXPIRES = (datetime.now(UTC) + timedelta(days=180)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
SECURITY_TXT = f"Contact: mailto:security@alpha.example\nExpires: {EXPIRES}\n".encode()
HSTS = {"Strict-Transport-Security": "max-age=31536000"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def internet() -> Iterator[FakeInternet]:
    sites = {
        "alpha.example": {
            "/": (200, {"content-type": "text/html", **HSTS}, b"<h1>Alpha</h1>"),
            "/.well-known/security.txt": (200, {"content-type": "text/plain"}, SECURITY_TXT),
        }
    }
    with FakeInternet(sites) as net:
        yield net


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory, internet: FakeInternet) -> Iterator[Any]:
    data_dir = tmp_path_factory.mktemp("evidence-serve")
    options = internet.fetcher_options()
    env = {
        **os.environ,
        "ACCORD_DATA_DIR": str(data_dir),
        "ACCORD_DATABASE_URL": "",
        "ACCORD_TASK_BACKEND": "database",
        "ACCORD_SCHEDULE_EVERY_SECONDS": "1",
        "ACCORD_SCAN_ALLOW_PRIVATE": "1",
        "ACCORD_SCAN_CONNECT_TO": ",".join(":".join(rule) for rule in options["connect_to"]),
        "ACCORD_SCAN_CA_BUNDLE": str(options["ca_bundle"]),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([*ACCORD, "init", "--quiet"], env=env, check=True, timeout=180)
    server = subprocess.Popen(
        [*ACCORD, "serve", "--port", str(_free_port()), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield env, data_dir / "accord.sqlite3"
    finally:
        server.terminate()
        server.wait(timeout=30)


def _django(env: dict[str, str], code: str) -> None:
    script = (
        "import django, os\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'accord.settings')\n"
        "django.setup()\n" + code
    )
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=60)


def _observations(database: Path, domain: str) -> dict[str, str]:
    with sqlite3.connect(database, timeout=10) as connection:
        rows = connection.execute(
            "SELECT check_id, status FROM evidence_observation WHERE domain_name = ?", (domain,)
        ).fetchall()
    return dict(rows)


def _wait_for_scan(database: Path, domain: str) -> dict[str, str]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        found = _observations(database, domain)
        if len(found) == len(CHECKS):
            return found
        time.sleep(0.3)
    raise AssertionError(f"{domain} was not scanned within 90 s")


def test_a_proven_domain_is_scanned_by_the_embedded_worker(instance: Any) -> None:
    env, database = instance
    _django(
        env,
        "from accord.accounts import services\n"
        "from accord.engine.testing.fake_dns import FakeTxtResolver\n"
        "org = services.create_organisation(name='Alpha', slug='alpha')\n"
        "from accord.evidence import services as evidence\n"
        "d = evidence.add_domain(organisation=org, name='alpha.example', actor=None)\n"
        "dns = FakeTxtResolver({d.challenge_name: [d.challenge_token]})\n"
        "evidence.check_domain_control(domain=d, actor=None, resolver=dns)\n",
    )

    verdicts = _wait_for_scan(database, "alpha.example")

    assert verdicts["https-hsts"] == "pass"
    assert verdicts["security-txt-fresh"] == "pass"
    assert verdicts["security-txt"] in {"pass", "warn"}


def test_the_embedded_scheduler_queues_verified_domains_never_scanned(instance: Any) -> None:
    env, database = instance
    # Written straight to the table, as an import would: no scan was asked for.
    _django(
        env,
        "from accord.accounts.models import Organisation\n"
        "from accord.evidence.models import Domain\n"
        "org = Organisation.objects.create(name='Beta', slug='beta')\n"
        "Domain.objects.create(organisation=org, name='beta.example', control='verified')\n",
    )

    verdicts = _wait_for_scan(database, "beta.example")

    # beta.example is not on the fake internet: it answers nothing, so every check errs
    # or fails, but each was run and stored.
    assert set(verdicts) == set(CHECKS)
    assert verdicts["https-hsts"] in {"error", "fail"}
