"""Notifying vendors end to end: the vendor's security.txt is on the fake internet and
names an Encryption key made here; the evidence engine scans it; the lead notifies; a
real SMTP server on loopback receives the message, which decrypts with the vendor's
secret key to what changed, with the vendor's tracking id. The next notice says only
what changed since."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pysequoia
import pytest
from django.utils import timezone

from accord.cvd.models import Delivery, Participant
from accord.cvd.services import cases, delivery
from accord.engine.fetcher import SafeFetcher
from accord.engine.testing.fake_internet import FakeInternet
from accord.evidence.models import Domain
from accord.evidence.services import scan_domain
from accord.notifications.models import Message
from accord.settings import email_url
from tests.cvd.conftest import World
from tests.notifications.smtp_server import running

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
KEY_PATH = "/.well-known/openpgp-key.asc"
TEXT = {"Content-Type": "text/plain; charset=utf-8"}
_NETS: list[FakeInternet] = []


def fake_internet_fetcher() -> SafeFetcher:
    """ACCORD_SCAN_FETCHER in these tests: the safe fetcher, pointed at the fake internet."""
    return SafeFetcher(**_NETS[-1].fetcher_options())


def security_txt(host: str, *, encryption: str | None = None, contact: str = "") -> str:
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=180)
    lines = [
        f"Contact: mailto:{contact or f'psirt@{host}'}",
        f"Expires: {expires:%Y-%m-%dT%H:%M:%S}Z",
        f"Canonical: https://{host}/.well-known/security.txt",
        "Preferred-Languages: en",
    ]
    if encryption:
        lines.append(f"Encryption: {encryption}")
    return "".join(line + "\n" for line in lines)


@pytest.fixture(scope="module")
def vendor_key() -> pysequoia.Tsk:
    return pysequoia.Tsk.generate("Acme PSIRT <psirt@acme.example>")


@pytest.fixture
def internet(settings: Any, vendor_key: pysequoia.Tsk) -> Iterator[FakeInternet]:
    public = str(vendor_key.extract_certificate())
    sites = {
        "acme.example": {
            "/.well-known/security.txt": (
                200,
                TEXT,
                security_txt("acme.example", encryption=f"https://acme.example{KEY_PATH}"),
            ),
            KEY_PATH: (200, {"Content-Type": "application/pgp-keys"}, public),
        }
    }
    with FakeInternet(sites) as net:
        _NETS.append(net)
        settings.ACCORD_SCAN_FETCHER = f"{__name__}.fake_internet_fetcher"
        yield net
        _NETS.remove(net)


def use_smtp(settings: Any, url: str) -> None:
    settings.ACCORD_EMAIL_ENABLED = True
    settings.MAILERS = email_url.mailers(url, timeout=20, ca_bundle=None)
    settings.DEFAULT_FROM_EMAIL = "Accord <accord@coalition.example>"
    settings.TASKS = IMMEDIATE


def scanned(world: World) -> Domain:
    domain = Domain.objects.create(
        organisation=world.vendor_a, name="acme.example", control="verified",
        verified_at=timezone.now(),
    )  # fmt: skip
    scan_domain(domain_id=domain.pk)
    return domain


def notices_to(server: Any, address: str) -> list[Any]:
    """The case notices the server received for `address` (its admin, whose account has
    that address too, is also told in the inbox, and by email of that)."""
    return [
        r
        for r in server.received
        if r.envelope_to == [address] and r.message["Subject"].startswith("[")
    ]


def decrypt(text: str, key: pysequoia.Tsk) -> str:
    plain = pysequoia.decrypt(text.encode(), decryptor=key.decryptor())
    return bytes(plain.bytes).decode()


def test_the_vendor_gets_an_encrypted_notice_at_its_verified_contact_then_only_news(
    cvd_world: World,
    internet: FakeInternet,
    vendor_key: pysequoia.Tsk,
    settings: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    world = cvd_world
    scanned(world)
    cases.set_tracking_id(
        actor=world.vendor_a_admin, participant=world.participant_a, tracking_id="ACME-PSIRT-4711"
    )
    with running(tmp_path) as server:
        use_smtp(settings, server.url(query="tls=none"))
        with django_capture_on_commit_callbacks(execute=True):
            delivery.notify_vendors(actor=world.secretariat, case=world.case)
        [first] = notices_to(server, "psirt@acme.example")

        email = first.message
        assert (
            email["Subject"] == f"[{world.case.reference}] Case update (your ref. ACME-PSIRT-4711)"
        )
        body = email.get_content()
        assert body.startswith("-----BEGIN PGP MESSAGE-----")
        assert "Heap overflow" not in body
        assert "ACME-PSIRT" not in body
        text = decrypt(body, vendor_key)
        assert "Your tracking id for this case: ACME-PSIRT-4711" in text
        assert "What happened in the case so far" in text
        assert f"Case {world.case.reference} opened: Heap overflow in the router firmware" in text
        assert "Acme Routers joined the case as vendor" in text
        assert "Acme Routers set its tracking id" in text  # private to Acme, so Acme reads it
        joined = world.case.events.get(
            tag="cvd:participant:add", private_with=None, summary__startswith="Acme"
        )
        assert f"/cvd/{world.case.reference}/timeline/?upto={joined.pk}#event-{joined.pk}" in text

        # What came after the first notice, and only that, is in the second.
        cases.set_report_state(
            actor=world.secretariat, participant=world.participant_b, state="valid"
        )
        with django_capture_on_commit_callbacks(execute=True):
            delivery.notify_vendors(actor=world.secretariat, case=world.case)
        to_acme = notices_to(server, "psirt@acme.example")
        assert len(to_acme) == 2
        second = decrypt(to_acme[1].message.get_content(), vendor_key)

    assert "What changed since our last message" in second
    assert "Bolt Software: report received → valid" in second
    assert "joined the case" not in second
    assert "opened" not in second
    key_fingerprint = vendor_key.extract_certificate().fingerprint.upper()
    acme = Delivery.objects.filter(participant=world.participant_a).order_by("pk")
    assert [(d.address, d.source, d.fingerprint) for d in acme] == [
        ("psirt@acme.example", "security_txt", key_fingerprint)
    ] * 2
    notices = Message.objects.filter(kind=delivery.NOTICE_KIND, to_address="psirt@acme.example")
    assert [m.state for m in notices] == ["sent", "sent"]
    world.participant_a.refresh_from_db()
    assert world.participant_a.notified_through == acme.last().through  # type: ignore[union-attr]
    # The key was fetched once, and kept for the second notice.
    key_fetches = [r for r in internet.requests if r.path == KEY_PATH]
    assert len(key_fetches) == 1


def test_bolt_without_security_txt_or_registered_contact_is_reached_at_no_address(
    cvd_world: World, internet: FakeInternet, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True):
        delivery.notify_vendors(actor=cvd_world.secretariat, case=cvd_world.case)
    bolt = Delivery.objects.get(participant=cvd_world.participant_b)
    assert (bolt.address, bolt.source, bolt.message) == ("", "none", None)
    assert bolt.problem == "No contact address is known."
    participant = Participant.objects.get(pk=cvd_world.participant_b.pk)
    assert participant.notified_through == 0  # not told: the next notice tells it all
