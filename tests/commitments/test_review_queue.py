"""The secretariat's review queue over HTTP: paged, filtered and sorted; each decision
answered with what happened; a refused decision or upload shown again as its form."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accord.accounts.models import Organisation, User
from accord.commitments.models import Commitment, EvidenceDocument
from tests.commitments.factories_review import committed, pending_documents

pytestmark = pytest.mark.usefixtures("catalogue")

QUEUE = "/adoption/review/"
PDF = b"%PDF-1.7\n%%EOF\n"


def text(response: Any) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def listed(response: Any) -> list[str]:
    """The file names in the queue's table, in order."""
    return re.findall(
        r'<a href="/adoption/review/\d+/[^"]*">([^<]+)</a>', response.content.decode()
    )


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def reviewer(client_for: Any, secretariat: User) -> Client:
    client: Client = client_for(secretariat)
    return client


# Paging, filters and order ---------------------------------------------------------------


class TestTheQueue:
    @pytest.fixture
    def documents(self) -> list[EvidenceDocument]:
        return pending_documents(80)

    def test_eighty_documents_come_25_to_a_page_newest_first(
        self, reviewer: Client, documents: list[EvidenceDocument]
    ) -> None:
        first = reviewer.get(QUEUE)
        assert first.status_code == 200
        assert listed(first) == [f"proof-{n:03d}.md" for n in range(79, 54, -1)]
        assert "80 documents, 1 to 25 shown" in text(first)
        assert "Page 1 of 4" in text(first)
        last = reviewer.get(QUEUE, {"page": 4})
        assert listed(last) == [f"proof-{n:03d}.md" for n in range(4, -1, -1)]

    def test_a_page_past_the_end_or_not_a_number_shows_a_page(
        self, reviewer: Client, documents: list[EvidenceDocument]
    ) -> None:
        assert len(listed(reviewer.get(QUEUE, {"page": "99"}))) == 5
        assert len(listed(reviewer.get(QUEUE, {"page": "x"}))) == 25

    def test_filter_by_organisation_and_practice(
        self, reviewer: Client, documents: list[EvidenceDocument]
    ) -> None:
        response = reviewer.get(
            QUEUE, {"organisation": "member-01", "practice": "cvd.safe-harbour"}
        )
        names = listed(response)
        # Organisation 1 of 4 and practice 0 of 3: document numbers n ≡ 1 (mod 4), n ≡ 0 (mod 3).
        assert names == [
            f"proof-{n:03d}.md" for n in range(79, -1, -1) if n % 4 == 1 and n % 3 == 0
        ]
        assert "Member 01" in text(response)
        assert "Member 02" not in re.sub(r"<select.*?</select>", "", text(response))

    def test_sort_oldest_first_and_by_organisation(
        self, reviewer: Client, documents: list[EvidenceDocument]
    ) -> None:
        oldest = listed(reviewer.get(QUEUE, {"order": "oldest"}))
        assert oldest[:3] == ["proof-000.md", "proof-001.md", "proof-002.md"]
        by_organisation = reviewer.get(QUEUE, {"order": "organisation"})
        # Member 00's documents first, its newest first.
        assert listed(by_organisation)[:2] == ["proof-076.md", "proof-072.md"]

    def test_reviewed_documents_are_found_by_their_state(
        self, reviewer: Client, documents: list[EvidenceDocument]
    ) -> None:
        reviewer.post(reverse("commitments:review", args=[documents[0].pk]), {"decision": "accept"})
        pending = reviewer.get(QUEUE)
        assert "79 documents" in text(pending)
        accepted = reviewer.get(QUEUE, {"state": "accepted"})
        assert listed(accepted) == ["proof-000.md"]
        assert "Accepted" in text(accepted)

    def test_unknown_filters_fall_back_to_the_default(
        self, reviewer: Client, documents: list[EvidenceDocument]
    ) -> None:
        response = reviewer.get(QUEUE, {"state": "bogus", "order": "';drop", "practice": "x"})
        assert response.status_code == 200
        assert len(listed(response)) == 25
        assert listed(response)[0] == "proof-079.md"

    def test_a_filter_that_matches_nothing_says_so(
        self, reviewer: Client, documents: list[EvidenceDocument]
    ) -> None:
        response = reviewer.get(QUEUE, {"state": "rejected"})
        assert "No document matches these filters." in text(response)


def test_nobody_but_the_secretariat_sees_the_queue(client_for: Any, alice: User) -> None:
    assert client_for(alice).get(QUEUE).status_code == 403
    assert Client().get(QUEUE).status_code == 302


# Decisions and what the reviewer is told -------------------------------------------------


@pytest.fixture
def document(alice: User, org_a: Organisation) -> EvidenceDocument:
    commitment = committed(org_a, alice, "cvd.safe-harbour")
    from accord.commitments import services

    file = SimpleUploadedFile("policy.pdf", PDF)
    return services.upload_document(commitment=commitment, uploaded_file=file, actor=alice)


def review(client: Client, document: EvidenceDocument, **data: str) -> Any:
    return client.post(reverse("commitments:review", args=[document.pk]), data, follow=True)


def test_after_accept_the_message_says_accepted(
    reviewer: Client, document: EvidenceDocument
) -> None:
    response = review(reviewer, document, decision="accept")
    assert response.redirect_chain[-1][0] == QUEUE
    assert messages_of(response) == [
        "“policy.pdf” is accepted. Alpha Systems's commitment to cvd.safe-harbour is now verified."
    ]
    document.refresh_from_db()
    assert document.review == "accepted"


