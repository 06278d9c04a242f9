"""Where a vendor is reached: its latest valid security.txt's mailto: contact and
Encryption key, else its registered security contact and key, else the invitation
address, else its account's email; and registering a security contact."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pysequoia
import pytest
from django.utils import timezone

from accord.audit.models import Event
from accord.cvd import openpgp
from accord.cvd.exceptions import InvalidField, NotAllowed
from accord.cvd.models import ContactKey, Participant, SecurityContact
from accord.cvd.services import cases, contacts
from accord.engine.fetcher import SafeFetcher
from accord.engine.testing.fake_internet import FakeInternet
from accord.engine.types import CheckResult, Status
from accord.evidence.models import Domain
from accord.evidence.services import RetrievedEvidence, record_observation
from tests.cvd.conftest import World

pytestmark = pytest.mark.django_db
TEXT = {"Content-Type": "text/plain; charset=utf-8"}
KEYS = {"Content-Type": "application/pgp-keys"}


@dataclass
class Web:
    """The fake internet, with a table of answers that each test fills."""

    net: FakeInternet
    answers: dict[tuple[str, str], Any] = field(default_factory=dict)

    def serve(self, url: str, body: str | bytes, headers: dict[str, str] = KEYS) -> None:
        host, _, path = url.removeprefix("https://").partition("/")
        self.answers[(host, "/" + path)] = (200, headers, body)

    def fetches_of(self, path: str) -> int:
        return sum(1 for request in self.net.requests if request.path == path)


_WEBS: list[Web] = []


def fake_internet_fetcher() -> SafeFetcher:
    """ACCORD_SCAN_FETCHER in these tests: the safe fetcher, on the fake internet."""
    return SafeFetcher(**_WEBS[-1].net.fetcher_options())


@pytest.fixture
def web(settings: Any) -> Iterator[Web]:
    answers: dict[tuple[str, str], Any] = {}
    with FakeInternet(
        default=lambda host, path: answers.get((host, path)),
        dead_hosts=["dead.example"],
        dead_mode="reset",
    ) as net:
        found = Web(net, answers)
        _WEBS.append(found)
        settings.ACCORD_SCAN_FETCHER = f"{__name__}.fake_internet_fetcher"
        yield found
        _WEBS.remove(found)


@pytest.fixture(scope="module")
def key() -> pysequoia.Tsk:
    return pysequoia.Tsk.generate("PSIRT <psirt@acme.example>")


def public(secret: pysequoia.Tsk) -> str:
    return str(secret.extract_certificate())


def fingerprint(secret: pysequoia.Tsk) -> str:
    return str(secret.extract_certificate().fingerprint).upper()


def security_txt(*, contact: str = "mailto:psirt@acme.example", encryption: str = "") -> str:
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=180)
    lines = [f"Contact: {contact}", f"Expires: {expires:%Y-%m-%dT%H:%M:%S}Z"]
    if encryption:
        lines.append(f"Encryption: {encryption}")
    return "".join(line + "\n" for line in lines)


def observe_security_txt(
    organisation: Any,
    body: str,
    *,
    status: str = "pass",
    name: str = "acme.example",
    control: str = "verified",
    at: dt.datetime | None = None,
) -> None:
    """The evidence engine observed this security.txt on the organisation's domain."""
    domain, _ = Domain.objects.get_or_create(
        organisation=organisation, name=name, defaults={"control": control}
    )
    url = f"https://{name}/.well-known/security.txt"
    record_observation(
        domain=domain,
        check_id="security-txt",
        result=CheckResult("security-txt", Status(status), url=url),
        retrieved_meta=RetrievedEvidence((url,), 200, body.encode()),
        now=at or timezone.now(),
    )


# Resolution ----------------------------------------------------------------------------


def test_a_valid_security_txt_gives_its_mailto_contact_and_says_it_names_no_key(
    cvd_world: World,
) -> None:
    observe_security_txt(cvd_world.vendor_a, security_txt())
    found = contacts.resolve_contact(cvd_world.participant_a)
    assert (found.address, found.source, found.key) == ("psirt@acme.example", "security_txt", None)
    assert found.problem == "The security.txt names no Encryption key."


def test_a_security_txt_with_recommendations_only_is_valid(cvd_world: World) -> None:
    observe_security_txt(cvd_world.vendor_a, security_txt(), status="warn")
    assert contacts.resolve_contact(cvd_world.participant_a).source == "security_txt"


