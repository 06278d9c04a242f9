"""Reading evidence: the selectors other apps build on, and the permission rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from accord.accounts.models import Membership, Organisation, User
from accord.accounts.permissions import Permission, has_perm
from accord.catalogue.models import Practice
from accord.engine.registry import CHECKS
from accord.engine.types import CheckResult, Finding, Status
from accord.evidence import selectors, services
from accord.evidence.models import Domain, Observation, VerdictChange

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def observe(domain: Domain, check_id: str, status: Status, at: datetime) -> Observation:
    errors = [Finding("broken", "broken")] if status == Status.FAIL else []
    return services.record_observation(
        domain=domain,
        check_id=check_id,
        result=CheckResult(check_id, status, errors=errors),
        now=at,
    )


@pytest.fixture
def alpha_domains(org_a: Organisation) -> tuple[Domain, Domain]:
    return (
        Domain.objects.create(organisation=org_a, name="alpha.example", control="verified"),
        Domain.objects.create(organisation=org_a, name="alpha.example.net", control="verified"),
    )


def test_latest_observations_are_the_newest_per_domain_and_check(
    alpha_domains: tuple[Domain, Domain], org_b: Organisation
) -> None:
    main, other = alpha_domains
    observe(main, "security-txt", Status.PASS, T0)
    newest = observe(main, "security-txt", Status.FAIL, T0 + timedelta(days=1))
    hsts = observe(main, "https-hsts", Status.PASS, T0)
    other_txt = observe(other, "security-txt", Status.WARN, T0)
    beta = Domain.objects.create(organisation=org_b, name="beta.example", control="verified")
    observe(beta, "security-txt", Status.PASS, T0)

    latest = list(selectors.latest_observations(main.organisation))

    assert latest == [hsts, newest, other_txt]  # by domain name, then check id


def test_latest_observations_leave_out_removed_domains(
    alpha_domains: tuple[Domain, Domain],
) -> None:
    main, other = alpha_domains
    kept = observe(main, "vdp", Status.PASS, T0)
    observe(other, "vdp", Status.PASS, T0)
    other.delete()

    assert list(selectors.latest_observations(main.organisation)) == [kept]


def _practice(verification: str, check_id: str = "") -> Practice:
    return Practice(slug="p", title="p", verification=verification, check_id=check_id)


def test_practice_evidence_is_the_practices_check_on_every_domain(
    alpha_domains: tuple[Domain, Domain],
) -> None:
    main, other = alpha_domains
    on_main = observe(main, "security-txt", Status.PASS, T0)
    on_other = observe(other, "security-txt", Status.FAIL, T0)
    observe(main, "vdp", Status.PASS, T0)
    organisation = main.organisation

    automated = _practice("automated", "security-txt")
    assert list(selectors.practice_evidence(organisation, automated)) == [on_main, on_other]
    unobserved = _practice("automated", "csaf-provider")
    assert not selectors.practice_evidence(organisation, unobserved).exists()
    for verification in ("document", "attestation"):
        assert not selectors.practice_evidence(organisation, _practice(verification)).exists()
    assert not selectors.practice_evidence(organisation, _practice("automated")).exists()


def test_organisation_evidence_has_a_row_per_check_for_each_domain(
    alice: User, alpha_domains: tuple[Domain, Domain]
) -> None:
    main, _ = alpha_domains
    observe(main, "security-txt", Status.PASS, T0)
    observe(main, "security-txt", Status.FAIL, T0 + timedelta(days=1))

    evidence = selectors.organisation_evidence(alice, main.organisation)

    assert evidence is not None
    by_name = {item.domain.name: item for item in evidence.domains}
    assert [row.check_id for row in by_name["alpha.example"].rows] == list(CHECKS)
    txt = by_name["alpha.example"].rows[0]
    assert txt.observation is not None
    assert (txt.observation.status, txt.verdict and txt.verdict.since) == (
        "fail",
        T0 + timedelta(days=1),
    )
    assert by_name["alpha.example"].scanned
    assert not by_name["alpha.example.net"].scanned
    assert [change.to_status for change in evidence.changes] == ["fail"]


def test_evidence_selectors_answer_none_to_outsiders(
    bob: User, make_user: Any, alpha_domains: tuple[Domain, Domain]
) -> None:
    main, _ = alpha_domains
    observation = observe(main, "vdp", Status.PASS, T0)
    observer = make_user("gov@observer.example", instance_role=User.InstanceRole.OBSERVER)

    for outsider in (bob, observer):
        assert selectors.organisation_evidence(outsider, main.organisation) is None
        assert selectors.domain_for(outsider, main.pk) is None
        assert selectors.observation_for(outsider, observation.pk) is None
        assert not Observation.objects.visible_to(outsider).exists()


def test_history_marks_the_observations_that_changed_the_verdict(
    alice: User, alpha_domains: tuple[Domain, Domain]
) -> None:
    main, _ = alpha_domains
    observe(main, "vdp", Status.PASS, T0)
    changed = observe(main, "vdp", Status.FAIL, T0 + timedelta(days=1))
    observe(main, "vdp", Status.FAIL, T0 + timedelta(days=2))

    history = selectors.domain_history(alice, main)

    assert [o.changed_from for o in history.observations] == [None, "pass", None]
    assert [c.observation for c in history.changes] == [changed]
    assert history.can_scan
    assert selectors.domain_history(alice, main, check_id="nonsense").check_id is None


# Permission rules -------------------------------------------------------------------------


def test_evidence_is_for_members_and_the_secretariat(
    alice: User,
    bob: User,
    secretariat: User,
    make_user: Any,
    alpha_domains: tuple[Domain, Domain],
) -> None:
    main, _ = alpha_domains
    observe(main, "vdp", Status.PASS, T0)
    observation = observe(main, "vdp", Status.FAIL, T0 + timedelta(days=1))
    change = VerdictChange.objects.get()
    member = make_user("member@alpha.example")
    Membership.objects.create(user=member, organisation=main.organisation)
    inactive = make_user("gone@alpha.example", is_active=False)
    Membership.objects.create(user=inactive, organisation=main.organisation)

    for obj in (main.organisation, main, observation, change):
        assert has_perm(alice, Permission.EVIDENCE_VIEW, obj)
        assert has_perm(member, Permission.EVIDENCE_VIEW, obj)
        assert has_perm(secretariat, Permission.EVIDENCE_VIEW, obj)
        assert not has_perm(bob, Permission.EVIDENCE_VIEW, obj)
        assert not has_perm(inactive, Permission.EVIDENCE_VIEW, obj)
    assert not has_perm(alice, Permission.EVIDENCE_VIEW, None)
    assert not has_perm(alice, Permission.EVIDENCE_VIEW, "alpha.example")

    assert has_perm(alice, Permission.EVIDENCE_SCAN, main)
    assert has_perm(secretariat, Permission.EVIDENCE_SCAN, main)
    assert not has_perm(member, Permission.EVIDENCE_SCAN, main)
    assert not has_perm(bob, Permission.EVIDENCE_SCAN, main)
