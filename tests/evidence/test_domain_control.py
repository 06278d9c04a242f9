"""Proving control of a domain, checking it again, lapses and disputes, through the
services: what is stored, what people are told, what is refused and what is recorded.

DNS answers come from a fake resolver and files from an in-memory internet or the
engine's fake internet on loopback; nothing here asks the real DNS.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import TestCase
from tests.engine.checks.fakes import FakeFetcher

from accord import errors
from accord.accounts.models import Membership, Organisation, User
from accord.audit.models import Event
from accord.engine.fetcher import SafeFetcher
from accord.engine.testing.fake_dns import FakeTxtResolver
from accord.engine.testing.fake_internet import FakeInternet
from accord.evidence import services
from accord.evidence.hooks import DOMAIN_LAPSED, DOMAIN_PROVEN, DomainControlChanged
from accord.evidence.models import Control, Domain, ScanRun
from accord.notifications.models import Notification

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def dns_holding(*domains: Domain) -> FakeTxtResolver:
    """A zone in which each domain's challenge record holds its token."""
    return FakeTxtResolver({d.challenge_name: [d.challenge_token] for d in domains})


def check(
    domain: Domain,
    actor: Any,
    *,
    at: datetime = T0,
    resolver: FakeTxtResolver | None = None,
    fetcher: Any = None,
) -> services.ControlCheck:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.check_domain_control(
            domain=domain,
            actor=actor,
            now=at,
            resolver=resolver or FakeTxtResolver(),
            fetcher=fetcher or FakeFetcher(),
        )


def recheck(domain: Domain, *, at: datetime, holds: bool) -> services.ControlCheck | None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.recheck_domain_control(
            domain_id=domain.pk,
            now=at,
            resolver=dns_holding(domain) if holds else FakeTxtResolver(),
            fetcher=FakeFetcher(),
        )


def tags(prefix: str = "evidence:domain:") -> list[str]:
    return list(
        Event.objects.filter(tag__startswith=prefix).order_by("seq").values_list("tag", flat=True)
    )


def told(user: User) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


@pytest.fixture
def claim(alice: User, org_a: Organisation) -> Domain:
    return services.add_domain(organisation=org_a, name="alpha.example", actor=alice)


@pytest.fixture
def dave(make_user: Any, org_b: Organisation) -> User:
    """Org admin of Beta."""
    user = make_user("dave@beta.example")
    Membership.objects.create(user=user, organisation=org_b, role=Membership.Role.ORG_ADMIN)
    return user


@pytest.fixture
def announced() -> Any:
    """The domain-control hooks' payloads, as the apps above would receive them."""
    heard: list[tuple[str, DomainControlChanged]] = []
    handlers = [
        (DOMAIN_PROVEN, lambda p: heard.append(("prove", p))),
        (DOMAIN_LAPSED, lambda p: heard.append(("lapse", p))),
    ]
    for hook, handler in handlers:
        hook.subscribe(handler)
    yield heard
    for hook, handler in handlers:
        hook._handlers.remove(handler)


# Registering: a claim with its own token --------------------------------------------------


def test_each_claim_gets_a_random_token_and_counts_for_nothing_yet(
    claim: Domain, org_b: Organisation
) -> None:
    other = services.add_domain(organisation=org_b, name="alpha.example", actor=None)
    assert len(claim.challenge_token) >= 32
    assert claim.challenge_token != other.challenge_token
    assert claim.challenge_name == "_accord-challenge.alpha.example"
    assert claim.challenge_url == (
        f"https://alpha.example/.well-known/accord-verification/{claim.challenge_token}"
    )
    assert (claim.control, claim.counts) == (Control.UNVERIFIED, False)


# Proof by DNS and by file -------------------------------------------------------------------


def test_the_token_in_dns_verifies_the_claim_and_queues_its_first_scan(
    alice: User, claim: Domain, announced: list[Any]
) -> None:
    checked = check(claim, alice, resolver=dns_holding(claim))

    claim.refresh_from_db()
    assert checked.outcome == "verified"
    assert "alpha.example is verified" in checked.message
    assert (claim.control, claim.verified_by, claim.verified_at) == ("verified", "dns", T0)
    assert claim.counts
    run = ScanRun.objects.get(domain=claim)
    assert run.trigger == ScanRun.Trigger.DOMAIN_VERIFIED
    assert tags() == ["evidence:domain:add", "evidence:domain:check", "evidence:domain:prove"]
    prove = Event.objects.get(tag="evidence:domain:prove")
    assert (prove.actor, prove.data) == (alice, {"domain": "alpha.example", "method": "dns"})
    assert [(name, p.reason, p.domain_id) for name, p in announced] == [
        ("prove", "verified", claim.pk)
    ]


