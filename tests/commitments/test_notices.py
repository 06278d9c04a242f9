"""The organisation's admins are told: a document accepted or rejected, evidence failing
on a verified commitment (once, as the grace period begins), and a lapse. Nobody else is,
nobody is told twice, and demo organisations' made-up history tells nobody."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accord.accounts.models import Membership, Organisation, User
from accord.commitments import services
from accord.commitments.models import Commitment, EvidenceDocument, Status
from accord.demo import adoption as adoption_demo
from accord.evidence.models import Domain
from accord.notifications import selectors as inbox
from accord.notifications.models import Message, Notification

pytestmark = pytest.mark.usefixtures("catalogue")

AUTOMATED = "cvd.security-txt"  # automated:security-txt
DOCUMENT = "cvd.safe-harbour"
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
DAY = timedelta(days=1)


@pytest.fixture
def t0() -> datetime:
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def second_admin(make_user: Any, org_a: Organisation) -> User:
    user = make_user("dora@alpha.example")
    Membership.objects.create(user=user, organisation=org_a, role=Membership.Role.ORG_ADMIN)
    return user


def commit(organisation: Organisation, actor: Any, practice: str, **kwargs: Any) -> Commitment:
    return services.commit_to_practice(
        organisation=organisation,
        practice_id=practice,
        actor=actor,
        target_date=timezone.localdate() + 90 * DAY,
        **kwargs,
    )


def told(user: User, kind: str | None = None) -> list[Notification]:
    notes = inbox.inbox(user)
    return list(notes.filter(kind=kind) if kind else notes)


def uploaded(commitment: Commitment, alice: User) -> EvidenceDocument:
    upload = SimpleUploadedFile("safe-harbour.pdf", PDF, content_type="application/pdf")
    return services.upload_document(commitment=commitment, uploaded_file=upload, actor=alice)


class TestReviews:
    def test_a_rejection_tells_every_admin_why_and_links_to_the_commitment(
        self,
        alice: User,
        second_admin: User,
        carol: User,
        bob: User,
        secretariat: User,
        org_a: Organisation,
    ) -> None:
        commitment = commit(org_a, alice, DOCUMENT)
        document = uploaded(commitment, alice)
        services.review_document(
            document=document, accept=False, note="The policy has no date.", reviewer=secretariat
        )

        for admin in (alice, second_admin):
            [note] = told(admin)
            assert note.kind == "commitments:document:reject"
            assert note.subject == "cvd.safe-harbour: “safe-harbour.pdf” was rejected"
            assert "The reviewer's note: The policy has no date." in note.body
            assert "now committed" in note.body
            assert note.link == "/adoption/organisations/alpha/practices/cvd.safe-harbour/"
            assert note.read_at is None
        # Members, other organisations and the reviewer are not told.
        assert told(carol) == told(bob) == told(secretariat) == []
        # Each admin is emailed at once (the default), here kept in the outbox.
        addresses = set(Message.objects.values_list("to_address", flat=True))
        assert addresses == {alice.email, second_admin.email}

    def test_an_acceptance_says_the_commitment_is_verified(
        self, alice: User, secretariat: User, org_a: Organisation
    ) -> None:
        document = uploaded(commit(org_a, alice, DOCUMENT), alice)
        services.review_document(document=document, accept=True, note="", reviewer=secretariat)
        [note] = told(alice)
        assert note.kind == "commitments:document:accept"
        assert "was accepted" in note.subject
        assert "The commitment is now verified." in note.body

    def test_a_rejected_newer_document_tells_once_not_twice(
        self, alice: User, secretariat: User, org_a: Organisation
    ) -> None:
        commitment = commit(org_a, alice, DOCUMENT)
        first = uploaded(commitment, alice)
        services.review_document(document=first, accept=True, note="", reviewer=secretariat)
        second = uploaded(commitment, alice)
        services.review_document(
            document=second, accept=False, note="Out of date.", reviewer=secretariat
        )
        commitment.refresh_from_db()
        assert commitment.status == Status.LAPSED
        # The rejection's notice says it lapsed; no separate lapse notice for one event.
        kinds = [note.kind for note in told(alice)]
        assert kinds == ["commitments:document:reject", "commitments:document:accept"]
        assert "now lapsed" in told(alice)[0].body


class TestFailingEvidence:
    def test_failing_evidence_tells_once_when_the_grace_period_begins(
        self,
        alice: User,
        carol: User,
        org_a: Organisation,
        alpha_domain: Domain,
        observe: Any,
        t0: datetime,
    ) -> None:
        commitment = commit(org_a, alice, AUTOMATED, now=t0)
        observe(alpha_domain, "security-txt", "pass", t0 + DAY)
        assert told(alice, "commitments:commitment:grace") == []

        observe(alpha_domain, "security-txt", "fail", t0 + 2 * DAY)
        observe(alpha_domain, "security-txt", "fail", t0 + 3 * DAY)  # a scan finds it again
        services.refresh_all_commitments(now=t0 + 5 * DAY)
        services.refresh_all_commitments(now=t0 + 5 * DAY)  # a second scheduler

        [note] = told(alice, "commitments:commitment:grace")
        lapses_on = f"{(t0 + 16 * DAY).date():%d %B %Y}"
        assert note.subject == f"cvd.security-txt lapses on {lapses_on} unless its evidence passes"
        assert f"until {lapses_on}" in note.body
        assert note.link.endswith("/practices/cvd.security-txt/")
        assert told(carol) == []
        commitment.refresh_from_db()
        assert commitment.status == Status.VERIFIED

    def test_a_new_failure_after_a_pass_is_told_again(
        self, alice: User, org_a: Organisation, alpha_domain: Domain, observe: Any, t0: datetime
    ) -> None:
        commit(org_a, alice, AUTOMATED, now=t0)
        for day, verdict in [(1, "pass"), (2, "fail"), (4, "pass"), (6, "error")]:
            observe(alpha_domain, "security-txt", verdict, t0 + day * DAY)
        assert len(told(alice, "commitments:commitment:grace")) == 2

    def test_the_daily_refresh_tells_of_a_lapse_once(
        self, alice: User, org_a: Organisation, alpha_domain: Domain, observe: Any, t0: datetime
    ) -> None:
        commit(org_a, alice, AUTOMATED, now=t0)
        observe(alpha_domain, "security-txt", "pass", t0 + DAY)
        observe(alpha_domain, "security-txt", "fail", t0 + 2 * DAY)

        assert services.refresh_all_commitments(now=t0 + 17 * DAY) == 1
        services.refresh_all_commitments(now=t0 + 17 * DAY)
        services.refresh_all_commitments(now=t0 + 18 * DAY)

        [note] = told(alice, "commitments:commitment:lapse")
        assert note.subject == "The commitment to cvd.security-txt has lapsed"
        assert "longer than the 14-day grace period" in note.body

    def test_a_demo_organisations_lapse_tells_nobody(
        self, make_user: Any, observe: Any, t0: datetime
    ) -> None:
        demo = Organisation.objects.create(name="Demo (demo)", slug="demo", is_demo=True)
        admin = make_user("admin@demo.example")
        Membership.objects.create(user=admin, organisation=demo, role=Membership.Role.ORG_ADMIN)
        domain = Domain.objects.create(organisation=demo, name="demo.example", control="demo")
        commitment = commit(demo, admin, AUTOMATED, now=t0)
        observe(domain, "security-txt", "pass", t0 + DAY)
        observe(domain, "security-txt", "fail", t0 + 2 * DAY)
        services.refresh_all_commitments(now=t0 + 20 * DAY)

        commitment.refresh_from_db()
        assert commitment.status == Status.LAPSED
        assert told(admin) == []


def test_the_demo_history_and_the_days_after_it_tell_nobody(make_user: Any) -> None:
    now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    adoption_demo.seed_adoption(now=now, total=30)
    for n, organisation in enumerate(Organisation.objects.filter(is_demo=True)):
        admin = make_user(f"admin{n}@demo.example")
        Membership.objects.create(
            user=admin, organisation=organisation, role=Membership.Role.ORG_ADMIN
        )
    # Time passes: the fabricated failures outlast their grace periods.
    changed = sum(services.refresh_all_commitments(now=now + n * DAY) for n in (3, 15, 40))

    assert changed > 0
    assert not Notification.objects.exists()
    assert not Message.objects.exists()
