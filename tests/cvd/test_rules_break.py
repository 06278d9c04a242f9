"""Trying to break the disclosure rules by hand: each test is an attempt someone could
make to read a case (or part of one) they should not, and the refusal it must meet.

The randomised test in `tests/access/test_authorisation.py` proves the rules on
generated worlds; these pin the attacks a reviewer would think of first, each on the
`cvd_world` fixture, through `has_perm` and the managers the selectors use.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Model
from django.utils import timezone

from accord.access import Permission, has_perm
from accord.accounts.models import Membership, Organisation, User
from accord.cvd import selectors
from accord.cvd.models import (
    AffectedProduct,
    Attachment,
    Case,
    CaseEvent,
    Coordinator,
    Delivery,
    EmbargoProposal,
    Participant,
    ParticipantInvitation,
    Post,
    Report,
    Statement,
    Thread,
    VendorProduct,
    Vulnerability,
)
from accord.cvd.services import cases

pytestmark = pytest.mark.django_db

VIEW, POSTS, STATEMENTS = (
    Permission.CVD_CASE_VIEW, Permission.CVD_POST_VIEW, Permission.CVD_STATEMENT_VIEW,
)  # fmt: skip


def _listed(model: type[Model], user: Any) -> set[Model]:
    return set(model.objects.visible_to(user))  # type: ignore[attr-defined]


def _report(
    *, reporter: User | None, disclosed: bool, coordinator: Organisation | None = None
) -> Report:
    number = Report.objects.count() + 1
    return Report.objects.create(
        reference=f"R-2026-{number:04d}",
        title="SQL injection in the login form",
        description="Send a quote.",
        coordinator=coordinator,
        reporter=reporter,
        reporter_name="Rita Reporter",
        reporter_email="" if reporter else "rita@example.net",
        identity_disclosed=disclosed,
    )


def _attachment(**on: Any) -> Attachment:
    return Attachment.objects.create(
        filename="poc.py", content_type="text/plain", size=1, sha256="0" * 64, content=b"x", **on
    )


def _private(w: Any, participant: Participant, case: Case | None = None) -> tuple[Thread, Post]:
    thread = Thread.objects.create(
        case=case or w.case, title="Between us", private_with=participant
    )
    return thread, Post.objects.create(thread=thread, body="Our fix ships on Monday.")


def _reported_case(w: Any, make_user: Any, *, disclosed: bool) -> tuple[Case, Report, User]:
    reporter = make_user("rita@example.net")
    report = _report(reporter=reporter, disclosed=disclosed)
    case = cases.open_case(actor=w.secretariat, title="From a report", report=report)
    for organisation, role in [
        (w.vendor_a, Participant.Role.VENDOR),
        (w.observer_org, Participant.Role.OBSERVER),
    ]:
        cases.add_participant(actor=w.secretariat, case=case, role=role, organisation=organisation)
    return case, report, reporter


# The reporter's identity, and the report itself --------------------------------------


def test_a_vendor_never_learns_who_reported_when_the_reporter_stayed_anonymous(
    cvd_world: Any, make_user: Any
) -> None:
    w = cvd_world
    case, report, reporter = _reported_case(w, make_user, disclosed=False)
    entry = case.participants.get(role=Participant.Role.REPORTER)
    assert entry.user == reporter
    for person in (w.vendor_a_admin, w.observer):
        assert has_perm(person, VIEW, case)
        assert not has_perm(person, Permission.CVD_REPORTER_VIEW, case)
        # Not even through the list of who takes part, where the reporter has a row.
        assert not has_perm(person, VIEW, entry), person
        assert entry not in _listed(Participant, person)
        assert not has_perm(person, Permission.CVD_REPORT_VIEW, report)
    for person in (w.secretariat, reporter):
        assert has_perm(person, Permission.CVD_REPORTER_VIEW, case)
        assert entry in _listed(Participant, person)


def test_a_reporter_who_chose_to_be_known_is_shown_to_vendors_but_not_to_observers(
    cvd_world: Any, make_user: Any
) -> None:
    w = cvd_world
    case, report, _ = _reported_case(w, make_user, disclosed=True)
    entry = case.participants.get(role=Participant.Role.REPORTER)
    assert has_perm(w.vendor_a_admin, Permission.CVD_REPORTER_VIEW, case)
    assert has_perm(w.vendor_a_admin, VIEW, entry)
    assert not has_perm(w.observer, Permission.CVD_REPORTER_VIEW, case)
    assert not has_perm(w.observer, VIEW, entry)
    # Knowing who reported is not reading what they sent, nor its files.
    attachment = _attachment(report=report)
    assert not has_perm(w.vendor_a_admin, Permission.CVD_REPORT_VIEW, report)
    assert not has_perm(w.vendor_a_admin, Permission.CVD_ATTACHMENT_VIEW, attachment)
    assert has_perm(w.secretariat, Permission.CVD_ATTACHMENT_VIEW, attachment)


def test_a_report_is_read_by_its_reporter_its_queue_and_the_lead_of_its_case_only(
    cvd_world: Any, make_user: Any
) -> None:
    w = cvd_world
    reporter, other = make_user("rita@example.net"), make_user("otto@example.net")
    to_gamma = _report(reporter=reporter, disclosed=True, coordinator=w.coordinator_org)
    to_instance = _report(reporter=other, disclosed=True)
    assert has_perm(reporter, Permission.CVD_REPORT_VIEW, to_gamma)
    assert not has_perm(reporter, Permission.CVD_REPORT_VIEW, to_instance)
    assert has_perm(w.coordinator, Permission.CVD_REPORT_TRIAGE, to_gamma)
    assert not has_perm(w.coordinator, Permission.CVD_REPORT_VIEW, to_instance)
    # The secretariat triages the instance's queue, not a coordinator organisation's.
    assert not has_perm(w.secretariat, Permission.CVD_REPORT_VIEW, to_gamma)
    assert _listed(Report, w.secretariat) == {to_instance}
    for person in (w.vendor_a_admin, w.outsider, None):
        assert _listed(Report, person) == set()
    case = cases.open_case(actor=w.coordinator, title="Gamma's", report=to_gamma)
    cases.add_participant(
        actor=w.coordinator, case=case, role="other_coordinator", organisation=w.observer_org
    )
    # Helping to coordinate the case is not leading it: the report stays the lead's.
    assert has_perm(w.observer, VIEW, case)
    assert not has_perm(w.observer, Permission.CVD_REPORT_VIEW, to_gamma)


def test_a_coordinator_whose_grant_was_withdrawn_no_longer_triages_its_queue(
    cvd_world: Any,
) -> None:
    w = cvd_world
    report = _report(reporter=None, disclosed=False, coordinator=w.coordinator_org)
    assert has_perm(w.coordinator, Permission.CVD_REPORT_TRIAGE)
    Coordinator.objects.filter(organisation=w.coordinator_org).delete()
    assert not has_perm(w.coordinator, Permission.CVD_REPORT_TRIAGE, report)
    assert not has_perm(w.coordinator, Permission.CVD_REPORT_VIEW, report)
    assert not has_perm(w.coordinator, Permission.CVD_REPORT_TRIAGE)


# Vendors among themselves ------------------------------------------------------------


def test_a_vendor_never_reads_another_vendors_statements_threads_or_deliveries(
    cvd_world: Any,
) -> None:
    w = cvd_world
    theirs = Statement.objects.create(
        participant=w.participant_b, vulnerability=w.vulnerability, status="affected"
    )
    thread, post = _private(w, w.participant_b)
    delivery = Delivery.objects.create(
        participant=w.participant_b, address="dev@bolt.example", source="registered", through=0
    )
    event = CaseEvent.objects.create(
        case=w.case,
        audit_seq=1,
        tag="cvd:participant:tracking",
        summary="Bolt set its tracking id",
        audience="private",
        private_with=w.participant_b,
    )
    attachment = _attachment(post=post)
    objects = [
        (STATEMENTS, theirs), (POSTS, thread), (POSTS, post),
        (Permission.CVD_ATTACHMENT_VIEW, attachment),
        (Permission.CVD_DELIVERY_VIEW, delivery), (Permission.CVD_TIMELINE_VIEW, event),
        (Permission.CVD_PARTICIPANT_ACT, w.participant_b),
    ]  # fmt: skip
    for permission, obj in objects:
        assert not has_perm(w.vendor_a_admin, permission, obj), (permission, obj)
        assert not has_perm(w.observer, permission, obj), (permission, obj)
        assert has_perm(w.vendor_b_member, permission, obj), (permission, obj)
        assert has_perm(w.secretariat, permission, obj), (permission, obj)
    assert _listed(Statement, w.vendor_a_admin) == set()
    assert _listed(Thread, w.vendor_a_admin) == set()


def test_an_other_coordinator_sees_everything_and_manages_nothing(cvd_world: Any) -> None:
    w = cvd_world
    helper = cases.add_participant(
        actor=w.secretariat, case=w.case, role="other_coordinator", organisation=w.coordinator_org
    )
    theirs = Statement.objects.create(
        participant=w.participant_b, vulnerability=w.vulnerability, status="fixed"
    )
    thread, _ = _private(w, w.participant_a)
    assert has_perm(w.coordinator, STATEMENTS, theirs)
    assert has_perm(w.coordinator, POSTS, thread)
    assert has_perm(w.coordinator, Permission.CVD_REPORTER_VIEW, w.case)
    assert not has_perm(w.coordinator, Permission.CVD_CASE_COORDINATE, w.case)
    assert not has_perm(w.coordinator, Permission.CVD_PARTICIPANT_ACT, w.participant_a)
    assert has_perm(w.coordinator, Permission.CVD_PARTICIPANT_ACT, helper)


def test_an_invited_vendors_account_reaches_its_own_participant_alone(
    cvd_world: Any, make_user: Any
) -> None:
    w = cvd_world
    contact = make_user("psirt@outside.example")
    invited = Participant.objects.create(
        case=w.case, role="vendor", user=contact, email=contact.email, name="Outside Ltd"
    )
    invitation = ParticipantInvitation.objects.create(
        participant=invited,
        email=contact.email,
        key="k" * 16,
        digest="0" * 64,
        expires_at=timezone.now() + timedelta(days=7),
        accepted_at=timezone.now(),
        accepted_by=contact,
    )
    elsewhere = cases.open_case(actor=w.secretariat, title="Another case")
    assert selectors.roles_in(contact, w.case) == {"vendor"}
    assert set(selectors.cases_for(contact)) == {w.case}
    assert not has_perm(contact, VIEW, elsewhere)
    assert has_perm(contact, Permission.CVD_PARTICIPANT_ACT, invited)
    assert not has_perm(contact, Permission.CVD_PARTICIPANT_ACT, w.participant_a)
    # The invitation itself is the lead's business.
    assert not has_perm(contact, Permission.CVD_CASE_COORDINATE, invitation)
    assert has_perm(w.secretariat, Permission.CVD_CASE_COORDINATE, invitation)


# Observers ---------------------------------------------------------------------------


def test_an_observer_sees_only_what_the_coordinator_shares_with_it(cvd_world: Any) -> None:
    w = cvd_world
    case_thread = Thread.objects.create(case=w.case, title="Everyone but observers")
    shared = Thread.objects.create(case=w.case, title="Shared", include_observers=True)
    own, _ = _private(w, w.participant_observer)
    vendors, _ = _private(w, w.participant_a)
    statement = Statement.objects.create(
        participant=w.participant_a, vulnerability=w.vulnerability, status="affected"
    )
    entry = CaseEvent.objects.create(
        case=w.case, audit_seq=1, tag="cvd:case:open", summary="Opened", audience="case"
    )
    assert has_perm(w.observer, VIEW, w.case)
    assert has_perm(w.observer, VIEW, w.vulnerability)
    assert _listed(Thread, w.observer) == {shared, own}
    assert not has_perm(w.observer, POSTS, case_thread)
    assert not has_perm(w.observer, POSTS, vendors)
    assert not has_perm(w.observer, STATEMENTS, statement)
    assert not has_perm(w.observer, Permission.CVD_TIMELINE_VIEW, entry)
    # Of who takes part, an observer learns the coordinators and itself.
    assert _listed(Participant, w.observer) == {w.lead, w.participant_observer}
    assert has_perm(w.vendor_a_admin, POSTS, case_thread)
    assert has_perm(w.vendor_a_admin, Permission.CVD_TIMELINE_VIEW, entry)


# Losing access -----------------------------------------------------------------------


def _vendor_a_reads(w: Any) -> list[tuple[Permission, Model]]:
    own = Statement.objects.create(
        participant=w.participant_a, vulnerability=w.vulnerability, status="affected"
    )
    thread, post = _private(w, w.participant_a)
    proposal = EmbargoProposal.objects.create(
        case=w.case, ends_at=timezone.now() + timedelta(days=30)
    )
    return [
        (VIEW, w.case), (VIEW, w.vulnerability), (VIEW, proposal), (VIEW, w.participant_a),
        (STATEMENTS, own), (POSTS, thread), (POSTS, post),
        (Permission.CVD_PARTICIPANT_ACT, w.participant_a),
    ]  # fmt: skip


def test_a_removed_participant_sees_nothing_of_the_case_not_even_its_own(
    cvd_world: Any,
) -> None:
    w = cvd_world
    reads = _vendor_a_reads(w)
    assert all(has_perm(w.vendor_a_admin, p, obj) for p, obj in reads)
    cases.remove_participant(actor=w.secretariat, participant=w.participant_a)
    for permission, obj in reads:
        assert not has_perm(w.vendor_a_admin, permission, obj), (permission, obj)
    assert selectors.case_for(w.vendor_a_admin, w.case.reference) is None
    assert selectors.roles_in(w.vendor_a_admin, w.case) == frozenset()


@pytest.mark.parametrize("standing", ["suspended", "removed"])
def test_members_of_a_suspended_or_removed_organisation_lose_access_through_it(
    cvd_world: Any, standing: str
) -> None:
    w = cvd_world
    reads = _vendor_a_reads(w)
    Organisation.objects.filter(pk=w.vendor_a.pk).update(standing=standing)
    for permission, obj in reads:
        assert not has_perm(w.vendor_a_admin, permission, obj), (permission, obj)
    assert not has_perm(w.vendor_a_admin, Permission.CVD_CASE_OPEN)
    Organisation._base_manager.filter(pk=w.vendor_a.pk).update(standing="active")
    assert all(has_perm(w.vendor_a_admin, p, obj) for p, obj in reads)


def test_a_suspended_coordinator_organisation_stops_leading_its_cases(cvd_world: Any) -> None:
    w = cvd_world
    case = cases.open_case(actor=w.coordinator, title="Gamma's", organisation=w.coordinator_org)
    report = _report(reporter=None, disclosed=False, coordinator=w.coordinator_org)
    Organisation.objects.filter(pk=w.coordinator_org.pk).update(standing="suspended")
    assert not has_perm(w.coordinator, Permission.CVD_CASE_COORDINATE, case)
    assert not has_perm(w.coordinator, VIEW, case)
    assert not has_perm(w.coordinator, Permission.CVD_REPORT_TRIAGE, report)
    assert not has_perm(w.coordinator, Permission.CVD_REPORT_TRIAGE)


def test_leaving_the_organisation_or_a_closed_account_ends_access(cvd_world: Any) -> None:
    w = cvd_world
    reads = _vendor_a_reads(w)
    Membership.objects.filter(user=w.vendor_a_admin).delete()
    assert not any(has_perm(w.vendor_a_admin, p, obj) for p, obj in reads)
    User.objects.filter(pk=w.vendor_b_member.pk).update(is_active=False)
    w.vendor_b_member.refresh_from_db()
    assert not has_perm(w.vendor_b_member, VIEW, w.case)
    assert _listed(Case, w.vendor_b_member) == set()


# The secretariat and outsiders -------------------------------------------------------


def test_the_secretariat_reads_nothing_of_a_case_it_does_not_coordinate(cvd_world: Any) -> None:
    w = cvd_world
    case = cases.open_case(actor=w.coordinator, title="Gamma's", organisation=w.coordinator_org)
    vendor = cases.add_participant(
        actor=w.coordinator, case=case, role="vendor", organisation=w.vendor_a
    )
    flaw = Vulnerability.objects.create(case=case, number=1, title="Flaw")
    statement = Statement.objects.create(participant=vendor, vulnerability=flaw, status="fixed")
    thread = Thread.objects.create(case=case, title="Case")
    for permission, obj in [
        (VIEW, case), (VIEW, vendor), (VIEW, flaw), (STATEMENTS, statement), (POSTS, thread),
        (Permission.CVD_CASE_COORDINATE, case), (Permission.CVD_REPORTER_VIEW, case),
    ]:  # fmt: skip
        assert not has_perm(w.secretariat, permission, obj), (permission, obj)
        assert has_perm(w.coordinator, permission, obj), (permission, obj)
    assert case not in _listed(Case, w.secretariat)


def test_outsiders_reach_nothing_by_guessing_ids_or_references(cvd_world: Any) -> None:
    w = cvd_world
    _, post = _private(w, w.participant_a)
    product = AffectedProduct.objects.create(
        vulnerability=w.vulnerability, purl="pkg:generic/acme/router"
    )
    assert _listed(AffectedProduct, w.vendor_a_admin) == {product}
    for person in (w.outsider, w.coordinator, None):
        assert selectors.case_for(person, w.case.reference) is None
        assert selectors.case_for(person, "ACC-2026-0001" * 5) is None
        models = (Case, Participant, Thread, Post, Statement, CaseEvent, Delivery, AffectedProduct)
        for model in models:
            assert _listed(model, person) == set(), (person, model)
        assert not has_perm(person, POSTS, post)
    # An unsaved object, or one never stored, is refused whatever its fields say.
    assert not has_perm(w.secretariat, VIEW, Case(reference=w.case.reference))
    assert not has_perm(w.secretariat, VIEW, Participant(pk=10**9, case=w.case))


# Objects wired across two cases ------------------------------------------------------


def test_a_private_thread_wired_to_another_cases_participant_leaks_nothing(
    cvd_world: Any,
) -> None:
    """Should a service ever pair a thread with a participant of another case, that
    participant must not read the first case through it."""
    w = cvd_world
    other = cases.open_case(actor=w.coordinator, title="Gamma's", organisation=w.coordinator_org)
    stranger = cases.add_participant(
        actor=w.coordinator, case=other, role="vendor", organisation=w.vendor_b
    )
    # Bolt takes part in the other case only.
    Participant.objects.filter(pk=w.participant_b.pk).update(removed_at=timezone.now())
    thread, post = _private(w, stranger, case=w.case)
    event = CaseEvent.objects.create(
        case=w.case, audit_seq=1, tag="t", summary="s", audience="private", private_with=stranger
    )
    statement = Statement.objects.create(
        participant=stranger, vulnerability=w.vulnerability, status="affected"
    )
    bolt = w.vendor_b_member
    assert has_perm(bolt, VIEW, other)
    assert not has_perm(bolt, VIEW, w.case)
    for permission, obj in [
        (POSTS, thread), (POSTS, post), (Permission.CVD_TIMELINE_VIEW, event),
        (STATEMENTS, statement),
    ]:  # fmt: skip
        assert not has_perm(bolt, permission, obj), (permission, obj)
        assert has_perm(w.secretariat, permission, obj), (permission, obj)


def test_declared_products_are_their_organisations_and_the_secretariats(
    cvd_world: Any,
) -> None:
    w = cvd_world
    product = VendorProduct.objects.create(
        organisation=w.vendor_a, purl_type="npm", purl_namespace="acme"
    )
    assert has_perm(w.vendor_a_admin, Permission.CVD_PRODUCT_VIEW, product)
    assert has_perm(w.secretariat, Permission.CVD_PRODUCT_VIEW, product)
    assert not has_perm(w.vendor_b_member, Permission.CVD_PRODUCT_VIEW, product)
    assert not has_perm(w.secretariat, Permission.CVD_PRODUCT_DECLARE, w.vendor_a)
    Organisation.objects.filter(pk=w.vendor_a.pk).update(standing="removed")
    assert not has_perm(w.secretariat, Permission.CVD_PRODUCT_VIEW, product)
