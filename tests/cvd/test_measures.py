"""Disclosure measures: per case and vendor, the times from notification to
acknowledgement, first statement, fix and publication, and whether the embargo held;
computed again from the records after each step; each vendor organisation's
acknowledgement evidence, and the commitment status derived from it; who sees them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accord.commitments import services as commitments
from accord.commitments.models import Status
from accord.cvd.models import Advisory, Case, Delivery, DisclosureMeasure, Participant
from accord.cvd.selectors.measures import case_measures
from accord.cvd.services import cases, delivery, embargo, measures, statements
from accord.cvd.services.embargo import SCHEDULED_END
from accord.engine.registry import ACKNOWLEDGEMENT_CHECK, PLATFORM_CHECKS
from accord.evidence.models import Observation
from tests.cvd.conftest import World

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
WITHIN = PLATFORM_CHECKS[ACKNOWLEDGEMENT_CHECK].within_days


@pytest.fixture
def notified(cvd_world: World, settings: Any, django_capture_on_commit_callbacks: Any) -> World:
    """The world with both vendors notified: vendor A a day ago, vendor B ten days ago."""
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True):
        delivery.notify_vendors(actor=cvd_world.secretariat, case=cvd_world.case)
    notified_on(cvd_world.participant_a, days_ago=1)
    notified_on(cvd_world.participant_b, days_ago=10)
    measures.refresh_measures(case=cvd_world.case)
    return cvd_world


def notified_on(participant: Participant, *, days_ago: float) -> datetime:
    moment = timezone.now() - timedelta(days=days_ago)
    Delivery.objects.filter(participant=participant).update(created_at=moment)
    return moment


def measure_of(participant: Participant) -> DisclosureMeasure:
    return DisclosureMeasure.objects.get(participant=participant)


def acknowledge(world: World, participant: Participant, user: Any) -> None:
    cases.set_report_state(actor=user, participant=participant, state="valid")


def platform_observations(organisation: Any) -> list[Observation]:
    return list(
        Observation.objects.filter(
            organisation=organisation, source="platform", check_id=ACKNOWLEDGEMENT_CHECK
        ).order_by("observed_at", "pk")
    )


def test_each_vendor_is_measured_from_its_first_notice(notified: World) -> None:
    a, b = measure_of(notified.participant_a), measure_of(notified.participant_b)
    assert a.notified_at is not None
    assert b.notified_at is not None
    assert a.notified_at > b.notified_at
    assert a.acknowledged_at is None
    assert b.acknowledged_at is None
    # The observer is no vendor: it has no measure.
    assert not DisclosureMeasure.objects.filter(participant=notified.participant_observer)


def test_one_vendor_acknowledges_fast_the_other_never(notified: World) -> None:
    acknowledge(notified, notified.participant_a, notified.vendor_a_admin)
    a, b = measure_of(notified.participant_a), measure_of(notified.participant_b)
    assert a.days_to_acknowledgement == pytest.approx(1.0, abs=0.1)
    assert b.acknowledged_at is None
    assert b.days_to_acknowledgement is None
    [seen_a] = platform_observations(notified.vendor_a)[-1:]
    assert seen_a.status == "pass"
    assert seen_a.result["details"]["median_days"]["acknowledgement"] == pytest.approx(1.0, abs=0.1)
    [seen_b] = platform_observations(notified.vendor_b)
    assert seen_b.status == "fail"
    assert seen_b.codes == ["cvd_acknowledgement_missing"]
    assert seen_b.domain is None
    assert seen_b.domain_name == ""


def test_a_late_acknowledgement_fails_and_says_so(notified: World) -> None:
    acknowledge(notified, notified.participant_b, notified.vendor_b_member)
    assert measure_of(notified.participant_b).days_to_acknowledgement == pytest.approx(10, abs=0.1)
    latest = platform_observations(notified.vendor_b)[-1]
    assert (latest.status, latest.codes) == ("fail", ["cvd_acknowledgement_late"])
    assert latest.result["details"]["late"] == 1


def test_a_vendor_not_yet_due_is_not_judged(cvd_world: World) -> None:
    Delivery.objects.create(
        participant=cvd_world.participant_a, address="psirt@acme.example", source="account",
        through=0,
    )  # fmt: skip
    measures.refresh_measures(case=cvd_world.case)
    assert measure_of(cvd_world.participant_a).notified_at is not None
    assert platform_observations(cvd_world.vendor_a) == []


def test_a_notice_that_told_nobody_starts_no_clock(cvd_world: World) -> None:
    # A vendor known only by its address: a mail held, or with no contact, told nobody.
    invited = cases.add_participant(
        actor=cvd_world.secretariat, case=cvd_world.case, role="vendor", email="sec@new.example"
    )
    for held, source in ((True, "invited"), (False, "none")):
        Delivery.objects.create(participant=invited, source=source, held=held, through=0)
    measures.refresh_measures(case=cvd_world.case)
    assert measure_of(invited).notified_at is None
    Delivery.objects.create(participant=invited, source="invited", address="sec@new.example",
                            through=0)  # fmt: skip
    measures.refresh_measures(case=cvd_world.case)
    assert measure_of(invited).notified_at is not None


def test_statements_and_the_fix_are_measured(notified: World) -> None:
    vulnerability = notified.vulnerability
    statements.make_statement(
        actor=notified.vendor_a_admin,
        participant=notified.participant_a,
        vulnerability=vulnerability,
        status="under_investigation",
    )
    a = measure_of(notified.participant_a)
    assert a.first_statement_at is not None
    assert a.fixed_at is None
    statements.make_statement(
        actor=notified.vendor_a_admin,
        participant=notified.participant_a,
        vulnerability=vulnerability,
        status="fixed",
        fixed_version="2.0.1",
    )
    again = measure_of(notified.participant_a)
    assert again.first_statement_at == a.first_statement_at  # the first stays the first
    assert again.fixed_at is not None
    assert again.fixed_at > a.first_statement_at
    assert measure_of(notified.participant_b).first_statement_at is None


def test_the_leads_move_for_a_vendor_is_no_acknowledgement(notified: World) -> None:
    # The lead may move a vendor's report state for it; only the vendor's own answer
    # counts, or a coordinator could make a vendor's evidence pass.
    acknowledge(notified, notified.participant_a, notified.secretariat)
    assert measure_of(notified.participant_a).acknowledged_at is None
    assert all(o.status != "pass" for o in platform_observations(notified.vendor_a))
    cases.set_report_state(
        actor=notified.vendor_a_admin, participant=notified.participant_a, state="accepted"
    )
    assert measure_of(notified.participant_a).acknowledged_at is not None
    assert platform_observations(notified.vendor_a)[-1].status == "pass"


def test_a_vendor_admins_move_is_an_acknowledgement(notified: World) -> None:
    acknowledge(notified, notified.participant_a, notified.vendor_a_admin)
    assert measure_of(notified.participant_a).acknowledged_at is not None


def test_an_invited_vendors_own_user_acknowledges(cvd_world: World, make_user: Any) -> None:
    person = make_user("alone@solo.example")
    vendor = cases.add_participant(
        actor=cvd_world.secretariat, case=cvd_world.case, role="vendor", user=person
    )
    Delivery.objects.create(participant=vendor, source="account", through=0)
    acknowledge(cvd_world, vendor, cvd_world.secretariat)
    assert measure_of(vendor).acknowledged_at is None
    cases.set_report_state(actor=person, participant=vendor, state="accepted")
    assert measure_of(vendor).acknowledged_at is not None


def test_statements_the_lead_records_for_a_vendor_are_not_the_vendors(notified: World) -> None:
    statements.make_statement(
        actor=notified.secretariat,
        participant=notified.participant_a,
        vulnerability=notified.vulnerability,
        status="fixed",
        fixed_version="2.0.1",
    )
    a = measure_of(notified.participant_a)
    assert (a.first_statement_at, a.fixed_at) == (None, None)
    statements.make_statement(
        actor=notified.vendor_a_admin,
        participant=notified.participant_a,
        vulnerability=notified.vulnerability,
        status="fixed",
        fixed_version="2.0.2",
    )
    a = measure_of(notified.participant_a)
    assert a.first_statement_at is not None
    assert a.fixed_at == a.first_statement_at


# What a step costs: a vendor's own step computes its measure alone -----------------


def more_vendors(world: World, make_user: Any, count: int) -> None:
    from accord.accounts.models import Membership, Organisation

    for n in range(count):
        org = Organisation.objects.create(name=f"Vendor {n}", slug=f"vendor-{n}")
        Membership.objects.create(
            user=make_user(f"psirt@v{n}.example"), organisation=org, role="org_admin"
        )
        cases.add_participant(
            actor=world.secretariat, case=world.case, role="vendor", organisation=org
        )


def stored(monkeypatch: Any) -> list[int]:
    """The vendors whose measure is computed from now on, one entry each time."""
    seen: list[int] = []
    original = measures._store

    def spy(vendor: Participant, **kwargs: Any) -> DisclosureMeasure:
        seen.append(vendor.pk)
        return original(vendor, **kwargs)

    monkeypatch.setattr(measures, "_store", spy)
    return seen


def test_each_notice_computes_its_own_vendors_measure(
    cvd_world: World,
    make_user: Any,
    settings: Any,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.TASKS = IMMEDIATE
    more_vendors(cvd_world, make_user, 4)
    seen = stored(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        told = delivery.notify_vendors(actor=cvd_world.secretariat, case=cvd_world.case)
    assert told == 6
    assert len(seen) == 6  # once each, not every vendor at every notice
    assert len(set(seen)) == 6


def test_a_vendors_step_costs_the_same_however_many_vendors(
    notified: World, make_user: Any, monkeypatch: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def state_change(participant: Participant, state: str, user: Any) -> int:
        with CaptureQueriesContext(connection) as queries:
            cases.set_report_state(actor=user, participant=participant, state=state)
        return len(queries)

    few = state_change(notified.participant_a, "valid", notified.vendor_a_admin)
    more_vendors(notified, make_user, 5)
    Delivery.objects.bulk_create(
        Delivery(participant=p, source="account", through=0)
        for p in Participant.objects.filter(case=notified.case, role="vendor")
    )
    seen = stored(monkeypatch)
    many = state_change(notified.participant_b, "valid", notified.vendor_b_member)
    assert seen == [notified.participant_b.pk]
    assert many == few
    # A case-wide step still computes every vendor's.
    seen.clear()
    adopt(notified, days=30)
    assert len(seen) == 7


def publish(case: Case, *, at: datetime) -> Advisory:
    return Advisory.objects.create(
        case=case,
        tracking_id=case.reference,
        title=case.title,
        tlp="clear",
        initial_release_at=at,
        current_release_at=at,
    )


def test_publication_is_taken_from_the_advisory(notified: World) -> None:
    publish(notified.case, at=timezone.now())
    measures.refresh_measures(case=notified.case)
    assert measure_of(notified.participant_b).days_to_publication == pytest.approx(10, abs=0.1)
    assert measure_of(notified.participant_a).days_to_publication == pytest.approx(1, abs=0.1)


def adopt(world: World, *, days: int) -> Case:
    proposal = embargo.propose_embargo(
        actor=world.secretariat, case=world.case, ends_at=timezone.now() + timedelta(days=days)
    )
    return embargo.adopt_embargo(actor=world.secretariat, proposal=proposal)


def test_no_embargo_held_or_broken_until_one_ends(notified: World) -> None:
    assert measure_of(notified.participant_a).embargo_held is None
    adopt(notified, days=30)
    assert measure_of(notified.participant_a).embargo_held is None


def test_an_embargo_ended_early_is_broken(notified: World) -> None:
    adopt(notified, days=30)
    embargo.end_embargo(actor=notified.secretariat, case=notified.case, reason="Exploited.")
    assert measure_of(notified.participant_a).embargo_held is False
    details = platform_observations(notified.vendor_b)[-1].result["details"]
    assert details["embargo"] == {"held": 0, "broken": 1}


def test_an_embargo_run_to_its_date_held(notified: World) -> None:
    case = adopt(notified, days=30)
    assert embargo.end_due_embargoes(now=case.embargo_ends_at + timedelta(minutes=1)) == 1
    case.refresh_from_db()
    assert case.embargo_exit_reason == SCHEDULED_END
    assert measure_of(notified.participant_a).embargo_held is True
    assert measure_of(notified.participant_b).embargo_held is True


def test_publishing_while_the_embargo_stands_breaks_it(notified: World) -> None:
    adopt(notified, days=30)
    publish(notified.case, at=timezone.now())
    measures.refresh_measures(case=notified.case)
    assert measure_of(notified.participant_a).embargo_held is False


def test_refresh_is_idempotent(notified: World) -> None:
    acknowledge(notified, notified.participant_a, notified.vendor_a_admin)
    before = list(DisclosureMeasure.objects.values())
    observations = Observation.objects.count()
    measures.refresh_measures(case=notified.case)
    measures.refresh_measures(case=notified.case)
    assert list(DisclosureMeasure.objects.values()) == before
    assert Observation.objects.count() == observations


def test_a_removed_vendor_leaves_no_measure(notified: World) -> None:
    cases.remove_participant(actor=notified.secretariat, participant=notified.participant_b)
    assert not DisclosureMeasure.objects.filter(participant=notified.participant_b).exists()
    assert DisclosureMeasure.objects.filter(participant=notified.participant_a).exists()


def test_time_alone_makes_a_case_overdue(cvd_world: World) -> None:
    Delivery.objects.create(
        participant=cvd_world.participant_a, address="psirt@acme.example", source="account",
        through=0,
    )  # fmt: skip
    measures.refresh_measures(case=cvd_world.case)
    assert platform_observations(cvd_world.vendor_a) == []
    later = timezone.now() + timedelta(days=WITHIN + 1)
    assert measures.refresh_all_disclosure_evidence(now=later) == 1
    assert platform_observations(cvd_world.vendor_a)[-1].status == "fail"
    assert measures.refresh_all_disclosure_evidence(now=later) == 0  # nothing new


# Adoption status from the platform's evidence -------------------------------------------


def test_a_commitment_to_the_practice_is_verified_by_prompt_acknowledgement(
    notified: World, catalogue: Any, django_capture_on_commit_callbacks: Any
) -> None:
    commitment = commitments.commit_to_practice(
        organisation=notified.vendor_a,
        practice_id="cvd.acknowledge-cases",
        target_date=timezone.localdate() + timedelta(days=90),
        actor=notified.vendor_a_admin,
    )
    assert commitment.practice.check_id == ACKNOWLEDGEMENT_CHECK
    with django_capture_on_commit_callbacks(execute=True):
        acknowledge(notified, notified.participant_a, notified.vendor_a_admin)
    commitment.refresh_from_db()
    assert commitment.status == Status.VERIFIED


def test_an_unanswered_case_leaves_the_commitment_unverified(
    notified: World, catalogue: Any, django_capture_on_commit_callbacks: Any
) -> None:
    commitment = commitments.commit_to_practice(
        organisation=notified.vendor_b,
        practice_id="cvd.acknowledge-cases",
        target_date=timezone.localdate() + timedelta(days=90),
        actor=_admin(notified.vendor_b),
    )
    assert platform_observations(notified.vendor_b)[-1].status == "fail"
    commitments.refresh_commitment(commitment=commitment, now=timezone.now())
    commitment.refresh_from_db()
    assert commitment.status == Status.COMMITTED
    with django_capture_on_commit_callbacks(execute=True):
        acknowledge(notified, notified.participant_b, notified.vendor_b_member)
    commitment.refresh_from_db()
    assert commitment.status == Status.COMMITTED  # acknowledged, but late: still failing


def _admin(organisation: Any) -> Any:
    from accord.accounts.models import Membership, User

    user = User.objects.create_user(email=f"admin@{organisation.slug}.example", password="x" * 16)
    Membership.objects.create(user=user, organisation=organisation, role="org_admin")
    return user


def test_the_practice_states_the_days_the_check_applies(catalogue: Any) -> None:
    from accord.catalogue.models import Practice

    practice = Practice.objects.get(slug="cvd.acknowledge-cases")
    assert (practice.verification, practice.check_id) == ("automated", ACKNOWLEDGEMENT_CHECK)
    assert f"within {WITHIN} days" in practice.statement
    assert f"within {WITHIN} days" in practice.title


# Who sees the measures of a case ------------------------------------------------------


def test_a_vendor_sees_its_own_measure_and_not_the_other_vendors(notified: World) -> None:
    mine = case_measures(notified.vendor_a_admin, notified.case)
    assert [m.participant_id for m in mine] == [notified.participant_a.pk]
    theirs = case_measures(notified.vendor_b_member, notified.case)
    assert [m.participant_id for m in theirs] == [notified.participant_b.pk]


@pytest.mark.parametrize("who", ["secretariat"])
def test_the_lead_sees_every_vendors_measure(notified: World, who: str) -> None:
    seen = case_measures(getattr(notified, who), notified.case)
    assert {m.participant_id for m in seen} == {
        notified.participant_a.pk,
        notified.participant_b.pk,
    }


@pytest.mark.parametrize("who", ["observer", "outsider", "coordinator"])
def test_others_see_no_measure(notified: World, who: str) -> None:
    assert not case_measures(getattr(notified, who), notified.case).exists()


def test_a_vendors_observation_is_its_own(notified: World) -> None:
    from accord.evidence.models import Observation as Seen

    assert not Seen.objects.visible_to(notified.vendor_a_admin).filter(
        organisation=notified.vendor_b
    )
    assert Seen.objects.visible_to(notified.vendor_b_member).filter(organisation=notified.vendor_b)


def test_the_observation_page_names_the_platform_and_only_for_its_organisation(
    notified: World, client_for: Any
) -> None:
    [observation] = platform_observations(notified.vendor_b)
    url = f"/evidence/observations/{observation.pk}/"
    page = client_for(notified.vendor_b_member).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "from the platform&#x27;s records" in html
    assert "cvd_acknowledgement_missing" in html
    assert client_for(notified.vendor_a_admin).get(url).status_code == 404


def test_the_publication_service_brings_the_time_of_publication(
    cvd_world: World, ready: Case
) -> None:
    from accord.cvd.services import publication

    adopt(cvd_world, days=30)
    publication.publish_advisory(actor=cvd_world.secretariat, case=ready, end_embargo=True)
    advisory = Advisory.objects.get(case=ready)
    measure = measure_of(cvd_world.participant_a)
    assert measure.published_at == advisory.initial_release_at
    # Ending the embargo before its date to publish is an early exit: it did not hold.
    assert measure.embargo_held is False


def test_the_publication_tab_shows_each_viewer_the_measures_it_may_see(
    cvd_world: Any, client_for: Any
) -> None:
    delivery.notify_vendors(actor=cvd_world.secretariat, case=cvd_world.case)
    for participant in (cvd_world.participant_a, cvd_world.participant_b):
        delivery.send_notice(participant_id=participant.pk, through=0)
    page_url = reverse("cvd:publication", args=[cvd_world.case.reference])
    lead = client_for(cvd_world.secretariat).get(page_url).content.decode()
    assert "Disclosure measures" in lead
    assert lead.count('<tr data-participant="') == 2
    own = client_for(cvd_world.vendor_a_admin).get(page_url).content.decode()
    assert own.count('<tr data-participant="') == 1
    assert f'<tr data-participant="{cvd_world.participant_a.pk}">' in own
