"""Adoption fixtures: the bundled catalogue, a domain of Alpha, people, uploads kept in a
temporary media folder, and helpers to record evidence."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import TestCase

from accord.accounts.models import Domain, Membership, Organisation, User
from accord.catalogue.models import CatalogueVersion
from accord.catalogue.services import load_catalogue
from accord.catalogue.validation import BUNDLED
from accord.engine.types import CheckResult, Status
from accord.evidence import services as evidence
from accord.evidence.models import Observation


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
    return Domain.objects.create(organisation=org_a, name="alpha.example")


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
