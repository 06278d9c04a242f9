"""The refusals and edge cases of commitments' services and selectors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accord import errors
from accord.accounts import services as accounts
from accord.accounts.models import Organisation, User
from accord.commitments import selectors, services
from accord.commitments.models import Commitment, EvidenceDocument, Status
from accord.commitments.services import MAX_ATTESTATION_LENGTH, MAX_NOTE_LENGTH, DemoHistory
from accord.evidence.hooks import ObservationRecorded

pytestmark = pytest.mark.usefixtures("catalogue")
TARGET = timezone.localdate() + timedelta(days=90)
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def commit(organisation: Organisation, actor: Any, practice: str) -> Commitment:
    return services.commit_to_practice(
        organisation=organisation, practice_id=practice, target_date=TARGET, actor=actor
    )


def test_committing_to_no_practice_names_the_field(alice: User, org_a: Organisation) -> None:
    with pytest.raises(services.InvalidInput) as refused:
        services.commit_to_practices(
            organisation=org_a, practice_ids=[], target_date=TARGET, actor=alice
        )
    assert refused.value.field == "practices"


def test_an_attestation_has_a_length_limit(alice: User, org_a: Organisation) -> None:
    commitment = commit(org_a, alice, "sharing.isac-membership")
    with pytest.raises(services.InvalidInput, match="under") as refused:
        services.attest_implementation(
            commitment=commitment, text="x" * (MAX_ATTESTATION_LENGTH + 1), actor=alice
        )
    assert refused.value.field == "text"
    assert not commitment.attestations.exists()


def test_a_review_note_has_a_length_limit(
    alice: User, secretariat: User, org_a: Organisation, media_root: Any
) -> None:
    commitment = commit(org_a, alice, "cvd.safe-harbour")
    document = services.upload_document(
        commitment=commitment,
        uploaded_file=SimpleUploadedFile("policy.pdf", PDF, content_type="application/pdf"),
        actor=alice,
    )
    with pytest.raises(services.InvalidInput) as refused:
        services.review_document(
            document=document, accept=False, note="n" * (MAX_NOTE_LENGTH + 1), reviewer=secretariat
        )
    assert refused.value.field == "note"
    document.refresh_from_db()
    assert document.review == EvidenceDocument.Review.PENDING


def test_an_observation_of_an_organisation_since_removed_changes_nothing(db: None) -> None:
    recorded = ObservationRecorded(
        observation_id=1, organisation_id=999_999, check_id="https-hsts", observed_at=timezone.now()
    )
    assert services.follow_observation(recorded) == 0


def test_refreshing_without_a_check_rederives_every_active_commitment(
    alice: User, org_a: Organisation
) -> None:
    commit(org_a, alice, "sharing.isac-membership")
    later = datetime.now(UTC) + timedelta(days=1)
    assert services.refresh_commitments_for(organisation=org_a, now=later) == 0
    assert Commitment.objects.get().status == Status.COMMITTED


def test_only_demo_organisations_history_is_imported_in_bulk(org_a: Organisation) -> None:
    made = Commitment(organisation=org_a, practice_id=1, target_date=TARGET)
    with pytest.raises(errors.NotAllowed, match="history"):
        services.import_demo_history(history=DemoHistory(commitments=[made]))
    assert not Commitment.objects.exists()


def test_a_scorecard_without_commitments_has_no_rows(alice: User, db: None) -> None:
    empty = accounts.create_organisation(name="Empty", slug="empty")
    card = selectors.scorecard(alice, empty)
    assert card.rows == []
