"""A verified practice whose evidence fails, but still within the grace period, says so
wherever its status is shown: "verified (in grace period until …)"."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accord.accounts.models import Organisation, User
from accord.commitments import services
from accord.commitments.models import Commitment, Status
from accord.evidence.models import Domain

pytestmark = pytest.mark.usefixtures("catalogue")
DAY = timedelta(days=1)
SCORECARD = "/adoption/organisations/alpha/scorecard/"
COMMITMENT = "/adoption/organisations/alpha/practices/cvd.security-txt/"
BADGE_PAGE = "/adoption/badges/alpha/cvd-baseline/"
GRACE = re.compile(r'\(in grace period until <time datetime="([\d-]+)">([^<]+)</time>\)')


@pytest.fixture
def failing(alice: User, org_a: Organisation, alpha_domain: Domain, observe: Any) -> Commitment:
    """Alpha's security.txt passed five days ago and has failed since two days ago."""
    now = timezone.now()
    commitment = services.commit_to_practice(
        organisation=org_a,
        practice_id="cvd.security-txt",
        target_date=timezone.localdate() + 90 * DAY,
        actor=alice,
    )
    Commitment.objects.filter(pk=commitment.pk).update(
        committed_at=now - 10 * DAY, status_since=now - 10 * DAY
    )
    observe(alpha_domain, "security-txt", "pass", now - 5 * DAY)
    observe(alpha_domain, "security-txt", "fail", now - 2 * DAY)
    commitment.refresh_from_db()
    assert commitment.status == Status.VERIFIED
    services.set_publication(organisation=org_a, public_profile=True, badges=True, actor=alice)
    return commitment


def grace_dates(html: str) -> list[str]:
    return [iso for iso, _ in GRACE.findall(html)]


def test_every_page_with_the_status_names_the_grace_period(
    failing: Commitment, alice: User, client_for: Any, settings: Any
) -> None:
    lapses_on = timezone.localdate(timezone.now() - 2 * DAY + 14 * DAY).isoformat()
    member, public = client_for(alice), Client()
    for client in (member, public):
        html = client.get(SCORECARD).content.decode()
        assert grace_dates(html) == [lapses_on]
        assert re.search(r'>verified</span> <span class="grace"[^>]*>\(in grace period until', html)
        assert grace_dates(client.get(COMMITMENT).content.decode()) == [lapses_on]
    badge_page = public.get(BADGE_PAGE).content.decode()
    assert '>Verified</span> <span class="grace">(in grace period until' in badge_page
    assert grace_dates(badge_page) == [lapses_on]


def test_the_grace_period_follows_the_setting(
    failing: Commitment, client: Client, settings: Any
) -> None:
    settings.ACCORD_LAPSE_GRACE_DAYS = 30
    lapses_on = timezone.localdate(timezone.now() - 2 * DAY + 30 * DAY).isoformat()
    assert grace_dates(client.get(SCORECARD).content.decode()) == [lapses_on]


def test_passing_evidence_has_no_grace_period(
    failing: Commitment, client: Client, alpha_domain: Domain, observe: Any
) -> None:
    observe(alpha_domain, "security-txt", "pass", timezone.now() - DAY)
    assert "grace period" not in client.get(SCORECARD).content.decode()
    assert "grace period" not in client.get(BADGE_PAGE).content.decode()


def test_a_lapsed_commitment_has_no_grace_period(
    failing: Commitment, client: Client, settings: Any
) -> None:
    settings.ACCORD_LAPSE_GRACE_DAYS = 1
    services.refresh_commitment(commitment=failing, now=timezone.now())
    failing.refresh_from_db()
    assert failing.status == Status.LAPSED
    html = client.get(SCORECARD).content.decode()
    assert "grace period until" not in html
    assert ">lapsed</span>" in html
