"""The scorecard and commitment pages over HTTP: who sees what, and who may change it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import Membership, Organisation, User
from accord.commitments import selectors, services
from accord.commitments.models import Commitment, EvidenceDocument, Status
from accord.evidence.models import Domain

pytestmark = pytest.mark.usefixtures("catalogue")

AUTOMATED = "cvd.security-txt"
DOCUMENT = "cvd.safe-harbour"
PDF = b"%PDF-1.7\n%%EOF\n"
DAY = timedelta(days=1)


def scorecard_url(slug: str = "alpha") -> str:
    return reverse("commitments:scorecard", args=[slug])


def commitment_url(practice: str = DOCUMENT, slug: str = "alpha") -> str:
    return reverse("commitments:commitment", args=[slug, practice])


def future(days: int = 90) -> str:
    return (timezone.localdate() + days * DAY).isoformat()


def commit(organisation: Organisation, actor: User, practice: str = DOCUMENT) -> Commitment:
    return services.commit_to_practice(
        organisation=organisation,
        practice_id=practice,
        target_date=timezone.localdate() + 90 * DAY,
        actor=actor,
    )


def publish(organisation: Organisation, admin: User) -> None:
    services.set_publication(
        organisation=organisation, public_profile=True, badges=False, actor=admin
    )


def upload(commitment: Commitment, admin: User, *, is_public: bool = False) -> EvidenceDocument:
    file = SimpleUploadedFile("policy.pdf", PDF, content_type="application/pdf")
    return services.upload_document(
        commitment=commitment, uploaded_file=file, actor=admin, is_public=is_public
    )


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.fixture
def proven(alice: User, org_a: Organisation) -> dict[str, Any]:
    """Alpha committed to the safe-harbour practice with private and public proof."""
    commitment = commit(org_a, alice)
    return {
        "commitment": commitment,
        "private_attestation": services.attest_implementation(
            commitment=commitment, text="PRIVATE-ATTESTATION-TEXT", actor=alice
        ),
        "public_attestation": services.attest_implementation(
            commitment=commitment, text="PUBLIC-ATTESTATION-TEXT", actor=alice, is_public=True
        ),
        "private_document": upload(commitment, alice),
        "public_document": upload(commitment, alice, is_public=True),
    }


class TestWhoSeesTheScorecard:
    def test_members_see_their_scorecard(
        self, client_for: Any, alice: User, proven: dict[str, Any]
    ) -> None:
        page = client_for(alice).get(scorecard_url())
        assert page.status_code == 200
        html = page.content.decode()
        assert "Alpha Systems: scorecard" in html
        assert DOCUMENT in html
        assert "Members only" in html
        assert "Commit to practices" in html
        assert "implemented" in html

    @pytest.mark.parametrize("url", [scorecard_url(), commitment_url()])
    def test_another_member_gets_404(
        self, url: str, client_for: Any, bob: User, proven: dict[str, Any]
    ) -> None:
        assert client_for(bob).get(url).status_code == 404

    @pytest.mark.parametrize("url", [scorecard_url(), commitment_url()])
    def test_signed_out_visitors_get_404(
        self, url: str, client: Client, proven: dict[str, Any]
    ) -> None:
        assert client.get(url).status_code == 404

    def test_an_unknown_organisation_answers_as_a_hidden_one(
        self, client_for: Any, bob: User
    ) -> None:
        assert client_for(bob).get(scorecard_url("nope")).status_code == 404

    def test_published_scorecards_are_public_but_private_proof_is_not(
        self,
        client: Client,
        alice: User,
        secretariat: User,
        org_a: Organisation,
        proven: dict[str, Any],
    ) -> None:
        publish(org_a, alice)
        public_link = reverse("commitments:document", args=[proven["public_document"].pk])
        assert public_link not in client.get(commitment_url()).content.decode()  # pending
        services.review_document(
            document=proven["public_document"], accept=True, note="", reviewer=secretariat
        )
        page = client.get(commitment_url())
        assert page.status_code == 200
        html = page.content.decode()
        assert "PUBLIC-ATTESTATION-TEXT" in html
        assert "PRIVATE-ATTESTATION-TEXT" not in html
        assert public_link in html
        assert reverse("commitments:document", args=[proven["private_document"].pk]) not in html
        assert "Withdraw" not in html
        assert client.get(scorecard_url()).status_code == 200

    def test_the_secretariat_sees_every_scorecard(
        self, client_for: Any, secretariat: User, proven: dict[str, Any]
    ) -> None:
        html = client_for(secretariat).get(commitment_url()).content.decode()
        assert "PRIVATE-ATTESTATION-TEXT" in html
        assert "Commit to practices" not in html


class TestDocuments:
    def document_url(self, document: EvidenceDocument) -> str:
        return reverse("commitments:document", args=[document.pk])

    def test_members_download_as_an_attachment(
        self, client_for: Any, alice: User, proven: dict[str, Any]
    ) -> None:
        response = client_for(alice).get(self.document_url(proven["private_document"]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["Content-Security-Policy"] == "sandbox"

    @pytest.mark.parametrize("document", ["private_document", "public_document"])
    def test_another_member_gets_404_while_the_organisation_does_not_publish(
        self, document: str, client_for: Any, bob: User, proven: dict[str, Any]
    ) -> None:
        assert client_for(bob).get(self.document_url(proven[document])).status_code == 404

    def test_public_only_with_both_flags_and_once_accepted(
        self,
        client: Client,
        alice: User,
        secretariat: User,
        org_a: Organisation,
        proven: dict[str, Any],
    ) -> None:
        publish(org_a, alice)
        public = proven["public_document"]
        assert client.get(self.document_url(public)).status_code == 404
        services.review_document(document=public, accept=True, note="", reviewer=secretariat)
        assert client.get(self.document_url(public)).status_code == 200
        assert client.get(self.document_url(proven["private_document"])).status_code == 404


class TestScorecardContent:
    def test_evidence_links_and_history_for_members(
        self,
        client_for: Any,
        alice: User,
        org_a: Organisation,
        alpha_domain: Domain,
        observe: Any,
    ) -> None:
        start = timezone.now()
        commit(org_a, alice, AUTOMATED)
        observation = observe(alpha_domain, "security-txt", "pass", start + timedelta(minutes=1))
        html = client_for(alice).get(scorecard_url()).content.decode()
        assert reverse("evidence:observation", args=[observation.pk]) in html
        assert "alpha.example" in html
        assert "evidence passes" in html
        assert "committed → <strong>verified</strong>" in html
        assert "Verified. Nothing to do but keep it so." in html

    def test_public_viewers_get_the_verdict_without_member_evidence(
        self,
        client: Client,
        alice: User,
        org_a: Organisation,
        alpha_domain: Domain,
        observe: Any,
    ) -> None:
        commit(org_a, alice, AUTOMATED)
        observation = observe(alpha_domain, "security-txt", "fail", timezone.now() + DAY)
        publish(org_a, alice)
        html = client.get(scorecard_url()).content.decode()
        assert "verdict-fail" in html
        assert reverse("evidence:observation", args=[observation.pk]) not in html
        assert "alpha.example" not in html

    def test_failing_evidence_within_grace_says_when_it_lapses(
        self, alice: User, org_a: Organisation, alpha_domain: Domain, observe: Any
    ) -> None:
        start = timezone.now()
        commit(org_a, alice, AUTOMATED)
        observe(alpha_domain, "security-txt", "pass", start + DAY)
        observe(alpha_domain, "security-txt", "fail", start + 2 * DAY)
        card = selectors.scorecard(alice, org_a, now=start + 5 * DAY)
        [row] = card.rows
        assert row.status == Status.VERIFIED
        lapses_on = timezone.localdate(start + 16 * DAY)
        assert f"before {lapses_on:%d %B %Y}, or the commitment lapses" in row.next_step

    def test_overdue_is_flagged(self, client_for: Any, alice: User, org_a: Organisation) -> None:
        commitment = commit(org_a, alice)
        Commitment.objects.filter(pk=commitment.pk).update(
            target_date=timezone.localdate() - 3 * DAY
        )
        html = client_for(alice).get(scorecard_url()).content.decode()
        assert 'class="overdue"' in html
        assert "Overdue since" in html

    def test_coalition_average_is_hidden_below_five_organisations(
        self, client_for: Any, alice: User, org_a: Organisation
    ) -> None:
        commit(org_a, alice)
        html = client_for(alice).get(scorecard_url()).content.decode()
        assert "fewer than 5 organisations committed" in html

    def test_coalition_average_with_five_organisations(
        self, client_for: Any, alice: User, org_a: Organisation, make_user: Any, secretariat: User
    ) -> None:
        commit(org_a, alice)
        for index in range(4):
            other = Organisation.objects.create(name=f"Other {index}", slug=f"other-{index}")
            admin = make_user(f"admin{index}@other.example")
            Membership.objects.create(user=admin, organisation=other, role="org_admin")
            commitment = commit(other, admin)
            if index < 2:
                document = upload(commitment, admin)
                services.review_document(
                    document=document, accept=True, note="", reviewer=secretariat
                )
        html = client_for(alice).get(scorecard_url()).content.decode()
        assert "40% of 5 organisations verified" in html
        assert "0% of these commitments are verified" in html
        assert "across the coalition, 40%" in html


class TestCommitting:
    def test_an_admin_commits_to_a_profile(
        self, client_for: Any, alice: User, org_a: Organisation
    ) -> None:
        client = client_for(alice)
        assert client.get(reverse("commitments:commit", args=["alpha"])).status_code == 200
        response = client.post(
            reverse("commitments:commit", args=["alpha"]),
            {"profile": "cvd-baseline", "target_date": future()},
        )
        assert response.status_code == 302
        assert response["Location"] == scorecard_url()
        assert Commitment.objects.filter(organisation=org_a).count() == 8

    def test_an_admin_commits_to_single_practices(
        self, client_for: Any, alice: User, org_a: Organisation
    ) -> None:
        response = client_for(alice).post(
            reverse("commitments:commit", args=["alpha"]),
            {"practices": [AUTOMATED, DOCUMENT], "target_date": future()},
        )
        assert response.status_code == 302
        assert Commitment.objects.filter(organisation=org_a).count() == 2

    @pytest.mark.parametrize(
        ("data", "status", "message"),
        [
            ({"profile": "cvd-baseline", "target_date": "2020-01-01"}, 422, "in the past"),
            ({"practices": ["cvd.nope"], "target_date": future()}, 422, "cvd.nope is not one"),
            ({"profile": "nope", "target_date": future()}, 422, "nope is not one"),
            ({"target_date": future()}, 422, "Choose either a profile or"),
            ({"profile": "cvd-baseline", "target_date": "soon"}, 422, "Enter a valid date"),
        ],
    )
    def test_bad_input_is_refused_and_nothing_is_stored(
        self, data: dict[str, Any], status: int, message: str, client_for: Any, alice: User
    ) -> None:
        response = client_for(alice).post(reverse("commitments:commit", args=["alpha"]), data)
        assert response.status_code == status
        assert message in response.content.decode()
        assert not Commitment.objects.exists()

    def test_a_member_who_is_not_admin_gets_403(
        self, client_for: Any, carol: User, org_a: Organisation
    ) -> None:
        client = client_for(carol)
        url = reverse("commitments:commit", args=["alpha"])
        assert client.get(url).status_code == 403
        response = client.post(url, {"profile": "cvd-baseline", "target_date": future()})
        assert response.status_code == 403
        assert "Only the organisation&#x27;s admins commit." in response.content.decode()
        assert not Commitment.objects.exists()

    def test_another_organisations_member_gets_404(
        self, client_for: Any, bob: User, org_a: Organisation
    ) -> None:
        url = reverse("commitments:commit", args=["alpha"])
        response = client_for(bob).post(url, {"profile": "cvd-baseline", "target_date": future()})
        assert response.status_code == 404
        assert not Commitment.objects.exists()

    def test_signed_out_visitors_are_sent_to_sign_in(
        self, client: Client, org_a: Organisation
    ) -> None:
        response = client.get(reverse("commitments:commit", args=["alpha"]))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


class TestProvingOverHttp:
    @pytest.fixture
    def commitment(self, alice: User, org_a: Organisation) -> Commitment:
        return commit(org_a, alice)

    def post_file(self, client: Client, name: str, data: bytes) -> Any:
        file = SimpleUploadedFile(name, data, content_type="application/pdf")
        url = reverse("commitments:document_upload", args=["alpha", DOCUMENT])
        return client.post(url, {"file": file})

    def test_upload_and_review(
        self, client_for: Any, alice: User, secretariat: User, commitment: Commitment
    ) -> None:
        response = self.post_file(client_for(alice), "policy.pdf", PDF)
        assert response.status_code == 302
        document = EvidenceDocument.objects.get()
        reviewer = client_for(secretariat)
        assert "policy.pdf" in reviewer.get(reverse("commitments:review_queue")).content.decode()
        reviewed = reviewer.post(
            reverse("commitments:review", args=[document.pk]), {"decision": "accept", "note": ""}
        )
        assert reviewed.status_code == 302
        commitment.refresh_from_db()
        assert commitment.status == Status.VERIFIED

    def test_an_executable_renamed_pdf_gets_415(
        self, client_for: Any, alice: User, commitment: Commitment, media_root: Path
    ) -> None:
        response = self.post_file(client_for(alice), "policy.pdf", b"MZ\x90\x00" + b"\x00" * 64)
        assert response.status_code == 415
        assert "not a PDF" in response.content.decode()
        assert not EvidenceDocument.objects.exists()
        assert stored_files(media_root) == []

    def test_json_nested_2000_deep_gets_422_with_the_reason(
        self, client_for: Any, alice: User, commitment: Commitment, media_root: Path
    ) -> None:
        deep = b"[" * 2_000 + b"]" * 2_000
        response = self.post_file(client_for(alice), "extract.json", deep)
        assert response.status_code == 422
        assert "nested more than 64 levels deep" in response.content.decode()
        assert not EvidenceDocument.objects.exists()
        assert stored_files(media_root) == []

    def test_a_file_over_the_cap_gets_413(
        self,
        client_for: Any,
        alice: User,
        commitment: Commitment,
        media_root: Path,
        settings: Any,
    ) -> None:
        settings.ACCORD_UPLOAD_MAX_BYTES = 100
        response = self.post_file(client_for(alice), "policy.pdf", PDF + b"x" * 200)
        assert response.status_code == 413
        assert "larger than" in response.content.decode()
        assert not EvidenceDocument.objects.exists()
        assert stored_files(media_root) == []

    def test_a_body_far_over_the_cap_is_refused_unread(
        self, client_for: Any, alice: User, commitment: Commitment, settings: Any
    ) -> None:
        settings.ACCORD_UPLOAD_MAX_BYTES = 100
        response = self.post_file(client_for(alice), "policy.pdf", PDF + b"x" * 100_000)
        assert response.status_code == 413
        assert not EvidenceDocument.objects.exists()

    def test_the_upload_is_csrf_protected(self, alice: User, commitment: Commitment) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(alice)
        assert self.post_file(client, "policy.pdf", PDF).status_code == 403
        assert not EvidenceDocument.objects.exists()

    def test_a_member_cannot_upload(
        self, client_for: Any, carol: User, commitment: Commitment
    ) -> None:
        assert self.post_file(client_for(carol), "policy.pdf", PDF).status_code == 403
        assert not EvidenceDocument.objects.exists()

    def test_another_organisation_cannot_upload(
        self, client_for: Any, bob: User, commitment: Commitment
    ) -> None:
        assert self.post_file(client_for(bob), "policy.pdf", PDF).status_code == 404

    def test_attest(self, client_for: Any, alice: User, commitment: Commitment) -> None:
        url = reverse("commitments:attest", args=["alpha", DOCUMENT])
        client = client_for(alice)
        assert client.post(url, {"text": ""}).status_code == 422
        assert client.post(url, {"text": "Section 4 of our policy."}).status_code == 302
        commitment.refresh_from_db()
        assert commitment.status == Status.IMPLEMENTED

    def test_another_organisation_cannot_attest(
        self, client_for: Any, bob: User, commitment: Commitment
    ) -> None:
        url = reverse("commitments:attest", args=["alpha", DOCUMENT])
        assert client_for(bob).post(url, {"text": "yes"}).status_code == 404
        assert not commitment.attestations.exists()

    def test_withdraw(self, client_for: Any, alice: User, commitment: Commitment) -> None:
        url = reverse("commitments:withdraw", args=["alpha", DOCUMENT])
        assert client_for(alice).post(url).status_code == 302
        commitment.refresh_from_db()
        assert commitment.withdrawn_at is not None
        assert client_for(alice).get(commitment_url()).status_code == 404


class TestReviewQueue:
    def test_only_the_secretariat(self, client_for: Any, alice: User) -> None:
        response = client_for(alice).get(reverse("commitments:review_queue"))
        assert response.status_code == 403

    def test_a_rejection_without_a_note_gets_422(
        self, client_for: Any, secretariat: User, proven: dict[str, Any]
    ) -> None:
        document = proven["private_document"]
        response = client_for(secretariat).post(
            reverse("commitments:review", args=[document.pk]), {"decision": "reject", "note": ""}
        )
        assert response.status_code == 422
        document.refresh_from_db()
        assert document.review == EvidenceDocument.Review.PENDING

    def test_an_org_admin_cannot_review_their_own_document(
        self, client_for: Any, alice: User, proven: dict[str, Any]
    ) -> None:
        document = proven["private_document"]
        response = client_for(alice).post(
            reverse("commitments:review", args=[document.pk]), {"decision": "accept"}
        )
        assert response.status_code == 403
        document.refresh_from_db()
        assert document.review == EvidenceDocument.Review.PENDING


class TestPublicationSettings:
    def test_an_admin_publishes_the_scorecard(
        self, client_for: Any, client: Client, alice: User, proven: dict[str, Any]
    ) -> None:
        url = reverse("commitments:publication", args=["alpha"])
        assert client_for(alice).post(url, {"public_profile": "on"}).status_code == 302
        assert client.get(scorecard_url()).status_code == 200

    def test_a_member_cannot(self, client_for: Any, carol: User, org_a: Organisation) -> None:
        url = reverse("commitments:publication", args=["alpha"])
        assert client_for(carol).get(url).status_code == 403
        assert client_for(carol).post(url, {"public_profile": "on"}).status_code == 403


def test_the_organisation_page_links_to_the_scorecard(
    client_for: Any, alice: User, org_a: Organisation
) -> None:
    html = client_for(alice).get(reverse("accounts:organisation", args=["alpha"])).content.decode()
    assert scorecard_url() in html
