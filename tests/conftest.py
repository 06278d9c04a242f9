"""Shared fixtures: people, organisations, the loaded catalogue, domains and observations."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, TestCase
from django.utils import timezone
from hypothesis.configuration import set_hypothesis_home_dir

from accord.accounts.models import Membership, Organisation, TotpDevice, User
from accord.accounts.sessions import TWO_FACTOR_PASSED_KEY
from accord.catalogue.models import CatalogueVersion
from accord.catalogue.services import load_catalogue
from accord.catalogue.validation import BUNDLED
from accord.engine.types import CheckResult, Status
from accord.evidence import services as evidence
from accord.evidence.models import Domain, Observation
from tests.corpus import check_corpus

# Hypothesis keeps its caches (and any example database a test does not turn off) under
# var/, which git ignores, rather than in a .hypothesis folder in the work tree.
set_hypothesis_home_dir(Path(__file__).resolve().parents[1] / "var" / "hypothesis")


def pytest_runtest_setup(item: pytest.Item) -> None:
    check_corpus(item)


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> None:
    # Argon2 is slow on purpose; tests that check hashing ask for it explicitly.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The manifest exists only after collectstatic; tests serve files from the finders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def password() -> str:
    return "correct horse battery staple 42"


@pytest.fixture
def make_user(db: None, password: str) -> Any:
    def make(email: str, **extra: Any) -> User:
        # People in tests have confirmed their address, as invited members have; a test
        # of the unconfirmed state says so with email_verified_at=None.
        extra.setdefault("email_verified_at", timezone.now())
        return User.objects.create_user(email=email, password=password, **extra)

    return make


@pytest.fixture
def org_a(db: None) -> Organisation:
    return Organisation.objects.create(name="Alpha Systems", slug="alpha", sector="software")


@pytest.fixture
def org_b(db: None) -> Organisation:
    return Organisation.objects.create(name="Beta Energy", slug="beta", sector="energy")


@pytest.fixture
def alice(make_user: Any, org_a: Organisation) -> User:
    """Org admin of Alpha."""
    user = make_user("alice@alpha.example")
    Membership.objects.create(user=user, organisation=org_a, role=Membership.Role.ORG_ADMIN)
    return user


@pytest.fixture
def bob(make_user: Any, org_b: Organisation) -> User:
    """Plain member of Beta."""
    user = make_user("bob@beta.example")
    Membership.objects.create(user=user, organisation=org_b, role=Membership.Role.MEMBER)
    return user


@pytest.fixture
def secretariat(make_user: Any) -> User:
    """A secretariat admin with two-factor authentication set up."""
    user = make_user("sec@accord.example", instance_role=User.InstanceRole.SECRETARIAT)
    TotpDevice.objects.create(user=user, secret="JBSWY3DPEHPK3PXP", confirmed_at=timezone.now())
    return user


@pytest.fixture
def client_for(password: str) -> Any:
    def login(user: User) -> Client:
        client = Client()
        client.force_login(user)
        # force_login skips the sign-in views; mark the session as past the code step.
        session = client.session
        session[TWO_FACTOR_PASSED_KEY] = user.pk
        session.save()
        return client

    return login


@pytest.fixture
def catalogue(db: None) -> CatalogueVersion:
    """The bundled catalogue, loaded (skipped while its content is still being written)."""
    if not (BUNDLED / "profiles.yaml").is_file():
        pytest.skip(f"the bundled catalogue is not written yet ({BUNDLED}/profiles.yaml missing)")
    return load_catalogue()


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> Path:
    """Uploaded files go to a folder of the test's own, never the data directory."""
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def media_root(_media_root: Path) -> Path:
    return _media_root


@pytest.fixture
def alpha_domain(org_a: Organisation) -> Domain:
    """A domain of Alpha whose control Alpha has proven, so its evidence counts."""
    return Domain.objects.create(
        organisation=org_a, name="alpha.example", control="verified", verified_at=timezone.now()
    )


@pytest.fixture
def carol(make_user: Any, org_a: Organisation) -> User:
    """Plain member (not admin) of Alpha."""
    user = make_user("carol@alpha.example")
    Membership.objects.create(user=user, organisation=org_a, role=Membership.Role.MEMBER)
    return user


@pytest.fixture
def observe() -> Any:
    """Record one check's verdict on a domain through the evidence engine's service."""

    def record(domain: Domain, check_id: str, status: str, at: datetime) -> Observation:
        result = CheckResult(check_id, Status(status), url=f"https://{domain.name}/")
        # As in production, commitments follow once the observation is committed.
        with TestCase.captureOnCommitCallbacks(execute=True):
            return evidence.record_observation(
                domain=domain, check_id=check_id, result=result, now=at
            )

    return record