def test_the_token_file_on_the_fake_internet_verifies_the_claim(alice: User, claim: Domain) -> None:
    path = f"/.well-known/accord-verification/{claim.challenge_token}"
    with FakeInternet({"alpha.example": {path: (200, {}, claim.challenge_token + "\n")}}) as net:
        fetcher = SafeFetcher(**net.fetcher_options())
        try:
            checked = check(claim, alice, fetcher=fetcher)
        finally:
            asyncio.run(fetcher.aclose())

    assert checked.verified
    claim.refresh_from_db()
    assert claim.verified_by == "file"
    assert claim.check_found.startswith("DNS: NXDOMAIN: _accord-challenge.alpha.example")
    assert "File: the file at https://alpha.example/.well-known/" in claim.check_found


def test_a_failed_check_says_what_was_found_and_changes_nothing(alice: User, claim: Domain) -> None:
    zone = FakeTxtResolver({claim.challenge_name: ["an-old-token"]})

    checked = check(claim, alice, resolver=zone)

    assert checked.outcome == "unproven"
    assert "TXT record found but holds a different value" in checked.message
    assert "file not found (404)" in checked.message
    claim.refresh_from_db()
    assert (claim.control, claim.checked_at) == ("unverified", T0)
    assert 'holds a different value ("an-old-token")' in claim.check_found
    assert not ScanRun.objects.exists()
    assert Event.objects.get(tag="evidence:domain:check").data["proven"] is False


def test_nxdomain_is_reported_as_such(alice: User, claim: Domain) -> None:
    checked = check(claim, alice)
    assert "NXDOMAIN: _accord-challenge.alpha.example does not exist" in checked.message


def test_only_the_organisations_admins_and_the_secretariat_check_control(
    bob: User, carol: User, secretariat: User, claim: Domain
) -> None:
    for outsider in (bob, carol):  # another organisation's member; a plain member
        with pytest.raises(services.NotAllowed):
            check(claim, outsider, resolver=dns_holding(claim))
    assert check(claim, secretariat, resolver=dns_holding(claim)).verified


def test_check_now_cannot_be_pressed_again_and_again(alice: User, claim: Domain) -> None:
    check(claim, alice, at=T0)
    claim.refresh_from_db()
    with pytest.raises(services.ControlRefused, match="checked a few seconds ago"):
        check(claim, alice, at=T0 + timedelta(seconds=5))
    assert check(claim, alice, at=T0 + services.MANUAL_CHECK_COOLDOWN, resolver=dns_holding(claim))


def test_an_unproven_domain_is_not_scanned_even_when_asked(alice: User, claim: Domain) -> None:
    with pytest.raises(services.ScanNotDue, match="not scanned until its organisation proves"):
        services.request_manual_scan(domain=claim, actor=alice)
    assert services.schedule_due_scans(now=T0) == 0
    assert not ScanRun.objects.exists()


def test_a_queued_scan_of_a_domain_that_no_longer_counts_is_abandoned(claim: Domain) -> None:
    run = ScanRun.objects.create(domain=claim, trigger=ScanRun.Trigger.SCHEDULED, requested_at=T0)
    fetcher = FakeFetcher()

    assert services.run_scan(run_id=run.pk, fetcher=fetcher, now=T0) == 0

    run.refresh_from_db()
    assert run.state == ScanRun.State.ABANDONED
    assert "not scanned until its organisation proves control" in run.error
    assert fetcher.requests == []


# Demo domains -------------------------------------------------------------------------------


def test_demo_domains_are_marked_demo_count_and_are_never_checked(db: None) -> None:
    from accord.accounts import services as accounts

    demo = accounts.create_organisation(name="Fiction (demo)", slug="fiction", is_demo=True)
    domain = services.add_domain(organisation=demo, name="fiction.example", actor=None)

    assert (domain.control, domain.counts, domain.verified_by) == ("demo", True, "demo")
    assert services.not_scanned_reason(domain) == (
        "Demo organisation: fictional domain, not scanned."
    )
    with pytest.raises(services.ControlRefused, match="Demo organisation: fictional domain"):
        check(domain, None)
    assert services.schedule_control_checks(now=T0) == 0