def test_an_invalid_security_txt_falls_back_to_the_registered_contact_and_its_key(
    cvd_world: World, key: pysequoia.Tsk
) -> None:
    earlier = timezone.now() - dt.timedelta(days=1)
    observe_security_txt(cvd_world.vendor_a, security_txt(), at=earlier)
    # The newest scan found the file invalid: the older, valid one no longer counts.
    observe_security_txt(
        cvd_world.vendor_a, security_txt(contact="mailto:old@acme.example"), status="fail"
    )
    contacts.set_security_contact(
        actor=cvd_world.vendor_a_admin,
        organisation=cvd_world.vendor_a,
        email="cert@acme.example",
        openpgp_key=public(key),
    )
    found = contacts.resolve_contact(cvd_world.participant_a)
    assert (found.address, found.source) == ("cert@acme.example", "registered")
    assert found.key is not None
    assert found.key.fingerprint == fingerprint(key)


@pytest.mark.parametrize(
    ("body", "control"),
    [
        (security_txt(contact="https://acme.example/report"), "verified"),  # no mailto:
        (security_txt(contact="mailto:not an address"), "verified"),
        (security_txt(), "unverified"),  # control of the domain not proven
    ],
)
def test_a_security_txt_without_a_usable_mailto_on_a_domain_that_counts_is_passed_over(
    cvd_world: World, body: str, control: str
) -> None:
    observe_security_txt(cvd_world.vendor_a, body, control=control)
    SecurityContact.objects.create(organisation=cvd_world.vendor_a, email="cert@acme.example")
    found = contacts.resolve_contact(cvd_world.participant_a)
    assert (found.address, found.source, found.key) == ("cert@acme.example", "registered", None)


