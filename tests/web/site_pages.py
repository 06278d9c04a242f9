"""An instance with something on every kind of page, and the pages each kind of person
opens: for the tests that every page keeps its Content-Security-Policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.utils import timezone

from accord.accounts.models import Application, Organisation, User
from accord.accounts.services.applications import submit_application
from accord.commitments import services as commitments
from accord.commitments.models import Commitment
from accord.engine.types import CheckResult, Status
from accord.evidence import services as evidence
from accord.evidence.models import Domain
from accord.figures.services import rebuild_snapshots
from accord.notifications import services as notifications
from tests.figures.factories_metrics import make_orgs, verify

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"

PUBLIC_PAGES = [
    "/",
    "/catalogue/",
    "/catalogue/search/?q=security.txt",
    "/catalogue/changelog/",
    "/catalogue/frameworks/tech-accord/",
    "/catalogue/practices/cvd.security-txt/",
    "/catalogue/profiles/cvd-baseline/",
    "/adoption/",
    "/adoption/reports/",
    "/adoption/organisations/",
    "/adoption/organisations/alpha/scorecard/",
    "/adoption/badges/alpha/cvd-baseline/",
    "/accounts/login/",
    "/accounts/apply/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/api/v1/docs",
    "/report/policy/",
    "/advisories/",
]


@dataclass(frozen=True)
class Site:
    """What `populate` made, and the pages each person opens."""

    domain: Domain
    observation_id: int
    document_id: int
    application_id: int

    def member_pages(self) -> list[str]:
        return [
            "/accounts/",
            "/accounts/organisations/alpha/",
            "/adoption/organisations/alpha/commit/",
            "/adoption/organisations/alpha/publication/",
            "/adoption/organisations/alpha/practices/cvd.safe-harbour/",
            f"/evidence/domains/{self.domain.pk}/",
            f"/evidence/observations/{self.observation_id}/",
            "/notifications/",
            "/notifications/preferences/",
        ]

    def secretariat_pages(self) -> list[str]:
        return [
            "/secretariat/",
            "/secretariat/organisations/",
            "/secretariat/organisations/alpha/",
            "/secretariat/failing/",
            "/secretariat/lapses/",
            "/secretariat/people/",
            "/accounts/applications/",
            f"/accounts/applications/{self.application_id}/",
            "/accounts/invitations/",
            "/adoption/review/",
            f"/adoption/review/{self.document_id}/",
            "/evidence/disputes/",
            "/notifications/outbox/",
        ]


def populate(alpha: Organisation, admin: User) -> Site:
    """Published figures, Alpha (administered by `admin`) committed, publishing its
    scorecard and badges, with a proven domain, a document to review, a notification,
    and an application waiting for the secretariat."""
    orgs = make_orgs(12, created=date(2024, 6, 1))
    verify(orgs[:6], "cvd.security-txt", on=date(2025, 2, 1), verified=date(2025, 3, 1))
    rebuild_snapshots(until=timezone.localdate())
    target = timezone.localdate() + timedelta(days=90)
    commitments.commit_to_profile(
        organisation=alpha, profile_slug="cvd-baseline", target_date=target, actor=admin
    )
    commitments.set_publication(organisation=alpha, public_profile=True, badges=True, actor=admin)
    domain = Domain.objects.create(
        organisation=alpha, name="alpha.example", control="verified", verified_at=timezone.now()
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        observation = evidence.record_observation(
            domain=domain,
            check_id="security-txt",
            result=CheckResult("security-txt", Status.PASS, url="https://alpha.example/"),
            now=timezone.now(),
        )
    return Site(
        domain=domain,
        observation_id=observation.pk,
        document_id=_document_to_review(alpha, admin),
        application_id=_application().pk,
    )


def _document_to_review(alpha: Organisation, admin: User) -> int:
    commitment = Commitment.objects.get(organisation=alpha, practice__slug="cvd.safe-harbour")
    upload = SimpleUploadedFile("safe-harbour.pdf", PDF, content_type="application/pdf")
    document = commitments.upload_document(commitment=commitment, uploaded_file=upload, actor=admin)
    notifications.notify(
        recipients=[admin],
        kind="commitments:document:reject",
        subject="Your safe harbour policy needs a date",
        body="The policy names no date of approval.",
        link="/adoption/organisations/alpha/practices/cvd.safe-harbour/",
    )
    return document.pk


def _application() -> Application:
    return submit_application(
        name="Gamma Water",
        domains="gamma.example",
        sector="water",
        country="NL",
        size_band="medium",
        contact_name="Grace",
        contact_email="grace@gamma.example",
    )
