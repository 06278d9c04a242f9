"""Public proof: only what the organisation published, and never an unaccepted document."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import Membership, Organisation, User
from accord.accounts.permissions import Permission, has_perm
from accord.catalogue.models import CatalogueVersion
from accord.commitments import services
from accord.commitments.models import (
    Attestation,
    Commitment,
    EvidenceDocument,
    PublicationPreference,
)

pytestmark = pytest.mark.django_db


def test_an_object_that_is_not_proof_is_refused(org_a: Organisation, alice: User) -> None:
    # The rule answers from the object's own queryset; something without one is refused.
    stand_in = SimpleNamespace(pk=1, commitment=SimpleNamespace(organisation=org_a))
    assert not has_perm(alice, Permission.PROOF_VIEW, stand_in)
    assert not has_perm(AnonymousUser(), Permission.PROOF_VIEW, stand_in)


# Against the database: the commitment page and the queryset ------------------------------

DOCUMENT_PRACTICE = "cvd.safe-harbour"
REJECTION_NOTE = "REJECTION-NOTE-NOT-FOR-THE-PUBLIC"


def _upload(commitment: Commitment, actor: User, filename: str) -> EvidenceDocument:
    file = SimpleUploadedFile(filename, b"%PDF-1.7\n%%EOF\n", content_type="application/pdf")
    return services.upload_document(
        commitment=commitment, uploaded_file=file, actor=actor, is_public=True
    )


@pytest.fixture
def public_documents(
    catalogue: CatalogueVersion, alice: User, secretariat: User, org_a: Organisation
) -> dict[str, EvidenceDocument]:
    """Alpha publishes its profile; three documents marked public, one per review state."""
    services.set_publication(organisation=org_a, public_profile=True, badges=False, actor=alice)
    commitment = services.commit_to_practice(
        organisation=org_a,
        practice_id=DOCUMENT_PRACTICE,
        target_date=timezone.localdate() + timedelta(days=90),
        actor=alice,
    )
    documents = {
        review: _upload(commitment, alice, f"{review}-policy.pdf")
        for review in ("pending", "rejected", "accepted")
    }
    services.review_document(
        document=documents["rejected"], accept=False, note=REJECTION_NOTE, reviewer=secretariat
    )
    services.review_document(
        document=documents["accepted"], accept=True, note="", reviewer=secretariat
    )
    return documents


@pytest.mark.parametrize("viewer", ["anonymous", "other_organisation"])
def test_the_public_commitment_page_shows_only_accepted_documents(
    viewer: str,
    client: Client,
    client_for: Any,
    bob: User,
    public_documents: dict[str, EvidenceDocument],
) -> None:
    browser = client if viewer == "anonymous" else client_for(bob)
    url = reverse("commitments:commitment", args=["alpha", DOCUMENT_PRACTICE])
    response = browser.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "accepted-policy.pdf" in html
    assert "pending-policy.pdf" not in html
    assert "rejected-policy.pdf" not in html
    assert REJECTION_NOTE not in html


def test_visible_to_anonymous_excludes_unaccepted_documents(
    public_documents: dict[str, EvidenceDocument],
) -> None:
    visible = set(EvidenceDocument.objects.visible_to(AnonymousUser()))
    assert visible == {public_documents["accepted"]}


# has_perm and visible_to agree, for every viewer and every kind of proof -----------------

VIEWERS = ["anonymous", "member", "org_admin", "other_member", "secretariat", "inactive"]


@pytest.fixture
def viewers(
    make_user: Any, org_a: Organisation, alice: User, carol: User, bob: User, secretariat: User
) -> dict[str, Any]:
    inactive = make_user("gone@alpha.example", is_active=False)
    Membership.objects.create(user=inactive, organisation=org_a, role=Membership.Role.MEMBER)
    return {
        "anonymous": AnonymousUser(),
        "member": carol,
        "org_admin": alice,
        "other_member": bob,
        "secretariat": secretariat,
        "inactive": inactive,
    }


@pytest.fixture
def every_proof(catalogue: CatalogueVersion, org_a: Organisation, alice: User) -> list[Any]:
    """Alpha's attestations (public or not) and documents (each review state, public or
    not), written straight to the database."""
    commitment = services.commit_to_practice(
        organisation=org_a,
        practice_id=DOCUMENT_PRACTICE,
        target_date=timezone.localdate() + timedelta(days=90),
        actor=alice,
    )
    proof: list[Any] = []
    for is_public in (True, False):
        proof.append(
            Attestation.objects.create(commitment=commitment, text="We do.", is_public=is_public)
        )
        for review in EvidenceDocument.Review.values:
            proof.append(
                EvidenceDocument.objects.create(
                    commitment=commitment,
                    file="evidence-documents/x.pdf",
                    filename=f"{review}-{is_public}.pdf",
                    content_type="application/pdf",
                    size=10,
                    sha256="0" * 64,
                    review=review,
                    is_public=is_public,
                )
            )
    return proof


def _expected(viewer: str, proof: Any, published: bool) -> bool:
    if viewer in ("member", "org_admin", "secretariat"):
        return True
    accepted = getattr(proof, "review", EvidenceDocument.Review.ACCEPTED) == "accepted"
    return bool(proof.is_public and published and accepted)


@pytest.mark.parametrize("published", [True, False])
@pytest.mark.parametrize("viewer", VIEWERS)
def test_has_perm_is_membership_of_visible_to(
    viewer: str,
    published: bool,
    org_a: Organisation,
    viewers: dict[str, Any],
    every_proof: list[Any],
) -> None:
    PublicationPreference.objects.create(organisation=org_a, public_profile=published)
    user = viewers[viewer]
    assert len(every_proof) == 8
    for proof in every_proof:
        in_queryset = type(proof).objects.visible_to(user).filter(pk=proof.pk).exists()
        allowed = has_perm(user, Permission.PROOF_VIEW, proof)
        label = f"{type(proof).__name__} {getattr(proof, 'review', '-')} public={proof.is_public}"
        assert allowed is in_queryset, label
        assert allowed is _expected(viewer, proof, published), label
