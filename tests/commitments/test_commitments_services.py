"""Committing, proving, reviewing and publishing through the services, and the derived
status following the evidence engine: what is stored, what is refused, what is recorded."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accord.accounts.models import Organisation, User
from accord.audit.models import Event
from accord.catalogue.models import CatalogueVersion, Practice
from accord.commitments import services
from accord.commitments.exceptions import (
    AlreadyCommitted,
    AlreadyReviewed,
    CommitmentWithdrawn,
    InvalidInput,
    NotAllowed,
    UnknownPractice,
    UnknownProfile,
    UnsupportedFileType,
    UploadTooLarge,
)
from accord.commitments.models import (
    Attestation,
    Commitment,
    EvidenceDocument,
    PublicationPreference,
    Status,
    StatusChange,
)
from accord.evidence.models import Domain

pytestmark = pytest.mark.usefixtures("catalogue")

AUTOMATED = "cvd.security-txt"  # automated:security-txt
DOCUMENT = "cvd.safe-harbour"
ATTESTED = "sharing.isac-membership"
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
DAY = timedelta(days=1)


@pytest.fixture
def t0() -> datetime:
    return timezone.now().replace(microsecond=0)


def commit(
    organisation: Organisation, actor: Any, practice: str = AUTOMATED, **kwargs: Any
) -> Commitment:
    kwargs.setdefault("target_date", timezone.localdate() + 90 * DAY)
    return services.commit_to_practice(
        organisation=organisation, practice_id=practice, actor=actor, **kwargs
    )


def history(commitment: Commitment) -> list[tuple[str, str]]:
    return [(c.from_status, c.to_status) for c in commitment.status_changes.all()]


def tags(prefix: str = "commitments:") -> list[str]:
    return list(
        Event.objects.filter(tag__startswith=prefix).order_by("seq").values_list("tag", flat=True)
    )


def pdf(name: str = "policy.pdf", data: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


class TestCommitting:
    def test_an_admin_commits_and_it_is_recorded(self, alice: User, org_a: Organisation) -> None:
        commitment = commit(org_a, alice)

        assert commitment.status == Status.COMMITTED
        assert commitment.committed_by == alice
        assert history(commitment) == [("", Status.COMMITTED)]
        assert "target date" in commitment.status_changes.get().cause
        assert tags() == ["commitments:commitment:create"]

    @pytest.mark.parametrize("who", ["carol", "bob", "secretariat"])
    def test_only_the_organisations_admins_commit(
        self, who: str, request: pytest.FixtureRequest, org_a: Organisation
    ) -> None:
        with pytest.raises(NotAllowed, match="Only the admins of Alpha Systems"):
            commit(org_a, request.getfixturevalue(who))
        assert not Commitment.objects.exists()
        assert tags() == []

    def test_an_unknown_practice_is_refused(self, alice: User, org_a: Organisation) -> None:
        with pytest.raises(UnknownPractice, match=r"no practice “cvd\.nope”"):
            commit(org_a, alice, "cvd.nope")
        assert not Commitment.objects.exists()

    def test_a_withdrawn_practice_is_refused(self, alice: User, org_a: Organisation) -> None:
        Practice.objects.filter(slug=DOCUMENT).update(withdrawn_in="1.1.0")
        with pytest.raises(UnknownPractice):
            commit(org_a, alice, DOCUMENT)

    def test_a_target_date_in_the_past_is_refused(self, alice: User, org_a: Organisation) -> None:
        with pytest.raises(InvalidInput, match="in the past"):
            commit(org_a, alice, target_date=timezone.localdate() - DAY)
        assert not Commitment.objects.exists()

    def test_today_is_a_valid_target_date(self, alice: User, org_a: Organisation) -> None:
        assert commit(org_a, alice, target_date=timezone.localdate()).pk

    def test_a_target_date_decades_away_is_refused(self, alice: User, org_a: Organisation) -> None:
        with pytest.raises(InvalidInput, match="within 10 years"):
            commit(org_a, alice, target_date=timezone.localdate().replace(year=2099))

    def test_committing_twice_is_refused(self, alice: User, org_a: Organisation) -> None:
        commit(org_a, alice)
        with pytest.raises(AlreadyCommitted):
            commit(org_a, alice)
        assert Commitment.objects.count() == 1

    def test_withdrawn_then_committed_again(self, alice: User, org_a: Organisation) -> None:
        first = commit(org_a, alice)
        services.withdraw_commitment(commitment=first, actor=alice)
        second = commit(org_a, alice)

        assert second.pk != first.pk
        assert list(Commitment.objects.active()) == [second]
        assert "commitments:commitment:withdraw" in tags()
        with pytest.raises(CommitmentWithdrawn):
            services.withdraw_commitment(commitment=first, actor=alice)

    def test_a_member_cannot_withdraw(self, alice: User, carol: User, org_a: Organisation) -> None:
        commitment = commit(org_a, alice)
        with pytest.raises(NotAllowed):
            services.withdraw_commitment(commitment=commitment, actor=carol)


class TestCommittingToAProfile:
    def test_the_cvd_baseline_at_once(
        self, alice: User, org_a: Organisation, catalogue: CatalogueVersion
    ) -> None:
        result = services.commit_to_profile(
            organisation=org_a,
            profile_slug="cvd-baseline",
            target_date=timezone.localdate() + 30 * DAY,
            actor=alice,
        )
        slugs = {c.practice.slug for c in result.created}
        assert len(slugs) == 8
        assert {AUTOMATED, DOCUMENT, "secure-by-default.https-hsts"} <= slugs
        assert result.skipped == []
        assert all(history(c) == [("", Status.COMMITTED)] for c in result.created)
        assert "profile cvd-baseline" in result.created[0].status_changes.get().cause

    def test_practices_already_committed_are_skipped(
        self, alice: User, org_a: Organisation
    ) -> None:
        existing = commit(org_a, alice)
        result = services.commit_to_profile(
            organisation=org_a,
            profile_slug="cvd-baseline",
            target_date=timezone.localdate() + 30 * DAY,
            actor=alice,
        )
        assert result.skipped == [AUTOMATED]
        assert len(result.created) == 7
        assert Commitment.objects.get(practice__slug=AUTOMATED) == existing

    def test_an_unknown_profile_commits_nothing(self, alice: User, org_a: Organisation) -> None:
        with pytest.raises(UnknownProfile):
            services.commit_to_profile(
                organisation=org_a,
                profile_slug="nope",
                target_date=timezone.localdate(),
                actor=alice,
            )
        assert not Commitment.objects.exists()

    def test_a_past_date_commits_nothing(self, alice: User, org_a: Organisation) -> None:
        with pytest.raises(InvalidInput):
            services.commit_to_profile(
                organisation=org_a,
                profile_slug="cvd-baseline",
                target_date=timezone.localdate() - DAY,
                actor=alice,
            )
        assert not Commitment.objects.exists()

    def test_several_practices_are_all_or_nothing(self, alice: User, org_a: Organisation) -> None:
        with pytest.raises(UnknownPractice, match=r"cvd\.nope"):
            services.commit_to_practices(
                organisation=org_a,
                practice_ids=[AUTOMATED, "cvd.nope"],
                target_date=timezone.localdate(),
                actor=alice,
            )
        assert not Commitment.objects.exists()


class TestFollowingTheEvidence:
    def test_passing_evidence_verifies(
        self, alice: User, org_a: Organisation, alpha_domain: Domain, observe: Any, t0: datetime
    ) -> None:
        commitment = commit(org_a, alice, now=t0)
        observation = observe(alpha_domain, "security-txt", "pass", t0 + DAY)

        commitment.refresh_from_db()
        assert commitment.status == Status.VERIFIED
        assert commitment.first_verified_at == t0 + DAY
        change = commitment.status_changes.last()
        assert change is not None
        assert change.observation == observation
        assert change.changed_at == t0 + DAY
        assert tags()[-1] == "commitments:commitment:status"

    def test_evidence_of_another_check_changes_nothing(
        self, alice: User, org_a: Organisation, alpha_domain: Domain, observe: Any, t0: datetime
    ) -> None:
        commitment = commit(org_a, alice, now=t0)
        observe(alpha_domain, "vdp", "pass", t0 + DAY)
        commitment.refresh_from_db()
        assert commitment.status == Status.COMMITTED

    def test_evidence_passing_before_the_commitment_verifies_it_at_once(
        self, alice: User, org_a: Organisation, alpha_domain: Domain, observe: Any, t0: datetime
    ) -> None:
        observe(alpha_domain, "security-txt", "pass", t0 - 3 * DAY)
        commitment = commit(org_a, alice, now=t0)
        assert commitment.status == Status.VERIFIED
        assert history(commitment) == [("", "committed"), ("committed", "verified")]

    def test_lapse_after_grace_and_recovery(
        self, alice: User, org_a: Organisation, alpha_domain: Domain, observe: Any, t0: datetime
    ) -> None:
        commitment = commit(org_a, alice, now=t0)
        observe(alpha_domain, "security-txt", "pass", t0 + DAY)
        observe(alpha_domain, "security-txt", "fail", t0 + 2 * DAY)
        observe(alpha_domain, "security-txt", "fail", t0 + 10 * DAY)
        commitment.refresh_from_db()
        assert commitment.status == Status.VERIFIED  # within the grace period

        observe(alpha_domain, "security-txt", "fail", t0 + 17 * DAY)
        commitment.refresh_from_db()
        assert commitment.status == Status.LAPSED

        observe(alpha_domain, "security-txt", "warn", t0 + 18 * DAY)
        commitment.refresh_from_db()
        assert commitment.status == Status.VERIFIED
        assert history(commitment) == [
            ("", "committed"),
            ("committed", "verified"),
            ("verified", "lapsed"),
            ("lapsed", "verified"),
        ]
        assert "passes again with recommendations" in commitment.status_changes.last().cause  # type: ignore[union-attr]
        assert tags().count("commitments:commitment:status") == 3

    def test_the_daily_refresh_lapses_without_new_evidence_and_is_idempotent(
        self, alice: User, org_a: Organisation, alpha_domain: Domain, observe: Any, t0: datetime
    ) -> None:
        commitment = commit(org_a, alice, now=t0)
        observe(alpha_domain, "security-txt", "pass", t0 + DAY)
        observe(alpha_domain, "security-txt", "fail", t0 + 2 * DAY)

        assert services.refresh_all_commitments(now=t0 + 10 * DAY) == 0
        assert services.refresh_all_commitments(now=t0 + 17 * DAY) == 1
        assert services.refresh_all_commitments(now=t0 + 17 * DAY) == 0
        assert services.refresh_all_commitments(now=t0 + 18 * DAY) == 0
        commitment.refresh_from_db()
        assert commitment.status == Status.LAPSED
        assert commitment.status_changes.count() == 3

    def test_a_refresh_for_an_earlier_moment_leaves_history_alone(
        self, alice: User, org_a: Organisation, alpha_domain: Domain, observe: Any, t0: datetime
    ) -> None:
        commitment = commit(org_a, alice, now=t0)
        observe(alpha_domain, "security-txt", "pass", t0 + 5 * DAY)
        assert services.refresh_commitment(commitment=commitment, now=t0 + DAY) is None
        commitment.refresh_from_db()
        assert commitment.status == Status.VERIFIED

    def test_every_domain_must_pass(
        self,
        alice: User,
        org_a: Organisation,
        alpha_domain: Domain,
        observe: Any,
        t0: datetime,
    ) -> None:
        shop = Domain.objects.create(
            organisation=org_a, name="shop.alpha.example", control="verified"
        )
        commitment = commit(org_a, alice, now=t0)
        observe(alpha_domain, "security-txt", "pass", t0 + DAY)
        observe(shop, "security-txt", "fail", t0 + DAY)
        commitment.refresh_from_db()
        assert commitment.status == Status.COMMITTED

        observe(shop, "security-txt", "pass", t0 + 2 * DAY)
        observe(shop, "security-txt", "fail", t0 + 3 * DAY)
        observe(alpha_domain, "security-txt", "pass", t0 + 20 * DAY)
        commitment.refresh_from_db()
        assert commitment.status == Status.LAPSED

    def test_withdrawn_commitments_no_longer_change(
        self, alice: User, org_a: Organisation, alpha_domain: Domain, observe: Any, t0: datetime
    ) -> None:
        commitment = commit(org_a, alice, now=t0)
        services.withdraw_commitment(commitment=commitment, actor=alice, now=t0)
        observe(alpha_domain, "security-txt", "pass", t0 + DAY)
        commitment.refresh_from_db()
        assert commitment.status == Status.COMMITTED

    def test_evidence_of_another_organisation_does_not_count(
        self, alice: User, org_a: Organisation, org_b: Organisation, observe: Any, t0: datetime
    ) -> None:
        commitment = commit(org_a, alice, now=t0)
        beta = Domain.objects.create(organisation=org_b, name="beta.example", control="verified")
        observe(beta, "security-txt", "pass", t0 + DAY)
        commitment.refresh_from_db()
        assert commitment.status == Status.COMMITTED


class TestAttesting:
    def test_an_attestation_implements(self, alice: User, org_a: Organisation) -> None:
        commitment = commit(org_a, alice, DOCUMENT)
        attestation = services.attest_implementation(
            commitment=commitment, text="  Our policy has safe harbour.  ", actor=alice
        )
        assert attestation.text == "Our policy has safe harbour."
        assert not attestation.is_public
        commitment.refresh_from_db()
        assert commitment.status == Status.IMPLEMENTED
        assert tags()[-2:] == ["commitments:attestation:create", "commitments:commitment:status"]

    def test_an_empty_attestation_is_refused(self, alice: User, org_a: Organisation) -> None:
        commitment = commit(org_a, alice, DOCUMENT)
        with pytest.raises(InvalidInput):
            services.attest_implementation(commitment=commitment, text=" \n ", actor=alice)
        assert not Attestation.objects.exists()

    def test_only_admins_attest(self, alice: User, carol: User, org_a: Organisation) -> None:
        commitment = commit(org_a, alice, DOCUMENT)
        with pytest.raises(NotAllowed):
            services.attest_implementation(commitment=commitment, text="yes", actor=carol)

    def test_a_withdrawn_commitment_takes_no_attestation(
        self, alice: User, org_a: Organisation
    ) -> None:
        commitment = commit(org_a, alice, DOCUMENT)
        services.withdraw_commitment(commitment=commitment, actor=alice)
        with pytest.raises(CommitmentWithdrawn):
            services.attest_implementation(commitment=commitment, text="yes", actor=alice)


class TestUploading:
    def test_a_pdf_is_kept_for_review(
        self, alice: User, org_a: Organisation, media_root: Path
    ) -> None:
        commitment = commit(org_a, alice, DOCUMENT)
        document = services.upload_document(
            commitment=commitment, uploaded_file=pdf("../../etc/Safe harbour.pdf"), actor=alice
        )
        assert document.filename == "Safe harbour.pdf"
        assert document.content_type == "application/pdf"
        assert document.size == len(PDF)
        assert len(document.sha256) == 64
        assert document.review == EvidenceDocument.Review.PENDING
        [stored] = stored_files(media_root)
        assert stored.read_bytes() == PDF
        assert "Safe" not in stored.name  # stored under a random name
        commitment.refresh_from_db()
        assert commitment.status == Status.IMPLEMENTED
        assert "commitments:document:upload" in tags()

    @pytest.mark.parametrize(
        ("name", "data"),
        [
            ("policy.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100),  # an .exe
            ("policy.exe", PDF),
            ("notes.txt", b"\x00\x01binary\xff\xfe"),
            ("policy.html", b"<html><script>alert(1)</script></html>"),
            ("data.json", b"{not json"),
            ("policy", PDF),
        ],
    )
    def test_files_of_other_types_are_refused_and_nothing_is_stored(
        self, name: str, data: bytes, alice: User, org_a: Organisation, media_root: Path
    ) -> None:
        commitment = commit(org_a, alice, DOCUMENT)
        with pytest.raises(UnsupportedFileType):
            services.upload_document(
                commitment=commitment, uploaded_file=pdf(name, data), actor=alice
            )
        assert not EvidenceDocument.objects.exists()
        assert stored_files(media_root) == []
        commitment.refresh_from_db()
        assert commitment.status == Status.COMMITTED

    def test_a_file_over_the_cap_is_refused_and_nothing_is_stored(
        self, alice: User, org_a: Organisation, media_root: Path, settings: Any
    ) -> None:
        settings.ACCORD_UPLOAD_MAX_BYTES = 1024
        commitment = commit(org_a, alice, DOCUMENT)
        with pytest.raises(UploadTooLarge, match="1 KiB limit"):
            services.upload_document(
                commitment=commitment, uploaded_file=pdf(data=PDF + b" " * 1024), actor=alice
            )
        assert not EvidenceDocument.objects.exists()
        assert stored_files(media_root) == []

    def test_the_default_cap_is_ten_mebibytes(self) -> None:
        assert services.upload_max_bytes() == 10 * 1024 * 1024

    def test_an_empty_file_is_refused(self, alice: User, org_a: Organisation) -> None:
        commitment = commit(org_a, alice, DOCUMENT)
        with pytest.raises(InvalidInput, match="empty"):
            services.upload_document(
                commitment=commitment, uploaded_file=pdf(data=b""), actor=alice
            )

    def test_automated_practices_take_no_documents(self, alice: User, org_a: Organisation) -> None:
        commitment = commit(org_a, alice, AUTOMATED)
        with pytest.raises(InvalidInput, match="evidence engine"):
            services.upload_document(commitment=commitment, uploaded_file=pdf(), actor=alice)

    def test_only_admins_upload(self, alice: User, carol: User, org_a: Organisation) -> None:
        commitment = commit(org_a, alice, DOCUMENT)
        with pytest.raises(NotAllowed):
            services.upload_document(commitment=commitment, uploaded_file=pdf(), actor=carol)
        assert not EvidenceDocument.objects.exists()


class TestReviewing:
    @pytest.fixture
    def document(self, alice: User, org_a: Organisation) -> EvidenceDocument:
        commitment = commit(org_a, alice, DOCUMENT)
        return services.upload_document(commitment=commitment, uploaded_file=pdf(), actor=alice)

    def test_acceptance_verifies(self, document: EvidenceDocument, secretariat: User) -> None:
        services.review_document(document=document, accept=True, note="", reviewer=secretariat)
        document.refresh_from_db()
        assert document.review == EvidenceDocument.Review.ACCEPTED
        assert document.reviewed_by == secretariat
        commitment = document.commitment
        commitment.refresh_from_db()
        assert commitment.status == Status.VERIFIED
        assert "accepted by the secretariat" in commitment.status_changes.last().cause  # type: ignore[union-attr]
        assert tags()[-2:] == ["commitments:document:review", "commitments:commitment:status"]

    def test_a_rejection_needs_a_note(self, document: EvidenceDocument, secretariat: User) -> None:
        with pytest.raises(InvalidInput, match="Say why"):
            services.review_document(
                document=document, accept=False, note=" ", reviewer=secretariat
            )
        document.refresh_from_db()
        assert document.review == EvidenceDocument.Review.PENDING

    @pytest.mark.parametrize("who", ["alice", "bob", "carol"])
    def test_only_the_secretariat_reviews(
        self, who: str, request: pytest.FixtureRequest, document: EvidenceDocument
    ) -> None:
        with pytest.raises(NotAllowed):
            services.review_document(
                document=document, accept=True, note="", reviewer=request.getfixturevalue(who)
            )

    def test_a_document_is_reviewed_once(
        self, document: EvidenceDocument, secretariat: User
    ) -> None:
        services.review_document(document=document, accept=True, note="", reviewer=secretariat)
        with pytest.raises(AlreadyReviewed):
            services.review_document(
                document=document, accept=False, note="no", reviewer=secretariat
            )

    def test_a_rejected_newer_document_lapses_the_commitment(
        self, document: EvidenceDocument, secretariat: User, alice: User
    ) -> None:
        services.review_document(document=document, accept=True, note="", reviewer=secretariat)
        newer = services.upload_document(
            commitment=document.commitment, uploaded_file=pdf("v2.pdf"), actor=alice
        )
        commitment = Commitment.objects.get(pk=document.commitment_id)
        assert commitment.status == Status.VERIFIED  # a pending upload changes nothing yet
        services.review_document(
            document=newer, accept=False, note="No safe harbour clause.", reviewer=secretariat
        )
        commitment.refresh_from_db()
        assert commitment.status == Status.LAPSED

    def test_attestation_practices_are_verified_by_an_accepted_declaration(
        self, alice: User, org_a: Organisation, secretariat: User
    ) -> None:
        commitment = commit(org_a, alice, ATTESTED)
        services.attest_implementation(commitment=commitment, text="We are in FIRST.", actor=alice)
        commitment.refresh_from_db()
        assert commitment.status == Status.IMPLEMENTED
        declaration = services.upload_document(
            commitment=commitment, uploaded_file=pdf("declaration.pdf"), actor=alice
        )
        services.review_document(document=declaration, accept=True, note="", reviewer=secretariat)
        commitment.refresh_from_db()
        assert commitment.status == Status.VERIFIED


class TestPublication:
    def test_an_admin_publishes(self, alice: User, org_a: Organisation) -> None:
        preference = services.set_publication(
            organisation=org_a, public_profile=True, badges=False, actor=alice
        )
        assert preference.public_profile
        assert not preference.badges
        assert PublicationPreference.objects.get(organisation=org_a).public_profile
        assert tags() == ["commitments:publication:update"]

    @pytest.mark.parametrize("who", ["carol", "bob", "secretariat"])
    def test_only_the_organisations_admins_publish(
        self, who: str, request: pytest.FixtureRequest, org_a: Organisation
    ) -> None:
        with pytest.raises(NotAllowed):
            services.set_publication(
                organisation=org_a,
                public_profile=True,
                badges=True,
                actor=request.getfixturevalue(who),
            )
        assert not PublicationPreference.objects.exists()


class TestVisibility:
    def test_proof_is_visible_to_members_and_public_only_with_both_flags(
        self, alice: User, bob: User, org_a: Organisation
    ) -> None:
        commitment = commit(org_a, alice, DOCUMENT)
        private = services.attest_implementation(commitment=commitment, text="a", actor=alice)
        public = services.attest_implementation(
            commitment=commitment, text="b", actor=alice, is_public=True
        )
        assert set(Attestation.objects.visible_to(alice)) == {private, public}
        assert list(Attestation.objects.visible_to(bob)) == []

        services.set_publication(organisation=org_a, public_profile=True, badges=False, actor=alice)
        assert list(Attestation.objects.visible_to(bob)) == [public]
        assert list(Commitment.objects.visible_to(bob)) == [commitment]

    def test_status_changes_are_kept_with_time_and_cause(
        self, alice: User, org_a: Organisation, t0: datetime
    ) -> None:
        commitment = commit(org_a, alice, DOCUMENT, now=t0)
        change = StatusChange.objects.get(commitment=commitment)
        assert change.changed_at == t0
        assert change.cause


class TestDailyTask:
    def test_the_task_lapses_what_time_alone_lapsed(
        self, alice: User, org_a: Organisation, alpha_domain: Domain, observe: Any
    ) -> None:
        from accord.commitments.tasks import refresh_all_commitments_task

        long_ago = timezone.now() - 40 * DAY
        commitment = commit(org_a, alice, now=long_ago, target_date=long_ago.date())
        observe(alpha_domain, "security-txt", "pass", long_ago + DAY)
        observe(alpha_domain, "security-txt", "fail", long_ago + 2 * DAY)

        assert refresh_all_commitments_task.call() == 1
        assert refresh_all_commitments_task.call() == 0
        commitment.refresh_from_db()
        assert commitment.status == Status.LAPSED
        assert commitment.is_overdue()
