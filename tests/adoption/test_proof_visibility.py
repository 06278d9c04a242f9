"""Public proof: only what the organisation published, and never an unaccepted document."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from accord.accounts.models import Organisation
from accord.accounts.permissions import Permission, has_perm
from accord.adoption.models import PublicationPreference

pytestmark = pytest.mark.django_db


def _proof(organisation: Organisation, **fields: Any) -> SimpleNamespace:
    return SimpleNamespace(commitment=SimpleNamespace(organisation=organisation), **fields)


@pytest.mark.parametrize(
    ("review", "visible"), [("pending", False), ("rejected", False), ("accepted", True)]
)
def test_a_public_document_is_shown_to_visitors_only_once_accepted(
    org_a: Organisation, review: str, visible: bool
) -> None:
    PublicationPreference.objects.create(organisation=org_a, public_profile=True)
    document = _proof(org_a, is_public=True, review=review)
    assert has_perm(AnonymousUser(), Permission.PROOF_VIEW, document) is visible


def test_proof_of_an_unpublished_organisation_stays_private(org_a: Organisation) -> None:
    attestation = _proof(org_a, is_public=True)
    assert not has_perm(AnonymousUser(), Permission.PROOF_VIEW, attestation)


def test_members_of_another_organisation_see_no_private_proof(
    org_a: Organisation, bob: Any
) -> None:
    attestation = _proof(org_a, is_public=False)
    assert not has_perm(bob, Permission.PROOF_VIEW, attestation)
