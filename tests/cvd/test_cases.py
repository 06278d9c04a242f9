"""Opening cases, numbering them, and who takes part."""

from __future__ import annotations

from typing import Any

import pytest

from accord.access import Permission, has_perm
from accord.cvd import selectors
from accord.cvd.exceptions import InvalidField, NotAllowed, StateConflict
from accord.cvd.models import Case, CaseEvent, Participant
from accord.cvd.services import cases

pytestmark = pytest.mark.django_db


def test_cases_are_numbered_per_year(cvd_world: Any) -> None:
    second = cases.open_case(actor=cvd_world.secretariat, title="Second", tlp="red")
    year = second.opened_at.year
    assert cvd_world.case.reference == f"ACC-{year}-0001"
    assert second.reference == f"ACC-{year}-0002"


def test_only_participants_and_the_lead_see_a_case(cvd_world: Any) -> None:
    w = cvd_world
    for person in (w.secretariat, w.vendor_a_admin, w.vendor_b_member, w.observer):
        assert has_perm(person, Permission.CVD_CASE_VIEW, w.case), person
        assert selectors.case_for(person, w.case.reference) == w.case
    for person in (w.outsider, w.coordinator, None):
        assert not has_perm(person, Permission.CVD_CASE_VIEW, w.case)
        assert selectors.case_for(person, w.case.reference) is None


def test_the_secretariat_does_not_see_a_case_it_does_not_lead(cvd_world: Any) -> None:
    w = cvd_world
    own = cases.open_case(actor=w.vendor_a_admin, title="Our own flaw", organisation=w.vendor_a)
    assert selectors.roles_in(w.vendor_a_admin, own) == {"lead", "coordinator", "vendor"}
    assert not has_perm(w.secretariat, Permission.CVD_CASE_VIEW, own)
    assert not has_perm(w.vendor_b_member, Permission.CVD_CASE_VIEW, own)


def test_a_coordinator_organisation_leads_the_cases_it_opens(cvd_world: Any) -> None:
    w = cvd_world
    case = cases.open_case(actor=w.coordinator, title="Coordinated", organisation=w.coordinator_org)
    assert has_perm(w.coordinator, Permission.CVD_CASE_COORDINATE, case)
    assert case.participants.get().role == Participant.Role.COORDINATOR
    assert not has_perm(w.secretariat, Permission.CVD_CASE_VIEW, case)


def test_nobody_opens_a_case_for_another_organisation(cvd_world: Any) -> None:
    with pytest.raises(NotAllowed):
        cases.open_case(actor=cvd_world.vendor_b_member, title="x", organisation=cvd_world.vendor_a)
    with pytest.raises(NotAllowed):
        cases.open_case(actor=cvd_world.vendor_b_member, title="x")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": " "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "t", "tlp": "white"}, "tlp"),
    ],
)
def test_bad_case_fields_name_the_field(cvd_world: Any, fields: dict[str, str], field: str) -> None:
    before = Case.objects.count()
    with pytest.raises(InvalidField) as refused:
        cases.open_case(actor=cvd_world.secretariat, **fields)
    assert refused.value.field == field
    assert Case.objects.count() == before


def test_report_state_moves_follow_vultron(cvd_world: Any) -> None:
    w = cvd_world
    p = cases.set_report_state(actor=w.vendor_a_admin, participant=w.participant_a, state="valid")
    assert p.rm_state == "valid"
    with pytest.raises(StateConflict) as refused:
        cases.set_report_state(actor=w.vendor_a_admin, participant=p, state="received")
    assert "Allowed: accepted, deferred" in str(refused.value)
    with pytest.raises(NotAllowed):
        cases.set_report_state(actor=w.vendor_b_member, participant=p, state="accepted")


def test_every_step_is_on_the_timeline_and_in_the_audit_log(cvd_world: Any) -> None:
    w = cvd_world
    cases.set_tracking_id(
        actor=w.vendor_a_admin, participant=w.participant_a, tracking_id="PSIRT-7"
    )
    tags = list(CaseEvent.objects.filter(case=w.case).order_by("id").values_list("tag", flat=True))
    assert tags[0] == "cvd:case:open"
    assert tags[-1] == "cvd:participant:tracking"
    private = CaseEvent.objects.get(tag="cvd:participant:tracking")
    assert CaseEvent.objects.visible_to(w.vendor_a_admin).filter(pk=private.pk).exists()
    assert not CaseEvent.objects.visible_to(w.vendor_b_member).filter(pk=private.pk).exists()


def test_a_lead_is_never_left_without_a_coordinator(cvd_world: Any) -> None:
    with pytest.raises(StateConflict):
        cases.remove_participant(actor=cvd_world.secretariat, participant=cvd_world.lead)
