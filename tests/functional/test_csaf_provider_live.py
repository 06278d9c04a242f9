"""Accord's own checks pass against Accord itself: gunicorn serving the site over TLS
(a certificate from a test CA), a published TLP:CLEAR advisory and a TLP:AMBER one, and
`accord assess` with the lab options pointed at it.

The name `accord.test` is routed to the loopback port with `--connect-to`, so the TLS
name, the Host header and security.txt's Canonical all read `accord.test`.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trustme

ACCORD = [sys.executable, "-m", "accord.cli"]
HOST = "accord.test"
CHECKS = ("security-txt", "security-txt-signed", "security-txt-fresh", "csaf-provider",
          "csaf-security-txt")  # fmt: skip
pytestmark = pytest.mark.skipif(
    os.environ.get("ACCORD_DATABASE_URL", "").startswith("postgres"),
    reason="serves its own SQLite instance; run once, in the SQLite pass",
)

SEED = """
import django
django.setup()
from datetime import UTC, datetime
from accord.accounts.models import User
from tests.cvd.provider_world import make_advisory
from accord.cvd.models import Tlp
actor = User.objects.create_user(
    email="sec@accord.test", password="not used here 1234",
    instance_role=User.InstanceRole.SECRETARIAT,
)
make_advisory(actor, "ACC-2026-0001", initial=datetime(2026, 2, 1, tzinfo=UTC))
make_advisory(actor, "ACC-2026-0002", tlp=Tlp.AMBER, initial=datetime(2026, 3, 1, tzinfo=UTC))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data_dir = tmp_path_factory.mktemp("provider")
    env = {
        **os.environ,
        "ACCORD_DATA_DIR": str(data_dir),
        "ACCORD_DATABASE_URL": "",
        "ACCORD_BASE_URL": f"https://{HOST}",
        "ACCORD_ALLOWED_HOSTS": HOST,
        "ACCORD_TASK_BACKEND": "immediate",
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[2]), *sys.path]),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([*ACCORD, "init", "--quiet"], env=env, check=True, timeout=180)
    subprocess.run(
        [sys.executable, "-c", SEED],
        env={**env, "DJANGO_SETTINGS_MODULE": "accord.settings"},
        check=True,
        timeout=120,
    )
    return {"data_dir": str(data_dir), **{k: v for k, v in env.items() if k.startswith("ACCORD")}}


@pytest.fixture(scope="module")
def server(
    instance: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[int, Path]]:
    tls = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    issued = ca.issue_cert(HOST)
    ca.cert_pem.write_to_path(str(tls / "ca.pem"))
    issued.private_key_pem.write_to_path(str(tls / "key.pem"))
    issued.cert_chain_pems[0].write_to_path(str(tls / "cert.pem"))
    port = _free_port()
    env = {**os.environ, **instance}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "accord.wsgi:application",
         f"--bind=127.0.0.1:{port}", "--workers=1", "--threads=4",
         f"--certfile={tls / 'cert.pem'}", f"--keyfile={tls / 'key.pem'}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_until_listening(port)
        yield port, tls / "ca.pem"
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_until_listening(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("gunicorn did not listen within 60 s")


def _assess(port: int, ca_pem: Path, instance: dict[str, str]) -> dict[str, dict[str, object]]:
    lab = ["--allow-private", "--ca-bundle", str(ca_pem), "--timeout", "30",
           "--connect-to", f"{HOST}:443:127.0.0.1:{port}"]  # fmt: skip
    checks = [arg for check in CHECKS for arg in ("--check", check)]
    done = subprocess.run(
        [*ACCORD, "assess", HOST, "--json", *lab, *checks],
        env={**os.environ, **instance},
        capture_output=True,
        text=True,
        timeout=180,
    )
    [result] = json.loads(done.stdout)
    return dict(result["checks"])


def test_accords_own_checks_pass_against_accord(
    server: tuple[int, Path], instance: dict[str, str]
) -> None:
    port, ca_pem = server
    checks = _assess(port, ca_pem, instance)
    verdicts = {check: checks[check]["status"] for check in CHECKS}
    assert verdicts == dict.fromkeys(CHECKS, "pass"), json.dumps(checks, indent=2)
    provider = checks["csaf-provider"]
    details = provider["details"]
    assert isinstance(details, dict)
    assert details["advisory"] == f"https://{HOST}/.well-known/csaf/white/2026/acc-2026-0001.json"


def test_only_the_clear_advisory_is_served_over_tls(server: tuple[int, Path]) -> None:
    port, ca_pem = server
    context = ssl.create_default_context(cafile=str(ca_pem))
    with httpx.Client(verify=context, headers={"Host": HOST}) as client:

        def get(path: str) -> httpx.Response:
            return client.get(f"https://127.0.0.1:{port}{path}", extensions={"sni_hostname": HOST})

        index = get("/.well-known/csaf/white/index.txt")
        assert index.text == "2026/acc-2026-0001.json\n"
        assert get("/.well-known/csaf/white/2026/acc-2026-0002.json").status_code == 404
        assert "acc-2026-0002" not in get("/.well-known/csaf/white/2026/").text