def test_bulk_imported_demo_domains_are_demo_too(db: None) -> None:
    from accord.accounts import services as accounts

    demo = accounts.create_organisation(name="Saga (demo)", slug="saga", is_demo=True)
    [domain] = services.import_demo_domains(
        domains=[Domain(organisation=demo, name="Saga.Example", added_at=T0)]
    )
    domain.refresh_from_db()
    assert (domain.name, domain.control, domain.verified_at) == ("saga.example", "demo", T0)


# One verified claim per name ----------------------------------------------------------------


def test_the_database_refuses_two_verified_claims_on_one_name(
    org_a: Organisation, org_b: Organisation
) -> None:
    Domain.objects.create(organisation=org_a, name="shared.example", control=Control.VERIFIED)
    Domain.objects.create(organisation=org_b, name="shared.example")  # a claim: allowed
    rival = Domain.objects.filter(organisation=org_b, name="shared.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        rival.update(control=Control.VERIFIED)
    gamma = Organisation.objects.create(name="Gamma (demo)", slug="gamma", is_demo=True)
    with pytest.raises(IntegrityError), transaction.atomic():  # a demo claim counts too
        Domain.objects.create(organisation=gamma, name="shared.example", control=Control.DEMO)
    assert Domain.objects.counting().filter(name="shared.example").count() == 1
    lapsed = Domain.objects.create(organisation=org_b, name="old.example", control=Control.LAPSED)
    Domain.objects.create(organisation=org_a, name="old.example", control=Control.VERIFIED)
    assert lapsed.pk is not None  # claims that do not count never collide


def test_a_proof_while_another_organisation_holds_the_name_opens_a_dispute(
    alice: User, dave: User, secretariat: User, claim: Domain, org_b: Organisation
) -> None:
    check(claim, alice, resolver=dns_holding(claim))
    rival = services.add_domain(organisation=org_b, name="alpha.example", actor=dave)

    checked = check(rival, dave, resolver=dns_holding(rival))

    rival.refresh_from_db()
    assert checked.outcome == "contested"
    assert "another organisation holds a verified claim on alpha.example" in checked.message
    assert "Alpha" not in checked.message  # the holder is not named to a rival
    assert (rival.control, rival.counts) == ("contested", False)
    assert Domain.objects.counting().get(name="alpha.example") == claim
    assert told(secretariat) == ["evidence:domain:contest"]
    assert tags("evidence:domain:contest") == ["evidence:domain:contest"]

    check(rival, dave, at=T0 + DAY, resolver=dns_holding(rival))  # tried again
    assert told(secretariat) == ["evidence:domain:contest"]  # told once


def test_a_name_whose_holder_lapsed_can_be_proven_by_another(
    alice: User, dave: User, claim: Domain, org_b: Organisation
) -> None:
    Domain.objects.filter(pk=claim.pk).update(control=Control.LAPSED)
    rival = services.add_domain(organisation=org_b, name="alpha.example", actor=dave)
    assert check(rival, dave, resolver=dns_holding(rival)).verified


def test_two_proofs_at_once_leave_one_verified_and_the_other_contested(
    alice: User, dave: User, claim: Domain, org_b: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    from accord.evidence.services import control

    rival = services.add_domain(organisation=org_b, name="alpha.example", actor=dave)
    check(claim, alice, resolver=dns_holding(claim))
    # The rival's check looked for a holder before the first proof was stored.
    monkeypatch.setattr(control, "_holder", lambda domain: None)

    checked = check(rival, dave, resolver=dns_holding(rival))

    assert checked.outcome == "contested"
    rival.refresh_from_db()
    assert (rival.control, rival.verified_at, rival.verified_by) == (Control.CONTESTED, None, "")


# Checked again every day; a lapse after the grace period ----------------------------------


@pytest.fixture
def verified(alice: User, claim: Domain) -> Domain:
    check(claim, alice, resolver=dns_holding(claim))
    claim.refresh_from_db()
    return claim


def test_a_failing_recheck_starts_the_grace_period_and_warns_the_admins(
    alice: User, carol: User, verified: Domain
) -> None:
    checked = recheck(verified, at=T0 + DAY, holds=False)

    assert checked is not None
    assert checked.outcome == "failing"
    assert "stays verified until 01 December 2026" in checked.message
    verified.refresh_from_db()
    assert (verified.control, verified.failing_since, verified.failed_checks) == (
        "verified",
        T0 + DAY,
        1,
    )
    assert told(alice) == ["evidence:domain:failing"]
    assert told(carol) == []  # admins are told, not every member
    recheck(verified, at=T0 + 2 * DAY, holds=False)
    assert told(alice) == ["evidence:domain:failing"]  # once per failing spell


def test_a_proof_failing_for_the_grace_period_lapses_and_stops_counting(
    alice: User, verified: Domain, announced: list[Any]
) -> None:
    for day in (1, 2, 3):
        recheck(verified, at=T0 + day * DAY, holds=False)
    verified.refresh_from_db()
    assert verified.control == Control.VERIFIED  # two days into a three-day grace

    checked = recheck(verified, at=T0 + 4 * DAY, holds=False)

    assert checked is not None
    assert checked.outcome == "lapsed"
    verified.refresh_from_db()
    assert (verified.control, verified.counts, verified.failed_checks) == ("lapsed", False, 4)
    assert sorted(told(alice)) == ["evidence:domain:failing", "evidence:domain:lapse"]
    lapse = Notification.objects.get(recipient=alice, kind="evidence:domain:lapse")
    assert "alpha.example" in lapse.subject
    assert lapse.link == "/accounts/organisations/alpha/#domains"
    event = Event.objects.get(tag="evidence:domain:lapse")
    assert event.data["checks"] == 4
    assert announced[-1][0] == "lapse"
    assert announced[-1][1].reason == "lapsed"
    assert services.schedule_due_scans(now=T0 + 5 * DAY) == 0
    assert recheck(verified, at=T0 + 5 * DAY, holds=True) is None  # not rechecked: re-proven


def test_the_grace_period_comes_from_settings(settings: Any, alice: User, verified: Domain) -> None:
    settings.ACCORD_DOMAIN_PROOF_GRACE_DAYS = 0
    checked = recheck(verified, at=T0 + DAY, holds=False)
    assert checked is not None
    assert checked.outcome == "lapsed"


def test_a_passing_recheck_ends_the_failing_spell(alice: User, verified: Domain) -> None:
    recheck(verified, at=T0 + DAY, holds=False)
    checked = recheck(verified, at=T0 + 2 * DAY, holds=True)

    assert checked is not None
    assert checked.outcome == "holds"
    verified.refresh_from_db()
    assert (verified.failing_since, verified.failed_checks) == (None, 0)
    assert tags("evidence:domain:lapse") == []


def test_a_lapsed_domain_is_proven_again_with_check_now(alice: User, verified: Domain) -> None:
    Domain.objects.filter(pk=verified.pk).update(control=Control.LAPSED, failed_checks=4)
    verified.refresh_from_db()
    checked = check(verified, alice, at=T0 + 9 * DAY, resolver=dns_holding(verified))
    assert checked.outcome == "verified"
    verified.refresh_from_db()
    assert (verified.control, verified.failed_checks) == ("verified", 0)


def test_verified_domains_are_rechecked_once_a_day(
    settings: Any, verified: Domain, org_b: Organisation
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    services.add_domain(organisation=org_b, name="beta.example", actor=None)  # unverified

    with TestCase.captureOnCommitCallbacks(execute=True) as queued:
        assert services.schedule_control_checks(now=T0 + timedelta(hours=23)) == 0
        assert services.schedule_control_checks(now=T0 + timedelta(hours=25)) == 1
        assert services.schedule_control_checks(now=T0 + timedelta(hours=26)) == 0  # queued

    assert len(queued) == 1
    lost = T0 + timedelta(hours=25) + services.recheck_interval()
    assert services.schedule_control_checks(now=lost + timedelta(minutes=1)) == 1


_ZONE = FakeTxtResolver()


def the_zone() -> FakeTxtResolver:
    """The resolver the services make while a test names it in ACCORD_DNS_RESOLVER."""
    return _ZONE


def test_the_recheck_task_checks_the_domain_with_the_configured_resolver(
    settings: Any, verified: Domain
) -> None:
    from accord.evidence.tasks import recheck_domain_control_task

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.ACCORD_DNS_RESOLVER = f"{__name__}.the_zone"
    settings.ACCORD_SCAN_FETCHER = "tests.engine.checks.fakes.FakeFetcher"
    _ZONE.records = {verified.challenge_name: [verified.challenge_token]}

    result = recheck_domain_control_task.enqueue(verified.pk)

    assert result.return_value is True
    assert _ZONE.lookups[-1] == verified.challenge_name


def test_the_scheduler_queues_the_daily_checks(settings: Any, verified: Domain) -> None:
    from accord.worker import Scheduler

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    scheduler = Scheduler(every=300, interval=DAY, clock=lambda: T0 + 2 * DAY)
    with TestCase.captureOnCommitCallbacks() as callbacks:
        scheduler.tick()
    names = [getattr(c, "func", c).__name__ for c in callbacks]
    assert "_enqueue_recheck" in names


# Disputes -----------------------------------------------------------------------------------


@pytest.fixture
def dispute(alice: User, dave: User, verified: Domain, org_b: Organisation) -> Domain:
    """Beta proved alpha.example while Alpha held it: Beta's claim is contested."""
    rival = services.add_domain(organisation=org_b, name="alpha.example", actor=dave)
    check(rival, dave, resolver=dns_holding(rival))
    rival.refresh_from_db()
    return rival


def test_the_secretariat_awards_a_contested_domain_and_the_other_claim_is_revoked(
    secretariat: User,
    alice: User,
    dave: User,
    verified: Domain,
    dispute: Domain,
    announced: list[Any],
) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        winner = services.award_domain(domain=dispute, actor=secretariat, now=T0 + DAY)

    verified.refresh_from_db()
    assert (winner.control, winner.verified_by, winner.counts) == ("verified", "award", True)
    assert (verified.control, verified.counts) == ("revoked", False)
    event = Event.objects.get(tag="evidence:domain:award")
    assert (event.actor, event.data) == (
        secretariat,
        {"domain": "alpha.example", "awarded_to": "beta", "revoked": ["alpha"]},
    )
    assert "evidence:domain:award" in told(dave)
    assert "evidence:domain:revoke" in told(alice)
    assert sorted((name, p.reason) for name, p in announced[-2:]) == [
        ("lapse", "revoked"),
        ("prove", "awarded"),
    ]
    assert ScanRun.objects.filter(domain=winner, trigger="domain_verified").exists()


def test_awarding_to_the_holder_keeps_it_and_revokes_the_contest(
    secretariat: User, verified: Domain, dispute: Domain
) -> None:
    services.award_domain(domain=verified, actor=secretariat)
    dispute.refresh_from_db()
    verified.refresh_from_db()
    assert (verified.control, dispute.control) == ("verified", "revoked")


def test_only_the_secretariat_awards_and_only_contested_names(
    alice: User, dave: User, secretariat: User, verified: Domain, dispute: Domain
) -> None:
    for person in (alice, dave):
        with pytest.raises(services.NotAllowed):
            services.award_domain(domain=dispute, actor=person)
    services.award_domain(domain=dispute, actor=secretariat)
    with pytest.raises(services.ControlRefused, match="nothing to award"):
        services.award_domain(domain=verified, actor=secretariat)


def test_removing_a_domain_that_counted_is_announced(
    alice: User, verified: Domain, announced: list[Any]
) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.remove_domain(domain=verified, actor=alice)
    assert [(name, p.reason) for name, p in announced][-1] == ("lapse", "removed")


def test_a_domain_removed_while_it_was_checked_is_not_found(
    alice: User, claim: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    from accord.evidence.services import control

    real = control._retrieve

    def removed_meanwhile(domain: Domain, *args: Any) -> Any:
        found = real(domain, *args)
        Domain.objects.filter(pk=domain.pk).delete()
        return found

    monkeypatch.setattr(control, "_retrieve", removed_meanwhile)
    with pytest.raises(errors.NotFound):
        check(claim, alice, resolver=dns_holding(claim))


def test_the_secretariat_and_members_see_lapsed_domains(
    secretariat: User, carol: User, bob: User, verified: Domain
) -> None:
    from accord.evidence import selectors

    Domain.objects.filter(pk=verified.pk).update(control=Control.LAPSED)
    assert list(selectors.lapsed_domains(secretariat)) == [verified]
    assert list(selectors.lapsed_domains(carol)) == [verified]
    assert list(selectors.lapsed_domains(bob)) == []
    assert services.not_scanned_reason(verified) == ""  # as it was: verified


def test_a_dispute_lists_the_holder_first(
    secretariat: User, verified: Domain, dispute: Domain
) -> None:
    from accord.evidence import selectors

    [found] = selectors.disputes(secretariat) or []
    assert (found.name, found.holder) == ("alpha.example", verified)
    assert found.claims == [verified, dispute]
