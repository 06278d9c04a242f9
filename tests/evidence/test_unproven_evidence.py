"""Evidence counts only on domains whose control is proven: what an organisation's
commitments, scorecard and badges make of observations of a domain it merely claims.

The defect this answers: one organisation registered another's domain, and the
evidence of that domain (automated "verified" statuses, public badges) was credited
to the claimant.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone
from tests.engine.checks.fakes import FakeFetcher

from accord.accounts.models import Membership, Organisation, User
from accord.commitments import services as commitments
from accord.commitments.models import Commitment, PublicationPreference, Status
from accord.engine.testing.fake_dns import FakeTxtResolver
from accord.evidence import selectors, services
from accord.evidence.models import Control, Domain

pytestmark = pytest.mark.usefixtures("catalogue")

PRACTICE = "cvd.security-txt"  # automated:security-txt
DAY = timedelta(days=1)


@pytest.fixture
def dave(make_user: Any, org_b: Organisation) -> User:
    user = make_user("dave@beta.example")
    Membership.objects.create(user=user, organisation=org_b, role=Membership.Role.ORG_ADMIN)
    return user


def commit(organisation: Organisation, actor: User) -> Commitment:
    return commitments.commit_to_practice(
        organisation=organisation,
        practice_id=PRACTICE,
        actor=actor,
        target_date=timezone.localdate() + 90 * DAY,
        now=timezone.now() - 10 * DAY,
    )


def status(commitment: Commitment) -> str:
    commitment.refresh_from_db()
    return commitment.status


def prove(domain: Domain, actor: User) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.check_domain_control(
            domain=domain,
            actor=actor,
            resolver=FakeTxtResolver({domain.challenge_name: [domain.challenge_token]}),
            fetcher=FakeFetcher(),
        )


def lapse(domain: Domain) -> None:
    """Fail the daily checks for longer than the grace period."""
    start = timezone.now()
    for day in range(5):
        with TestCase.captureOnCommitCallbacks(execute=True):
            services.recheck_domain_control(
                domain_id=domain.pk,
                now=start + day * DAY,
                resolver=FakeTxtResolver(),
                fetcher=FakeFetcher(),
            )
    domain.refresh_from_db()
    assert domain.control == Control.LAPSED


def test_a_claimed_domains_passing_evidence_does_not_verify_the_claimants_commitment(
    dave: User, org_b: Organisation, observe: Any
) -> None:
    claimed = services.add_domain(organisation=org_b, name="alpha.example", actor=dave)
    commitment = commit(org_b, dave)

    observe(claimed, "security-txt", "pass", timezone.now() - DAY)

    assert status(commitment) == Status.COMMITTED
    assert list(selectors.latest_observations(org_b)) == []
    assert [d.name for d in selectors.uncounted_domains(org_b)] == ["alpha.example"]


def test_proving_control_makes_the_evidence_count_at_once(
    dave: User, org_b: Organisation, observe: Any, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    claimed = services.add_domain(organisation=org_b, name="beta.example", actor=dave)
    commitment = commit(org_b, dave)
    observe(claimed, "security-txt", "pass", timezone.now() - DAY)  # seen before the proof

    prove(claimed, dave)

    assert status(commitment) == Status.VERIFIED


def test_a_lapsed_proof_takes_the_verified_status_away_and_a_new_proof_gives_it_back(
    alice: User, org_a: Organisation, observe: Any, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    domain = services.add_domain(organisation=org_a, name="alpha.example", actor=alice)
    prove(domain, alice)
    commitment = commit(org_a, alice)
    observe(domain, "security-txt", "pass", timezone.now() - DAY)
    assert status(commitment) == Status.VERIFIED

    lapse(domain)

    assert status(commitment) == Status.COMMITTED
    later = timezone.now() + 6 * DAY
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.check_domain_control(
            domain=domain,
            actor=alice,
            now=later,
            resolver=FakeTxtResolver({domain.challenge_name: [domain.challenge_token]}),
            fetcher=FakeFetcher(),
        )
    assert status(commitment) == Status.VERIFIED


def test_the_scorecard_says_which_domains_do_not_count(
    client_for: Any, dave: User, org_b: Organisation
) -> None:
    services.add_domain(organisation=org_b, name="alpha.example", actor=dave)
    commit(org_b, dave)

    url = reverse("commitments:scorecard", args=["beta"])
    page = client_for(dave).get(url).content.decode()

    assert 'id="uncounted-domains"' in page
    assert "<code>alpha.example</code> (not verified yet)" in page


def test_a_public_badge_page_shows_no_evidence_of_a_claimed_domain(
    client: Client, dave: User, org_b: Organisation, observe: Any
) -> None:
    claimed = services.add_domain(organisation=org_b, name="alpha.example", actor=dave)
    commit(org_b, dave)
    observe(claimed, "security-txt", "pass", timezone.now() - DAY)
    PublicationPreference.objects.create(organisation=org_b, badges=True, public_profile=True)

    page = client.get("/adoption/badges/beta/cvd-baseline/").content.decode()

    assert "alpha.example" not in page
    standing = {row.practice.slug: row for row in _standing("beta")}
    assert standing[PRACTICE].status == Status.COMMITTED


def _standing(slug: str) -> list[Any]:
    from accord.badges import selectors as badges

    found = badges.profile_standing(
        organisation_slug=slug, profile_slug="cvd-baseline", now=timezone.now()
    )
    assert found is not None
    return list(found.practices)
