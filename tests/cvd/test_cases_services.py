"""Editing a case and changing who takes part: the refusals the pages and the API lean
on, tested at the service."""

from __future__ import annotations

from typing import Any

import pytest

from accord.cvd import selectors
from accord.cvd.exceptions import InvalidField, NotAllowed, NotFound, StateConflict
from accord.cvd.models import CaseEvent, Participant
from accord.cvd.selectors import cases as case_selectors
from accord.cvd.services import cases, statements, vulnerabilities

pytestmark = pytest.mark.django_db


def test_the_lead_edits_title_summary_and_tlp(cvd_world: Any) -> None:
    w = cvd_world
    edited = cases.edit_case(actor=w.secretariat, case=w.case, tlp="red", summary=" Longer. ")
    assert (edited.tlp, edited.summary, edited.title) == ("red", "Longer.", w.case.title)
    entry = CaseEvent.objects.filter(tag="cvd:case:edit").get()
    assert entry.summary == "Case changed: summary, tlp"
    cases.edit_case(actor=w.secretariat, case=w.case, title="Renamed")
    assert CaseEvent.objects.filter(tag="cvd:case:edit").count() == 2


def test_an_edit_that_changes_nothing_records_nothing(cvd_world: Any) -> None:
    w = cvd_world
    cases.edit_case(actor=w.secretariat, case=w.case, title=w.case.title, tlp=w.case.tlp)
    assert not CaseEvent.objects.filter(tag="cvd:case:edit").exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"title": ""}, "title"), ({"summary": "s" * 20_001}, "summary"), ({"tlp": "white"}, "tlp")],
)
def test_a_bad_edit_names_its_field_and_keeps_the_case(
    cvd_world: Any, fields: dict[str, str], field: str
) -> None:
    w = cvd_world
    with pytest.raises(InvalidField) as refused:
        cases.edit_case(actor=w.secretariat, case=w.case, **fields)
    assert refused.value.field == field
    w.case.refresh_from_db()
    assert (w.case.title, w.case.tlp) == ("Heap overflow in the router firmware", "amber")


def test_only_the_lead_edits_and_outsiders_find_nothing(cvd_world: Any) -> None:
    w = cvd_world
    with pytest.raises(NotAllowed):
        cases.edit_case(actor=w.vendor_a_admin, case=w.case, title="x")
    with pytest.raises(NotFound):
        cases.edit_case(actor=w.outsider, case=w.case, title="x")


def test_a_participant_needs_a_role_and_someone(cvd_world: Any) -> None:
    w = cvd_world
    with pytest.raises(InvalidField) as refused:
        cases.add_participant(
            actor=w.secretariat, case=w.case, role="reporter", organisation=w.vendor_a
        )
    assert refused.value.field == "role"
    with pytest.raises(InvalidField) as refused:
        cases.add_participant(actor=w.secretariat, case=w.case, role="vendor")
    assert refused.value.field == "organisation"


def test_the_last_coordinator_stays(cvd_world: Any) -> None:
    w = cvd_world
    with pytest.raises(StateConflict):
        cases.remove_participant(actor=w.secretariat, participant=w.lead)
    assert Participant.objects.get(pk=w.lead.pk).removed_at is None


def test_report_states_and_tracking_ids_are_checked(cvd_world: Any) -> None:
    w = cvd_world
    with pytest.raises(InvalidField) as refused:
        cases.set_report_state(actor=w.vendor_a_admin, participant=w.participant_a, state="bogus")
    assert refused.value.field == "state"
    with pytest.raises(InvalidField) as refused:
        cases.set_tracking_id(
            actor=w.vendor_a_admin, participant=w.participant_a, tracking_id="x" * 101
        )
    assert refused.value.field == "tracking_id"
    tracked = cases.set_tracking_id(
        actor=w.vendor_a_admin, participant=w.participant_a, tracking_id=" T-1 "
    )
    assert tracked.tracking_id == "T-1"


def test_a_reference_too_long_to_be_one_finds_no_case(cvd_world: Any) -> None:
    assert selectors.case_for(cvd_world.secretariat, "ACC-" + "9" * 30) is None
    assert selectors.case_for(cvd_world.secretariat, "") is None


def test_a_participant_is_removed_once(cvd_world: Any) -> None:
    w = cvd_world
    cases.remove_participant(actor=w.secretariat, participant=w.participant_b)
    with pytest.raises(StateConflict, match="removed already"):
        cases.remove_participant(actor=w.secretariat, participant=w.participant_b)


def test_only_the_lead_is_offered_organisations_to_add(cvd_world: Any) -> None:
    w = cvd_world
    assert case_selectors.addable_organisations(w.vendor_a_admin, w.case).count() == 0
    assert w.vendor_b in case_selectors.addable_organisations(w.secretariat, w.case)


def test_the_lead_closes_and_reopens_a_case(cvd_world: Any) -> None:
    from accord.cvd.exceptions import InvalidField, NotAllowed, StateConflict

    w = cvd_world
    with pytest.raises(NotAllowed):
        cases.close_case(actor=w.vendor_a_admin, case=w.case, reason="done")
    with pytest.raises(InvalidField) as refused:
        cases.close_case(actor=w.secretariat, case=w.case, reason=" ")
    assert refused.value.field == "reason"
    closed = cases.close_case(actor=w.secretariat, case=w.case, reason="All vendors fixed it.")
    assert closed.closed_at is not None
    with pytest.raises(StateConflict, match="Allowed: reopen"):
        cases.close_case(actor=w.secretariat, case=closed, reason="again")
    reopened = cases.reopen_case(actor=w.secretariat, case=closed)
    assert reopened.closed_at is None
    with pytest.raises(StateConflict, match="Allowed: close"):
        cases.reopen_case(actor=w.secretariat, case=reopened)
    tags = list(w.case.events.order_by("id").values_list("tag", flat=True))
    assert tags[-2:] == ["cvd:case:close", "cvd:case:reopen"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda w: cases.edit_case(actor=w.secretariat, case=w.case, title="Bad\x01"), "title"),
        (lambda w: cases.edit_case(actor=w.secretariat, case=w.case, summary="a\x1bb"), "summary"),
        (lambda w: cases.edit_case(actor=w.secretariat, case=w.case, title="A\nB"), "title"),
        (
            lambda w: vulnerabilities.add_vulnerability(
                actor=w.secretariat, case=w.case, title="Flaw\x01"
            ),
            "title",
        ),
        (
            lambda w: vulnerabilities.edit_vulnerability(
                actor=w.secretariat, vulnerability=w.vulnerability, description="x\x08"
            ),
            "description",
        ),
        (
            lambda w: statements.make_statement(
                actor=w.vendor_a_admin,
                participant=w.participant_a,
                vulnerability=w.vulnerability,
                status="affected",
                note="s\x0ce",
            ),
            "note",
        ),
    ],
)
def test_control_characters_are_refused_by_their_field(
    cvd_world: Any, change: Any, field: str
) -> None:
    """XML cannot carry C0 control characters: one stored would break the published
    advisories and the public feed."""
    with pytest.raises(InvalidField, match="control characters") as refused:
        change(cvd_world)
    assert refused.value.field == field


def test_multi_line_text_keeps_its_tabs_and_line_breaks(cvd_world: Any) -> None:
    w = cvd_world
    edited = cases.edit_case(actor=w.secretariat, case=w.case, summary="One\r\n\tTwo")
    assert edited.summary == "One\r\n\tTwo"
