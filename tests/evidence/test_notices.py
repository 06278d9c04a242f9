"""A check that turns from passing to failing on one of an organisation's domains tells
its admins: once per change, not at every scan, and only for a change for the worse."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accord.accounts.models import Membership, Organisation, User
from accord.engine.types import CheckResult, Finding, Status
from accord.evidence import services
from accord.evidence.models import Domain, Observation
from accord.notifications import selectors as inbox
from accord.notifications.models import Notification

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


@pytest.fixture
def t0() -> datetime:
    return timezone.now().replace(microsecond=0) - 30 * DAY


def scan(
    domain: Domain,
    status: str,
    at: datetime,
    capture: Any,
    *,
    check_id: str = "security-txt",
    codes: tuple[str, ...] = (),
) -> Observation:
    errors = [Finding(code, f"{code} found") for code in codes]
    result = CheckResult(check_id, Status(status), errors=errors)
    with capture(execute=True):  # the hook's subscribers run once the scan commits
        return services.record_observation(domain=domain, check_id=check_id, result=result, now=at)


def failing_notes(user: User) -> list[Notification]:
    return list(inbox.inbox(user).filter(kind="evidence:verdict:fail"))


def test_a_check_that_starts_failing_tells_the_admins_once(
    alice: User,
    carol: User,
    bob: User,
    alpha_domain: Domain,
    t0: datetime,
    django_capture_on_commit_callbacks: Any,
) -> None:
    scan(alpha_domain, "pass", t0, django_capture_on_commit_callbacks)
    assert failing_notes(alice) == []

    failed = scan(
        alpha_domain, "fail", t0 + DAY, django_capture_on_commit_callbacks, codes=("no_contact",)
    )
    for later in (2, 3, 4):  # each daily scan finds the same failure
        scan(alpha_domain, "fail", t0 + later * DAY, django_capture_on_commit_callbacks)

    [note] = failing_notes(alice)
    assert note.subject == "security-txt fails on alpha.example"
    assert "“security.txt is published” (security-txt) no longer holds" in note.body
    assert "What it reports: no_contact." in note.body
    assert note.link == f"/evidence/observations/{failed.pk}/"
    assert failing_notes(carol) == failing_notes(bob) == []  # a member, another organisation


def test_each_new_failure_is_told_and_recovery_or_failing_from_the_start_is_not(
    alice: User, org_a: Organisation, t0: datetime, django_capture_on_commit_callbacks: Any
) -> None:
    other = Domain.objects.create(organisation=org_a, name="beta-site.example")
    scan(other, "fail", t0, django_capture_on_commit_callbacks)  # never passed: no news
    scan(other, "pass", t0 + DAY, django_capture_on_commit_callbacks)  # better: no notice
    scan(other, "error", t0 + 2 * DAY, django_capture_on_commit_callbacks)
    scan(other, "fail", t0 + 3 * DAY, django_capture_on_commit_callbacks)  # still failing
    scan(other, "warn", t0 + 4 * DAY, django_capture_on_commit_callbacks)
    scan(other, "fail", t0 + 5 * DAY, django_capture_on_commit_callbacks)

    subjects = [note.subject for note in failing_notes(alice)]
    assert subjects == [
        "security-txt fails on beta-site.example",
        "security-txt could not be checked on beta-site.example",
    ]


def test_a_demo_organisations_domain_tells_nobody(
    make_user: Any, t0: datetime, django_capture_on_commit_callbacks: Any
) -> None:
    demo = Organisation.objects.create(name="Demo (demo)", slug="demo", is_demo=True)
    admin = make_user("admin@demo.example")
    Membership.objects.create(user=admin, organisation=demo, role=Membership.Role.ORG_ADMIN)
    domain = Domain.objects.create(organisation=demo, name="demo.example")
    scan(domain, "pass", t0, django_capture_on_commit_callbacks)
    scan(domain, "fail", t0 + DAY, django_capture_on_commit_callbacks)
    assert failing_notes(admin) == []


def test_a_notice_that_cannot_be_made_never_undoes_the_scan(
    alice: User,
    alpha_domain: Domain,
    t0: datetime,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from accord.notifications import services as notifications

    def broken(**_kwargs: Any) -> None:
        raise RuntimeError("the inbox is unavailable")

    monkeypatch.setattr(notifications, "notify", broken)
    scan(alpha_domain, "pass", t0, django_capture_on_commit_callbacks)
    scan(alpha_domain, "fail", t0 + DAY, django_capture_on_commit_callbacks)
    assert alpha_domain.verdicts.get(check_id="security-txt").status == "fail"
