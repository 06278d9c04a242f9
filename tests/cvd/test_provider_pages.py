"""The instance's security.txt, disclosure policy and CSAF provider directory, through HTTP."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pysequoia
import pytest
from click.testing import CliRunner
from django.test import Client

from accord.accounts.models import User
from accord.audit.models import Event
from accord.cli import main
from accord.cvd import csaf_directory, security_txt, signing
from accord.cvd.models import Advisory, Tlp
from accord.cvd.selectors import provider
from accord.cvd.services.provider import rotate_expiring_key
from accord.engine.checks import schemas
from accord.worker import Scheduler
from tests.cvd.provider_world import make_advisory

pytestmark = pytest.mark.django_db

BASE = "https://accord.test"
WHITE = "/.well-known/csaf/white/"


@pytest.fixture(autouse=True)
def instance_dir(settings: Any, tmp_path: Path) -> Path:
    data_dir = tmp_path / "data"
    settings.DATA_DIR = data_dir
    settings.ACCORD_BASE_URL = BASE
    settings.ALLOWED_HOSTS = ["testserver", "accord.test"]
    provider.forget()
    return data_dir


@pytest.fixture
def advisories(secretariat: User) -> dict[str, Advisory]:
    return {
        "old": make_advisory(secretariat, "ACC-2025-0007"),
        "new": make_advisory(
            secretariat,
            "ACC-2026-0002",
            initial=datetime(2026, 3, 1, tzinfo=UTC),
            current=datetime(2026, 4, 2, tzinfo=UTC),
        ),
        "amber": make_advisory(secretariat, "ACC-2026-0003", tlp=Tlp.AMBER),
        "green": make_advisory(secretariat, "ACC-2026-0004", tlp=Tlp.GREEN),
    }


def served_key(client: Client) -> pysequoia.Cert:
    metadata = client.get("/.well-known/csaf/provider-metadata.json").json()
    url = metadata["public_openpgp_keys"][0]["url"]
    response = client.get(url.removeprefix(BASE))
    assert response["Content-Type"] == "application/pgp-keys"
    assert b"PRIVATE" not in response.content
    return pysequoia.Cert.from_bytes(response.content)


def test_security_txt_names_the_report_form_policy_key_and_csaf(client: Client) -> None:
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("-----BEGIN PGP SIGNED MESSAGE-----\n")
    fingerprint = signing.instance_key().fingerprint
    for line in (
        f"Contact: {BASE}/report/",
        f"Policy: {BASE}/report/policy/",
        f"Encryption: {BASE}/.well-known/csaf/openpgp/{fingerprint}.asc",
        f"CSAF: {BASE}/.well-known/csaf/provider-metadata.json",
        f"Canonical: {BASE}/.well-known/security.txt",
        "Preferred-Languages: en",
    ):
        assert line + "\n" in text
    verified = pysequoia.verify(response.content, store=lambda _ids: [served_key(client)])
    assert verified.valid_sigs[0].certificate.upper() == fingerprint


def test_security_txt_is_signed_once_and_renewed_before_the_fresh_check_warns(
    client: Client, instance_dir: Path
) -> None:
    first = client.get("/.well-known/security.txt").content
    assert client.get("/.well-known/security.txt").content == first  # kept, not re-signed
    kept = security_txt.kept()
    assert kept is not None
    assert kept.expires - datetime.now(UTC) > timedelta(days=89)
    assert (instance_dir / "openpgp" / "security.txt").stat().st_mode & 0o077 == 0
    assert not security_txt.renew(now=datetime.now(UTC))
    later = kept.expires - security_txt.RENEW_WITHIN + timedelta(minutes=1)
    assert security_txt.renew(now=later)
    renewed = security_txt.kept()
    assert renewed is not None
    assert renewed.expires > kept.expires
    assert client.get("/.well-known/security.txt").content != first


def test_the_scheduler_renews_security_txt(client: Client) -> None:
    client.get("/.well-known/security.txt")
    kept = security_txt.kept()
    assert kept is not None
    clock = [kept.expires - timedelta(days=60)]
    scheduler = Scheduler(every=300, interval=timedelta(days=1), clock=lambda: clock[0])
    scheduler.tick()
    assert security_txt.kept() == kept
    clock[0] = kept.expires - timedelta(days=40)
    scheduler.tick()
    renewed = security_txt.kept()
    assert renewed is not None
    assert renewed.expires == (clock[0] + security_txt.EXPIRES_AFTER).replace(microsecond=0)


def test_the_top_level_security_txt_redirects_to_the_well_known_one(client: Client) -> None:
    response = client.get("/security.txt")
    assert response.status_code == 301
    assert response["Location"] == "/.well-known/security.txt"


def test_the_key_is_made_once_and_kept_private(instance_dir: Path) -> None:
    key = signing.instance_key()
    path = instance_dir / "openpgp" / "instance-key.asc"
    assert path.stat().st_mode & 0o777 == 0o600
    assert (instance_dir / "openpgp").stat().st_mode & 0o077 == 0
    assert signing.instance_key() == key
    rotated = signing.rotate_key()
    assert rotated.fingerprint != key.fingerprint
    assert path.stat().st_mode & 0o777 == 0o600


def test_the_policy_page_shows_the_fingerprint(client: Client) -> None:
    response = client.get("/report/policy/")
    assert response.status_code == 200
    fingerprint = signing.instance_key().fingerprint
    assert f'id="key-fingerprint">{fingerprint[:4]} {fingerprint[4:8]} ' in response.text
    assert 'href="/report/"' in response.text


def test_provider_metadata_is_valid_and_names_the_served_key(
    client: Client, advisories: dict[str, Advisory]
) -> None:
    response = client.get("/.well-known/csaf/provider-metadata.json")
    assert response["Content-Type"] == "application/json"
    assert "max-age" in response["Cache-Control"]
    metadata = response.json()
    assert schemas.schema_errors(schemas.CSAF_PROVIDER_METADATA, metadata) == []
    assert metadata["canonical_url"] == f"{BASE}/.well-known/csaf/provider-metadata.json"
    assert metadata["role"] == "csaf_trusted_provider"
    assert metadata["publisher"]["category"] == "coordinator"
    assert metadata["distributions"] == [{"directory_url": BASE + WHITE}]
    newest = max(datetime(2026, 4, 2, tzinfo=UTC), signing.instance_key().created)
    assert metadata["last_updated"] == csaf_directory.csaf_date(newest)
    assert (
        metadata["public_openpgp_keys"][0]["fingerprint"] == served_key(client).fingerprint.upper()
    )


def test_only_clear_advisories_are_listed(client: Client, advisories: dict[str, Advisory]) -> None:
    index = client.get(WHITE + "index.txt")
    assert index["Content-Type"] == "text/plain; charset=utf-8"
    assert index.content.decode() == "2026/acc-2026-0002.json\n2025/acc-2025-0007.json\n"
    changes = client.get(WHITE + "changes.csv")
    assert changes["Content-Type"] == "text/csv; charset=utf-8"
    assert list(csv.reader(io.StringIO(changes.content.decode()))) == [
        ["2026/acc-2026-0002.json", "2026-04-02T00:00:00.000Z"],
        ["2025/acc-2025-0007.json", "2025-11-03T09:00:00.000Z"],
    ]
    for hidden in ("acc-2026-0003", "acc-2026-0004"):
        assert client.get(f"{WHITE}2025/{hidden}.json").status_code == 404
        assert client.get(f"{WHITE}2025/{hidden}.json.asc").status_code == 404
        everything = b"".join(
            client.get(WHITE + path).content for path in ("", "index.txt", "changes.csv", "2025/")
        )
        assert hidden.encode() not in everything


def test_a_clear_advisory_whose_document_claims_another_label_is_left_out(
    client: Client, advisories: dict[str, Advisory]
) -> None:
    new = advisories["new"]
    new.documents["csaf"]["document"]["distribution"]["tlp"]["label"] = "AMBER"
    new.save()
    provider.forget()
    assert client.get(WHITE + "index.txt").content.decode() == "2025/acc-2025-0007.json\n"


def test_each_document_comes_with_hashes_and_a_signature_that_verify(
    client: Client, advisories: dict[str, Advisory]
) -> None:
    path = WHITE + "2026/acc-2026-0002.json"
    response = client.get(path)
    assert response["Content-Type"] == "application/json"
    body = response.content
    assert json.loads(body) == advisories["new"].documents["csaf"]
    assert schemas.schema_errors(schemas.CSAF_ADVISORY, json.loads(body)) == []
    for algorithm in ("sha256", "sha512"):
        line = client.get(f"{path}.{algorithm}").content.decode()
        assert line == f"{hashlib.new(algorithm, body).hexdigest()}  acc-2026-0002.json\n"
    signature = client.get(path + ".asc")
    assert signature["Content-Type"] == "application/pgp-signature"
    cert = served_key(client)
    sig = pysequoia.Sig.from_bytes(signature.content)
    assert pysequoia.verify(body, store=lambda _ids: [cert], signature=sig).valid_sigs
    assert client.get(path + ".asc").content == signature.content  # kept, not re-signed


def test_the_folders_can_be_browsed(client: Client, advisories: dict[str, Advisory]) -> None:
    top = client.get(WHITE)
    assert top.status_code == 200
    for entry in ("index.txt", "changes.csv", "2025/", "2026/"):
        assert f'href="{entry}"' in top.text
    year = client.get(WHITE + "2026/")
    for suffix in ("", ".asc", ".sha256", ".sha512"):
        assert f'href="acc-2026-0002.json{suffix}"' in year.text
    assert client.get(WHITE + "1999/").status_code == 404


def test_a_withdrawn_advisory_stays_listed_with_its_new_date(
    client: Client, advisories: dict[str, Advisory]
) -> None:
    old = advisories["old"]
    assert "2025/acc-2025-0007.json" in client.get(WHITE + "index.txt").content.decode()
    withdrawn_at = datetime(2026, 5, 1, tzinfo=UTC)
    document = old.documents["csaf"]
    document["document"]["tracking"]["current_release_date"] = "2026-05-01T00:00:00.000Z"
    document["document"]["tracking"]["status"] = "final"
    Advisory.objects.filter(pk=old.pk).update(
        state=Advisory.State.WITHDRAWN,
        version=2,
        current_release_at=withdrawn_at,
        documents={"csaf": document},
    )
    rows = list(csv.reader(io.StringIO(client.get(WHITE + "changes.csv").content.decode())))
    assert rows[0] == ["2025/acc-2025-0007.json", "2026-05-01T00:00:00.000Z"]
    served = client.get(WHITE + "2025/acc-2025-0007.json").json()
    assert served["document"]["tracking"]["current_release_date"] == "2026-05-01T00:00:00.000Z"


def test_a_new_publication_appears_without_being_announced(
    client: Client, secretariat: User, advisories: dict[str, Advisory]
) -> None:
    assert len(client.get(WHITE + "index.txt").content.splitlines()) == 2
    make_advisory(secretariat, "ACC-2026-0009", initial=datetime(2026, 6, 1, tzinfo=UTC))
    assert client.get(WHITE + "index.txt").content.splitlines()[0] == b"2026/acc-2026-0009.json"


def test_conditional_requests_are_answered_not_modified(
    client: Client, advisories: dict[str, Advisory]
) -> None:
    first = client.get(WHITE + "index.txt")
    again = client.get(WHITE + "index.txt", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304


def test_another_key_is_not_served(client: Client) -> None:
    assert client.get("/.well-known/csaf/openpgp/" + "A" * 40 + ".asc").status_code == 404


def test_keys_are_shown_and_rotated_from_the_shell(client: Client) -> None:
    runner = CliRunner()
    shown = runner.invoke(main, ["keys", "show"])
    assert shown.exit_code == 0, shown.output
    old = signing.instance_key().fingerprint
    assert f"Fingerprint: {old}" in shown.output
    armour = runner.invoke(main, ["keys", "show", "--armour"])
    assert armour.output.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    signed_before = client.get("/.well-known/security.txt").content
    refused = runner.invoke(main, ["keys", "rotate"], input="n\n")
    assert refused.exit_code == 1
    assert signing.instance_key().fingerprint == old
    rotated = runner.invoke(main, ["keys", "rotate", "--yes"])
    assert rotated.exit_code == 0, rotated.output
    new = signing.instance_key().fingerprint
    assert new != old
    assert f"New key: {new}" in rotated.output
    event = Event.objects.get(tag="cvd:key:rotate")
    assert event.data == {"old": old, "new": new}
    signed_after = client.get("/.well-known/security.txt").content.decode()
    assert signed_after.encode() != signed_before
    assert f"/.well-known/csaf/openpgp/{new}.asc" in signed_after
    assert client.get(f"/.well-known/csaf/openpgp/{old}.asc").status_code == 404


def crawl(client: Client) -> dict[str, bytes]:
    """Every file the directory links to, from the provider metadata down."""
    seen: dict[str, bytes] = {}
    queue = ["/.well-known/csaf/provider-metadata.json", WHITE]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        response = client.get(path)
        assert response.status_code == 200, path
        seen[path] = response.content
        if path.endswith("/"):
            hrefs = re.findall(r'href="([^"]+)"', response.content.decode())
            queue += [path + href for href in hrefs if href != "../"]
        elif path.endswith(("index.txt", "changes.csv")):
            queue += [WHITE + row[0] for row in csv.reader(io.StringIO(response.content.decode()))]
    return seen


@pytest.mark.parametrize("tlp", [t for t in Tlp if t != Tlp.CLEAR])
def test_no_advisory_but_a_clear_one_is_anywhere_in_the_directory(
    client: Client, secretariat: User, tlp: str
) -> None:
    make_advisory(secretariat, "ACC-2026-0100")
    make_advisory(secretariat, "ACC-2026-0666", tlp=tlp)
    served = crawl(client)
    assert WHITE + "2025/acc-2026-0100.json.asc" in served
    # The metadata, two listings, index.txt, changes.csv, and the document with its three.
    assert len(served) == 1 + 2 + 2 + 4
    for path, body in served.items():
        assert b"0666" not in body, path


def test_the_scheduler_replaces_the_key_before_it_expires(client: Client) -> None:
    signed = client.get("/.well-known/security.txt").content
    key = signing.instance_key()
    assert key.expires is not None
    assert rotate_expiring_key(now=datetime.now(UTC)) is None
    clock = [key.expires - timedelta(days=59)]
    scheduler = Scheduler(every=300, interval=timedelta(days=1), clock=lambda: clock[0])
    scheduler.tick()
    new = signing.instance_key()
    assert new.fingerprint != key.fingerprint
    assert Event.objects.get(tag="cvd:key:rotate").data["old"] == key.fingerprint
    kept = security_txt.kept()
    assert kept is not None
    assert new.fingerprint in kept.text
    assert kept.text.encode() != signed
