"""Commitments end to end over HTTP: commit to the CVD baseline, let the evidence engine
verify, lapse and verify again, have the secretariat accept a document, and read each
change with its cause on the pages and through the API."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import Organisation, User
from accord.accounts.services import create_api_token
from accord.audit.models import Event
from accord.catalogue.models import CatalogueVersion
from accord.catalogue.services import load_catalogue
from accord.commitments.models import Commitment, EvidenceDocument, Status
from accord.engine.testing.fake_dns import FakeTxtResolver
from accord.engine.types import CheckResult, Finding
from accord.engine.types import Status as Verdict
from accord.evidence import services as evidence
from accord.evidence.models import Domain

BASELINE_CHECKS = ["security-txt", "security-txt-fresh", "security-contact-reachable", "vdp"]
HSTS = "https-hsts"
DAY = timedelta(days=1)


@pytest.fixture
def catalogue(db: None) -> CatalogueVersion:
    return load_catalogue()


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def observe(domain: Domain, check_id: str, verdict: Verdict, at: datetime) -> None:
    errors = [Finding("no_security_txt", "No security.txt found.")] if verdict == "fail" else []
    result = CheckResult(check_id, verdict, url=f"https://{domain.name}/", errors=errors)
    with TestCase.captureOnCommitCallbacks(execute=True):
        evidence.record_observation(domain=domain, check_id=check_id, result=result, now=at)


def page_text(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


ZONE = FakeTxtResolver()


def fake_resolver() -> FakeTxtResolver:
    return ZONE


def status_of(practice: str) -> str:
    return str(Commitment.objects.active().get(practice__slug=practice).status)


@pytest.mark.usefixtures("catalogue")
def test_commit_verify_lapse_recover_and_review(
    client_for: Any,
    alice: User,
    bob: User,
    secretariat: User,
    org_a: Organisation,
    settings: Any,
) -> None:
    admin = client_for(alice)
    added = admin.post(reverse("evidence:domain_add", args=["alpha"]), {"name": "alpha.example"})
    assert added.status_code == 302
    domain = Domain.objects.get(organisation=org_a)
    # Its evidence counts once Alpha proves control: the token goes into (fake) DNS.
    settings.ACCORD_DNS_RESOLVER = f"{__name__}.fake_resolver"
    settings.ACCORD_SCAN_FETCHER = "tests.engine.checks.fakes.FakeFetcher"
    ZONE.records[domain.challenge_name] = [domain.challenge_token]
    checked = admin.post(reverse("evidence:domain_check", args=[domain.pk]))
    assert checked.status_code == 302
    domain.refresh_from_db()
    assert domain.counts

    # Commit to the CVD baseline, a target date three months ahead.
    target = (timezone.localdate() + 90 * DAY).isoformat()
    committed = admin.post(
        reverse("commitments:commit", args=["alpha"]),
        {"profile": "cvd-baseline", "target_date": target},
    )
    assert committed.status_code == 302
    assert Commitment.objects.filter(organisation=org_a).count() == 8
    t0 = timezone.now()

    # The evidence engine sees every automated practice in place: verified.
    for check_id in [*BASELINE_CHECKS, HSTS]:
        observe(domain, check_id, Verdict.PASS, t0 + DAY)
    assert status_of("cvd.security-txt") == Status.VERIFIED
    card = page_text(admin, reverse("commitments:scorecard", args=["alpha"]))
    assert "5 Verified" in card.replace("</strong>", " ")

    # security.txt disappears; within the grace period the commitment holds.
    observe(domain, "security-txt", Verdict.FAIL, t0 + 2 * DAY)
    observe(domain, "security-txt", Verdict.FAIL, t0 + 9 * DAY)
    assert status_of("cvd.security-txt") == Status.VERIFIED

    # Still failing 15 days on: lapsed.
    observe(domain, "security-txt", Verdict.FAIL, t0 + 17 * DAY)
    assert status_of("cvd.security-txt") == Status.LAPSED

    # It comes back: verified again.
    observe(domain, "security-txt", Verdict.PASS, t0 + 18 * DAY)
    assert status_of("cvd.security-txt") == Status.VERIFIED

    page = page_text(admin, reverse("commitments:commitment", args=["alpha", "cvd.security-txt"]))
    history = page[page.index("<h2>History</h2>") :]
    causes = re.findall(r"<li><time[^>]*>[^<]*</time> (.*?)</li>", history)
    assert [re.sub(r"<[^>]+>", "", cause).split(":")[0] for cause in causes] == [
        "committed",
        "committed → verified",
        "verified → lapsed",
        "lapsed → verified",
    ]
    assert "committed (profile cvd-baseline), target date" in causes[0]
    assert "evidence passes" in causes[1]
    assert "longer than the 14-day grace period" in causes[2]
    assert "evidence passes again" in causes[3]

    # A document practice: upload, the secretariat accepts, verified.
    upload = SimpleUploadedFile("safe-harbour.md", b"# Safe harbour\n\nWe will not sue.\n")
    uploaded = admin.post(
        reverse("commitments:document_upload", args=["alpha", "cvd.safe-harbour"]), {"file": upload}
    )
    assert uploaded.status_code == 302
    assert status_of("cvd.safe-harbour") == Status.IMPLEMENTED
    document = EvidenceDocument.objects.get()
    assert document.content_type == "text/markdown"
    reviewer = client_for(secretariat)
    assert "safe-harbour.md" in page_text(reviewer, reverse("commitments:review_queue"))
    accepted = reviewer.post(
        reverse("commitments:review", args=[document.pk]), {"decision": "accept", "note": "Fine."}
    )
    assert accepted.status_code == 302
    assert status_of("cvd.safe-harbour") == Status.VERIFIED

    # Bob, of another organisation, sees none of it until Alpha publishes.
    other = client_for(bob)
    assert other.get(reverse("commitments:scorecard", args=["alpha"])).status_code == 404
    assert other.get(reverse("commitments:document", args=[document.pk])).status_code == 404
    admin.post(reverse("commitments:publication", args=["alpha"]), {"public_profile": "on"})
    assert "cvd.security-txt" in page_text(
        Client(), reverse("commitments:scorecard", args=["alpha"])
    )
    assert other.get(reverse("commitments:document", args=[document.pk])).status_code == 404

    # The API tells the same story.
    _, secret = create_api_token(user=alice, organisation=org_a, name="ci")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    detail = api.get("/api/v1/commitments/cvd.security-txt").json()
    assert [entry["to_status"] for entry in detail["history"]] == [
        "committed",
        "verified",
        "lapsed",
        "verified",
    ]
    assert detail["history"][1]["observation_id"] is not None

    # Every change is in the audit log.
    statuses = Event.objects.filter(tag="commitments:commitment:status")
    assert statuses.filter(data__practice="cvd.security-txt").count() == 3