def test_after_reject_the_message_says_rejected(
    reviewer: Client, document: EvidenceDocument
) -> None:
    response = review(reviewer, document, decision="reject", note="Unsigned.")
    [message] = messages_of(response)
    assert message.startswith("“policy.pdf” is rejected.")
    assert "is pending" not in message


def test_the_reviewer_returns_to_the_page_and_filters_they_came_from(
    reviewer: Client, document: EvidenceDocument
) -> None:
    came_from = f"{QUEUE}?organisation=alpha&page=1"
    response = review(reviewer, document, decision="accept", next=came_from)
    assert response.redirect_chain[-1][0] == came_from
    elsewhere = review(reviewer, document, decision="accept", next="https://evil.example/")
    assert elsewhere.status_code == 409  # reviewed already, and never sent off-site


def test_rejecting_without_a_note_shows_the_form_again_with_the_error(
    reviewer: Client, document: EvidenceDocument
) -> None:
    response = review(reviewer, document, decision="reject", note="  ", next=f"{QUEUE}?page=2")
    assert response.status_code == 422
    page = text(response)
    assert "Not done" not in page
    assert 'id="review_note-errors"' in response.content.decode()
    assert "Say why the document is rejected" in page
    assert 'name="decision" value="reject"' in page
    assert f'href="{QUEUE}?page=2"' in page  # the way back is kept
    document.refresh_from_db()
    assert document.review == EvidenceDocument.Review.PENDING


def test_a_decision_left_out_shows_the_form_again(
    reviewer: Client, document: EvidenceDocument
) -> None:
    response = review(reviewer, document, note="Hmm")
    assert response.status_code == 422
    assert "Choose to accept or reject the document." in text(response)
    assert "Hmm</textarea>" in response.content.decode()


def test_the_review_page_shows_the_document_and_the_form(
    reviewer: Client, document: EvidenceDocument
) -> None:
    response = reviewer.get(reverse("commitments:review", args=[document.pk]))
    assert response.status_code == 200
    assert "Evidence expected" in text(response)
    assert reviewer.get(reverse("commitments:review", args=[99999])).status_code == 404


# A refused upload is the upload form again -----------------------------------------------


@pytest.fixture
def commitment(alice: User, org_a: Organisation) -> Commitment:
    return committed(org_a, alice, "cvd.safe-harbour")


def upload(client: Client, name: str, data: bytes, **extra: Any) -> Any:
    url = reverse("commitments:document_upload", args=["alpha", "cvd.safe-harbour"])
    return client.post(url, {"file": SimpleUploadedFile(name, data), **extra})


def assert_upload_form_again(response: Any, status: int, message: str) -> None:
    assert response.status_code == status
    page = text(response)
    assert "Not done" not in page
    assert "Upload a document for review" in page
    errors = re.search(r'id="document_file-errors">(.*?)</ul>', response.content.decode())
    assert errors is not None
    assert message in html.unescape(errors.group(1))


def test_a_file_of_the_wrong_type_shows_the_upload_form_with_the_error(
    client_for: Any, alice: User, commitment: Commitment
) -> None:
    response = upload(client_for(alice), "policy.pdf", b"MZ\x90\x00" + b"\x00" * 64)
    assert_upload_form_again(response, 415, "not a PDF")
    assert not EvidenceDocument.objects.exists()


def test_a_file_too_large_shows_the_upload_form_with_the_error(
    client_for: Any, alice: User, commitment: Commitment, settings: Any
) -> None:
    settings.ACCORD_UPLOAD_MAX_BYTES = 100
    response = upload(client_for(alice), "policy.pdf", PDF + b"x" * 200, is_public="on")
    assert_upload_form_again(response, 413, "larger than the 100 bytes limit")
    checkbox = re.search(r'<input [^>]*id="document_is_public"[^>]*>', response.content.decode())
    assert checkbox is not None
    assert "checked" in checkbox.group(0)  # what was chosen is kept


def test_an_empty_file_shows_the_upload_form_with_the_error(
    client_for: Any, alice: User, commitment: Commitment
) -> None:
    assert_upload_form_again(upload(client_for(alice), "policy.md", b""), 422, "file is empty")


def test_a_document_for_a_practice_the_engine_verifies_is_refused_on_the_error_page(
    client_for: Any, alice: User, org_a: Organisation
) -> None:
    committed(org_a, alice, "cvd.security-txt")
    url = reverse("commitments:document_upload", args=["alpha", "cvd.security-txt"])
    response = client_for(alice).post(url, {"file": SimpleUploadedFile("a.md", b"# A\n")})
    assert response.status_code == 422
    assert "The evidence engine verifies this practice" in text(response)


def test_a_body_far_too_large_to_read_shows_the_upload_form_too(
    client_for: Any, alice: User, commitment: Commitment, settings: Any
) -> None:
    settings.ACCORD_UPLOAD_MAX_BYTES = 100
    response = upload(client_for(alice), "policy.pdf", PDF + b"x" * 100_000)
    assert_upload_form_again(response, 413, "larger than the 100 bytes limit")
    assert not EvidenceDocument.objects.exists()


def test_a_body_far_too_large_from_someone_else_is_still_not_found(
    client_for: Any, bob: User, commitment: Commitment, settings: Any
) -> None:
    settings.ACCORD_UPLOAD_MAX_BYTES = 100
    assert upload(client_for(bob), "policy.pdf", PDF + b"x" * 100_000).status_code == 404
