"""Negotiating the embargo: proposals, answers, adoption, revision, withdrawal, an early
end with a reason, and the end on its date through the scheduler."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accord.audit.models import Event
from accord.cvd import states
from accord.cvd.exceptions import InvalidField, NotAllowed, NotFound, StateConflict
from accord.cvd.models import Case, CaseEvent, EmbargoProposal, EmbargoResponse, Participant
from accord.cvd.selectors import embargo as selectors
from accord.cvd.services import cases
from accord.cvd.services import embargo as services
from accord.cvd.tasks import end_due_embargoes_task, schedule_embargo_ends
from accord.worker import Scheduler

pytestmark = pytest.mark.django_db


def soon(days: int = 30) -> datetime:
    return (timezone.now() + timedelta(days=days)).replace(microsecond=0)


def propose(w: Any, actor: Any = None, days: int = 30) -> EmbargoProposal:
    return services.propose_embargo(
        actor=actor or w.vendor_a_admin, case=w.case, ends_at=soon(days)
    )


def fresh(case: Case) -> Case:
    case.refresh_from_db()
    return case


def test_a_vendor_proposes_and_counts_as_accepting(cvd_world: Any) -> None:
    w = cvd_world
    proposal = propose(w)
    assert fresh(w.case).embargo_state == states.EM_PROPOSED
    assert proposal.state == EmbargoProposal.State.OPEN
    assert proposal.proposed_by_participant == w.participant_a
    [response] = EmbargoResponse.objects.filter(proposal=proposal)
    assert (response.participant, response.answer) == (w.participant_a, "accept")
    entry = CaseEvent.objects.filter(case=w.case, tag="cvd:embargo:propose").get()
    assert entry.audience == CaseEvent.Audience.CASE
    assert "Acme Routers proposed an embargo until" in entry.summary
    assert Event.objects.filter(seq=entry.audit_seq, tag="cvd:embargo:propose").exists()


def test_an_embargo_date_in_the_past_is_refused_by_its_field(cvd_world: Any) -> None:
    w = cvd_world
    for when in (timezone.now() - timedelta(minutes=1), timezone.now() + timedelta(days=800)):
        with pytest.raises(InvalidField) as refused:
            services.propose_embargo(actor=w.vendor_a_admin, case=w.case, ends_at=when)
        assert refused.value.field == "ends_at"
    assert fresh(w.case).embargo_state == states.EM_NONE
    assert not EmbargoProposal.objects.exists()


def test_a_date_without_a_zone_is_read_as_utc(cvd_world: Any) -> None:
    w = cvd_world
    naive = datetime(soon().year + 1, 3, 1, 9, 30)
    proposal = services.propose_embargo(actor=w.vendor_a_admin, case=w.case, ends_at=naive)
    assert proposal.ends_at == naive.replace(tzinfo=UTC)


def test_observers_and_outsiders_do_not_propose(cvd_world: Any) -> None:
    w = cvd_world
    with pytest.raises(NotAllowed):
        propose(w, w.observer)
    with pytest.raises(NotFound):
        propose(w, w.outsider)
    assert not EmbargoProposal.objects.exists()


def test_a_lead_who_is_no_participant_proposes_as_the_coordinator(
    cvd_world: Any, make_user: Any
) -> None:
    w = cvd_world
    other = make_user("second@accord.example", instance_role="secretariat")
    proposal = propose(w, other)
    assert proposal.proposed_by_participant is None
    assert not proposal.responses.exists()
    assert selectors.embargo_view(other, w.case).proposals[0].proposed_by == "The coordinator"


def test_a_reporter_proposing_is_named_by_role_only(cvd_world: Any, make_user: Any) -> None:
    w = cvd_world
    finder = make_user("finder@example.org")
    reporter = cases.add_participant(
        actor=w.secretariat, case=w.case, role="vendor", user=finder, name="Jane Finder"
    )
    Participant.objects.filter(pk=reporter.pk).update(role=Participant.Role.REPORTER)
    propose(w, finder)
    entry = CaseEvent.objects.get(tag="cvd:embargo:propose")
    assert "Jane" not in entry.summary
    assert entry.summary.startswith("The reporter proposed")
    assert selectors.embargo_view(w.vendor_b_member, w.case).proposals[0].proposed_by == (
        "The reporter"
    )


def test_each_party_answers_and_may_change_its_mind(cvd_world: Any) -> None:
    w = cvd_world
    proposal = propose(w)
    services.answer_embargo(
        actor=w.vendor_b_member,
        proposal=proposal,
        participant=w.participant_b,
        answer="reject",
        comment="Too short for our release train.",
    )
    services.answer_embargo(
        actor=w.vendor_b_member, proposal=proposal, participant=w.participant_b, answer="accept"
    )
    response = EmbargoResponse.objects.get(proposal=proposal, participant=w.participant_b)
    assert (response.answer, response.comment) == ("accept", "")
    entries = CaseEvent.objects.filter(tag="cvd:embargo:answer")
    assert entries.count() == 2
    assert {(e.audience, e.private_with) for e in entries} == {("private", w.participant_b)}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"answer": "maybe"}, "answer"),
        ({"comment": "x" * (services.MAX_COMMENT + 1)}, "comment"),
    ],
)
def test_a_bad_answer_is_refused_by_its_field(
    cvd_world: Any, change: dict[str, Any], field: str
) -> None:
    w = cvd_world
    proposal = propose(w)
    values = {"answer": "accept", "comment": "", **change}
    with pytest.raises(InvalidField) as refused:
        services.answer_embargo(
            actor=w.vendor_b_member, proposal=proposal, participant=w.participant_b, **values
        )
    assert refused.value.field == field


def test_nobody_answers_for_another_party_but_the_lead(cvd_world: Any) -> None:
    w = cvd_world
    proposal = propose(w)
    with pytest.raises(NotAllowed):
        services.answer_embargo(
            actor=w.vendor_a_admin, proposal=proposal, participant=w.participant_b, answer="reject"
        )
    with pytest.raises(NotFound):
        services.answer_embargo(
            actor=w.outsider, proposal=proposal, participant=w.participant_b, answer="reject"
        )
    with pytest.raises(InvalidField) as observer:
        services.answer_embargo(
            actor=w.observer,
            proposal=proposal,
            participant=w.participant_observer,
            answer="accept",
        )
    assert observer.value.field == "participant"
    services.answer_embargo(
        actor=w.secretariat, proposal=proposal, participant=w.participant_b, answer="accept"
    )
    assert proposal.responses.count() == 2


def test_an_answer_for_a_participant_of_another_case_is_refused(cvd_world: Any) -> None:
    w = cvd_world
    other = cases.open_case(actor=w.secretariat, title="Other")
    elsewhere = cases.add_participant(
        actor=w.secretariat, case=other, role="vendor", organisation=w.vendor_b
    )
    proposal = propose(w)
    with pytest.raises(InvalidField) as refused:
        services.answer_embargo(
            actor=w.vendor_b_member, proposal=proposal, participant=elsewhere, answer="accept"
        )
    assert refused.value.field == "participant"


def test_the_lead_adopts_a_proposal_and_the_others_are_superseded(cvd_world: Any) -> None:
    w = cvd_world
    first, second = propose(w, days=30), propose(w, w.vendor_b_member, days=45)
    with pytest.raises(NotAllowed):
        services.adopt_embargo(actor=w.vendor_b_member, proposal=second)
    case = services.adopt_embargo(actor=w.secretariat, proposal=second)
    assert (case.embargo_state, case.embargo_ends_at) == (states.EM_ACTIVE, second.ends_at)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == ("superseded", "adopted")
    with pytest.raises(StateConflict, match="only an open proposal"):
        services.adopt_embargo(actor=w.secretariat, proposal=second)
    with pytest.raises(StateConflict):
        services.answer_embargo(
            actor=w.vendor_b_member, proposal=first, participant=w.participant_b, answer="accept"
        )
    assert CaseEvent.objects.filter(tag="cvd:embargo:adopt").count() == 1


def test_a_proposal_whose_date_has_passed_is_not_adopted(cvd_world: Any) -> None:
    w = cvd_world
    proposal = propose(w)
    EmbargoProposal.objects.filter(pk=proposal.pk).update(
        ends_at=timezone.now() - timedelta(hours=1)
    )
    with pytest.raises(InvalidField) as refused:
        services.adopt_embargo(actor=w.secretariat, proposal=proposal)
    assert refused.value.field == "ends_at"
    assert fresh(w.case).embargo_state == states.EM_PROPOSED


def test_a_new_proposal_while_active_is_a_revision(cvd_world: Any) -> None:
    w = cvd_world
    original = propose(w)
    services.adopt_embargo(actor=w.secretariat, proposal=original)
    revision = propose(w, w.vendor_b_member, days=60)
    case = fresh(w.case)
    # The active date holds until the revision is adopted.
    assert (case.embargo_state, case.embargo_ends_at) == (states.EM_REVISE, original.ends_at)
    case = services.adopt_embargo(actor=w.secretariat, proposal=revision)
    assert (case.embargo_state, case.embargo_ends_at) == (states.EM_ACTIVE, revision.ends_at)
    original.refresh_from_db()
    assert original.state == EmbargoProposal.State.SUPERSEDED


def test_withdrawing_the_last_open_proposal_moves_the_state_back(cvd_world: Any) -> None:
    w = cvd_world
    first, second = propose(w), propose(w, days=40)
    with pytest.raises(NotAllowed):
        services.withdraw_embargo_proposal(actor=w.vendor_a_admin, proposal=first)
    assert services.withdraw_embargo_proposal(
        actor=w.secretariat, proposal=first
    ).embargo_state == (states.EM_PROPOSED)
    assert services.withdraw_embargo_proposal(
        actor=w.secretariat, proposal=second
    ).embargo_state == (states.EM_NONE)
    with pytest.raises(StateConflict):
        services.withdraw_embargo_proposal(actor=w.secretariat, proposal=second)
    active = propose(w)
    services.adopt_embargo(actor=w.secretariat, proposal=active)
    revision = propose(w, days=50)
    case = services.withdraw_embargo_proposal(actor=w.secretariat, proposal=revision)
    assert (case.embargo_state, case.embargo_ends_at) == (states.EM_ACTIVE, active.ends_at)
    assert CaseEvent.objects.filter(tag="cvd:embargo:withdraw").count() == 3


def test_the_lead_ends_an_embargo_early_with_a_reason(cvd_world: Any) -> None:
    w = cvd_world
    proposal = propose(w)
    services.adopt_embargo(actor=w.secretariat, proposal=proposal)
    stray = propose(w, days=90)
    for reason in ("  ", "x" * (services.MAX_REASON + 1)):
        with pytest.raises(InvalidField) as refused:
            services.end_embargo(actor=w.secretariat, case=w.case, reason=reason)
        assert refused.value.field == "reason"
    with pytest.raises(NotAllowed):
        services.end_embargo(actor=w.vendor_a_admin, case=w.case, reason="We want out")
    case = services.end_embargo(
        actor=w.secretariat, case=w.case, reason="Exploitation seen in the wild."
    )
    assert case.embargo_state == states.EM_EXITED
    assert case.embargo_exit_reason == "Exploitation seen in the wild."
    assert case.embargo_exited_at is not None
    stray.refresh_from_db()
    assert stray.state == EmbargoProposal.State.SUPERSEDED
    entry = CaseEvent.objects.get(tag="cvd:embargo:end")
    assert "Exploitation seen in the wild." in entry.summary


def test_illegal_moves_are_refused_with_the_allowed_ones(cvd_world: Any) -> None:
    w = cvd_world
    with pytest.raises(StateConflict, match=r"none; it cannot become exited\. Allowed: proposed"):
        services.end_embargo(actor=w.secretariat, case=w.case, reason="Nothing to end")
    proposal = propose(w)
    with pytest.raises(StateConflict, match=r"Allowed: none, active, proposed"):
        services.end_embargo(actor=w.secretariat, case=w.case, reason="Not active yet")
    services.adopt_embargo(actor=w.secretariat, proposal=proposal)
    services.end_embargo(actor=w.secretariat, case=w.case, reason="Published early")
    with pytest.raises(StateConflict, match="none: it is final"):
        propose(w)
    assert fresh(w.case).embargo_state == states.EM_EXITED


def active_until(w: Any, ends_at: datetime) -> Case:
    proposal = propose(w)
    services.adopt_embargo(actor=w.secretariat, proposal=proposal)
    Case.objects.filter(pk=w.case.pk).update(embargo_ends_at=ends_at)
    return fresh(w.case)


def test_an_embargo_ends_on_its_date_once(cvd_world: Any) -> None:
    w = cvd_world
    due = timezone.now() - timedelta(minutes=5)
    active_until(w, due)
    later = cases.open_case(actor=w.secretariat, title="Later")
    services.propose_embargo(actor=w.secretariat, case=later, ends_at=soon(10))
    services.adopt_embargo(actor=w.secretariat, proposal=later.embargo_proposals.get())
    assert services.end_due_embargoes(now=timezone.now()) == 1
    case = fresh(w.case)
    assert (case.embargo_state, case.embargo_exited_at) == (states.EM_EXITED, due)
    assert case.embargo_exit_reason == services.SCHEDULED_END
    assert fresh(later).embargo_state == states.EM_ACTIVE
    assert services.end_due_embargoes(now=timezone.now()) == 0
    assert CaseEvent.objects.filter(tag="cvd:embargo:expire").count() == 1
    assert CaseEvent.objects.get(tag="cvd:embargo:expire").actor is None


def test_a_revision_pending_does_not_keep_an_embargo_past_its_date(cvd_world: Any) -> None:
    w = cvd_world
    active_until(w, timezone.now() + timedelta(hours=1))
    propose(w, days=60)
    assert fresh(w.case).embargo_state == states.EM_REVISE
    assert services.end_due_embargoes(now=timezone.now() + timedelta(hours=2)) == 1
    assert fresh(w.case).embargo_state == states.EM_EXITED


def test_the_scheduler_ends_the_embargo_on_its_date(
    cvd_world: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    w = cvd_world
    ends = timezone.now() + timedelta(days=3)
    active_until(w, ends)
    clock = [ends - timedelta(minutes=1)]
    scheduler = Scheduler(every=300, interval=timedelta(days=1), clock=lambda: clock[0])
    with django_capture_on_commit_callbacks(execute=True):
        scheduler.tick()
    assert fresh(w.case).embargo_state == states.EM_ACTIVE
    clock[0] = ends + timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        scheduler.tick()
        scheduler.tick()
    case = fresh(w.case)
    assert (case.embargo_state, case.embargo_exited_at) == (states.EM_EXITED, ends)
    assert CaseEvent.objects.filter(tag="cvd:embargo:expire").count() == 1


def test_the_task_ends_what_is_due_now_and_schedules_only_when_due(
    cvd_world: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    w = cvd_world
    assert schedule_embargo_ends(now=timezone.now()) is False
    active_until(w, timezone.now() - timedelta(seconds=1))
    assert end_due_embargoes_task.call() == 1
    assert fresh(w.case).embargo_state == states.EM_EXITED
    assert schedule_embargo_ends(now=timezone.now()) is False


def test_the_lead_sees_who_accepted_rejected_and_stayed_silent(cvd_world: Any) -> None:
    w = cvd_world
    proposal = propose(w)
    services.answer_embargo(
        actor=w.vendor_b_member,
        proposal=proposal,
        participant=w.participant_b,
        answer="reject",
        comment="Too soon",
    )
    [item] = selectors.embargo_view(w.secretariat, w.case).proposals
    assert (item.accepted, item.rejected, item.silent) == (1, 1, 1)
    assert {(r.participant.name, r.answer) for r in item.answers} == {
        ("Acme Routers", "accept"),
        ("Bolt Software", "reject"),
    }
    # The observer is told of the embargo; it is not a party that answers.
    assert [party.pk for party in item.silent_parties] == [w.lead.pk]


def test_others_see_the_tally_and_their_own_answer_only(cvd_world: Any) -> None:
    w = cvd_world
    proposal = propose(w)
    services.answer_embargo(
        actor=w.vendor_b_member, proposal=proposal, participant=w.participant_b, answer="reject"
    )
    view = selectors.embargo_view(w.vendor_b_member, w.case)
    [item] = view.proposals
    assert not view.sees_answers
    assert (item.accepted, item.rejected, item.silent) == (1, 1, 1)
    assert [r.participant for r in item.own] == [w.participant_b]
    assert item.answers == []
    assert item.silent_parties == []
    assert view.answering_as == [w.participant_b]
    observer = selectors.embargo_view(w.observer, w.case)
    assert observer.answering_as == []
    assert observer.proposals[0].own == []


def test_a_removed_party_no_longer_counts(cvd_world: Any) -> None:
    w = cvd_world
    proposal = propose(w)
    services.answer_embargo(
        actor=w.vendor_b_member, proposal=proposal, participant=w.participant_b, answer="reject"
    )
    cases.remove_participant(actor=w.secretariat, participant=w.participant_b)
    [item] = selectors.embargo_view(w.secretariat, w.case).proposals
    assert (item.accepted, item.rejected, item.silent) == (1, 0, 1)
    assert [r.participant for r in item.answers] == [w.participant_a]


def test_proposals_and_parties_are_found_only_within_the_case(cvd_world: Any) -> None:
    w = cvd_world
    proposal = propose(w)
    assert selectors.proposal_for(w.vendor_b_member, w.case, proposal.pk) == proposal
    assert selectors.proposal_for(w.outsider, w.case, proposal.pk) is None
    assert selectors.proposal_for(w.secretariat, w.case, 2**63) is None
    assert selectors.proposal_for(w.secretariat, w.case, 0) is None
    roles = services.NEGOTIATORS
    assert selectors.acting_party(w.vendor_b_member, w.case, roles=roles) == w.participant_b
    assert selectors.acting_party(w.observer, w.case, roles=roles) is None
    named = selectors.acting_party(
        w.secretariat, w.case, roles=roles, participant_id=w.participant_a.pk
    )
    assert named == w.participant_a
    assert selectors.acting_party(w.outsider, w.case, roles=roles, participant_id=w.lead.pk) is None
    assert selectors.acting_party(w.secretariat, w.case, roles=roles, participant_id=2**63) is None


def test_a_member_of_two_parties_acts_as_its_token_organisation_first(cvd_world: Any) -> None:
    w = cvd_world
    from accord.accounts.models import Membership

    Membership.objects.create(user=w.vendor_b_member, organisation=w.vendor_a, role="member")
    roles = services.NEGOTIATORS
    by_token = selectors.acting_party(
        w.vendor_b_member, w.case, roles=roles, organisation=w.vendor_b
    )
    assert by_token == w.participant_b
    by_token = selectors.acting_party(
        w.vendor_b_member, w.case, roles=roles, organisation=w.vendor_a
    )
    assert by_token == w.participant_a


def test_an_embargo_ended_meanwhile_is_not_ended_again(cvd_world: Any) -> None:
    w = cvd_world
    case = active_until(cvd_world, timezone.now() - timedelta(minutes=1))
    services.end_embargo(actor=w.secretariat, case=case, reason="Ended by hand first")
    # The sweep had listed it before the lead ended it: its second look finds it ended.
    assert services._end_if_due(case.pk, timezone.now()) == 0
    assert fresh(case).embargo_exit_reason == "Ended by hand first"