def test_a_file_the_parser_cannot_read_is_passed_over(
    cvd_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    observe_security_txt(cvd_world.vendor_a, security_txt())

    def crash(*_args: Any, **_kwargs: Any) -> None:
        raise RecursionError("parser crashed")

    monkeypatch.setattr(contacts, "SecurityTxtParser", crash)
    assert contacts.resolve_contact(cvd_world.participant_a).source == "none"


def test_a_registered_key_that_no_longer_works_is_a_problem_not_a_key(cvd_world: World) -> None:
    SecurityContact.objects.create(
        organisation=cvd_world.vendor_a, email="cert@acme.example", openpgp_key="garbage"
    )
    found = contacts.resolve_contact(cvd_world.participant_a)
    assert (found.address, found.key) == ("cert@acme.example", None)
    assert found.problem.startswith("Not an OpenPGP public key")


def test_without_an_organisation_contact_the_invitation_then_the_account_is_used(
    cvd_world: World, make_user: Any
) -> None:
    invited = cases.add_participant(
        actor=cvd_world.secretariat,
        case=cvd_world.case,
        role=Participant.Role.VENDOR,
        email="security@tiny.example",
        name="Tiny Vendor",
    )
    found = contacts.resolve_contact(invited)
    assert (found.address, found.source) == ("security@tiny.example", "invited")
    person = make_user("maintainer@solo.example")
    solo = cases.add_participant(
        actor=cvd_world.secretariat, case=cvd_world.case, role=Participant.Role.VENDOR, user=person
    )
    found = contacts.resolve_contact(solo)
    assert (found.address, found.source) == ("maintainer@solo.example", "account")


def test_a_vendor_with_no_contact_at_all_is_reached_nowhere(cvd_world: World) -> None:
    found = contacts.resolve_contact(cvd_world.participant_b)
    assert (found.address, found.source) == ("", "none")
    assert found.problem == "No contact address is known."


# Keys from security.txt ----------------------------------------------------------------

KEY_URL = "https://acme.example/pgp.asc"


def test_the_encryption_key_is_fetched_once_and_kept_until_stale(
    cvd_world: World, web: Web, key: pysequoia.Tsk
) -> None:
    web.serve(KEY_URL, public(key))
    observe_security_txt(cvd_world.vendor_a, security_txt(encryption=KEY_URL))
    first = contacts.resolve_contact(cvd_world.participant_a)
    again = contacts.resolve_contact(cvd_world.participant_a)
    assert first.key is not None
    assert first.key == again.key
    assert first.key.fingerprint == fingerprint(key)
    assert first.problem == ""
    assert web.fetches_of("/pgp.asc") == 1
    later = timezone.now() + contacts.STALE + dt.timedelta(minutes=1)
    contacts.resolve_contact(cvd_world.participant_a, now=later)
    assert web.fetches_of("/pgp.asc") == 2
    assert ContactKey.objects.get(uri=KEY_URL).fingerprint == fingerprint(key)


def test_a_refresh_that_fails_keeps_the_key_fetched_before(
    cvd_world: World, web: Web, key: pysequoia.Tsk
) -> None:
    web.serve(KEY_URL, public(key))
    observe_security_txt(cvd_world.vendor_a, security_txt(encryption=KEY_URL))
    contacts.resolve_contact(cvd_world.participant_a)
    web.answers.clear()
    later = timezone.now() + contacts.STALE * 2
    found = contacts.resolve_contact(cvd_world.participant_a, now=later)
    assert found.key is not None
    assert found.key.fingerprint == fingerprint(key)
    kept = ContactKey.objects.get(uri=KEY_URL)
    assert kept.problem == "the key could not be fetched (HTTP 404)"


@pytest.mark.parametrize(
    ("encryption", "answer", "problem"),
    [
        ("http://acme.example/pgp.asc", None, "not an https URI, so no key was fetched"),
        ("openpgp4fpr:ABCDEF", None, "not an https URI"),
        (KEY_URL, None, "the key could not be fetched (HTTP 404)"),
        (KEY_URL, "<html>Our key</html>", "Not an OpenPGP public key"),
        ("https://dead.example/pgp.asc", None, "the key could not be fetched (http_error"),
    ],
)
def test_a_key_that_cannot_be_had_is_recorded_as_a_problem(
    cvd_world: World, web: Web, encryption: str, answer: str | None, problem: str
) -> None:
    if answer is not None:
        web.serve(encryption, answer)
    observe_security_txt(cvd_world.vendor_a, security_txt(encryption=encryption))
    found = contacts.resolve_contact(cvd_world.participant_a)
    assert (found.address, found.key) == ("psirt@acme.example", None)
    assert found.problem.startswith(encryption)
    assert problem in found.problem


# Registering a security contact --------------------------------------------------------


def test_an_admin_registers_a_contact_with_a_key_and_it_is_audited(
    cvd_world: World, key: pysequoia.Tsk
) -> None:
    saved = contacts.set_security_contact(
        actor=cvd_world.vendor_a_admin,
        organisation=cvd_world.vendor_a,
        email=" cert@acme.example ",
        openpgp_key=public(key),
    )
    assert (saved.email, saved.fingerprint) == ("cert@acme.example", fingerprint(key))
    assert openpgp.read_public_key(saved.openpgp_key).fingerprint == fingerprint(key)
    event = Event.objects.get(tag="cvd:contact:update")
    assert event.data["fingerprint"] == fingerprint(key)
    # Saved again without a key: mail goes unencrypted.
    again = contacts.set_security_contact(
        actor=cvd_world.vendor_a_admin, organisation=cvd_world.vendor_a, email="cert@acme.example"
    )
    assert (again.pk, again.openpgp_key, again.fingerprint) == (saved.pk, "", "")


@pytest.mark.parametrize("who", ["vendor_b_member", "outsider", "coordinator"])
def test_only_the_organisations_admins_register_its_contact(cvd_world: World, who: str) -> None:
    with pytest.raises(NotAllowed):
        contacts.set_security_contact(
            actor=getattr(cvd_world, who), organisation=cvd_world.vendor_a, email="x@acme.example"
        )
    assert not SecurityContact.objects.exists()


@pytest.mark.parametrize(
    ("email", "key_text", "field_name", "message"),
    [
        ("not-an-email", "", "email", "Give the security contact's email address."),
        ("a" * 250 + "@x.example", "", "email", "Give the security contact's email address."),
        ("cert@acme.example", "garbage", "openpgp_key", "Not an OpenPGP public key"),
    ],
)
def test_a_bad_address_or_key_is_refused_naming_the_field(
    cvd_world: World, email: str, key_text: str, field_name: str, message: str
) -> None:
    with pytest.raises(InvalidField) as refused:
        contacts.set_security_contact(
            actor=cvd_world.vendor_a_admin,
            organisation=cvd_world.vendor_a,
            email=email,
            openpgp_key=key_text,
        )
    assert refused.value.field == field_name
    assert str(refused.value).startswith(message)
    assert not SecurityContact.objects.exists()


def test_a_secret_key_is_refused_and_never_stored(cvd_world: World, key: pysequoia.Tsk) -> None:
    with pytest.raises(InvalidField, match="secret key") as refused:
        contacts.set_security_contact(
            actor=cvd_world.vendor_a_admin,
            organisation=cvd_world.vendor_a,
            email="cert@acme.example",
            openpgp_key=str(key),
        )
    assert refused.value.field == "openpgp_key"
    assert not SecurityContact.objects.exists()


def test_a_fetch_from_code_that_runs_an_event_loop_gets_a_loop_of_its_own() -> None:
    import asyncio
    import threading

    async def where() -> str:
        return threading.current_thread().name

    async def from_a_loop() -> tuple[str, str]:
        # As under an ASGI server: the fetch runs to completion in a thread of its own.
        return threading.current_thread().name, contacts._run(where())

    caller, fetcher = asyncio.run(from_a_loop())
    assert caller != fetcher
