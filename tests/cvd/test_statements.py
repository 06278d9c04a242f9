"""Vendors' statements (VEX) and disputes: what each vendor may state, who reads which,
and the coordinators' matrix with silent vendors marked, in a fixed number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accord.cvd.exceptions import InvalidField, NotAllowed, NotFound, StateConflict
from accord.cvd.models import AffectedProduct, CaseEvent, Participant, Statement, Vulnerability
from accord.cvd.selectors import statements as selectors
from accord.cvd.services import cases
from accord.cvd.services import statements as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(cvd_world: Any) -> AffectedProduct:
    return AffectedProduct.objects.create(
        vulnerability=cvd_world.vulnerability, purl="pkg:generic/acme/router-fw"
    )


def state(w: Any, who: Any = None, participant: Any = None, **values: Any) -> Statement:
    values.setdefault("status", "affected")
    return services.make_statement(
        actor=who or w.vendor_a_admin,
        participant=participant or w.participant_a,
        vulnerability=values.pop("vulnerability", w.vulnerability),
        **values,
    )


def test_a_vendor_states_per_product_and_as_a_whole(cvd_world: Any, product: Any) -> None:
    w = cvd_world
    whole = state(w, status="under_investigation", note="Looking")
    on_product = state(
        w, product=product, status="not_affected", justification="component_not_present"
    )
    assert (whole.product, whole.status, whole.note) == (None, "under_investigation", "Looking")
    assert (on_product.product, on_product.justification) == (product, "component_not_present")
    fixed = state(w, product=product, status="fixed", fixed_version=" 2.4.1 ")
    assert fixed.pk == on_product.pk
    assert (fixed.status, fixed.fixed_version, fixed.justification) == ("fixed", "2.4.1", "")
    assert Statement.objects.count() == 2
    entries = CaseEvent.objects.filter(tag="cvd:statement:set").order_by("id")
    assert [e.summary for e in entries][-1] == (
        "Acme Routers on V1 (pkg:generic/acme/router-fw): fixed (2.4.1)"
    )
    assert {(e.audience, e.private_with) for e in entries} == {("private", w.participant_a)}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"status": "vulnerable"}, "status"),
        ({"status": "not_affected"}, "justification"),
        ({"status": "not_affected", "justification": "because"}, "justification"),
        ({"status": "fixed"}, "fixed_version"),
        ({"status": "fixed", "fixed_version": "9" * 101}, "fixed_version"),
        ({"status": "affected", "note": "n" * (services.MAX_NOTE + 1)}, "note"),
    ],
)
def test_a_bad_statement_is_refused_by_its_field(
    cvd_world: Any, values: dict[str, Any], field: str
) -> None:
    w = cvd_world
    state(w, status="affected", note="kept")
    with pytest.raises(InvalidField) as refused:
        state(w, **values)
    assert refused.value.field == field
    assert Statement.objects.get().note == "kept"


def test_statements_are_about_this_case_and_by_vendors(cvd_world: Any, product: Any) -> None:
    w = cvd_world
    other = cases.open_case(actor=w.secretariat, title="Other")
    elsewhere = Vulnerability.objects.create(case=other, number=1, title="Elsewhere")
    stray = AffectedProduct.objects.create(vulnerability=elsewhere, purl="pkg:generic/x/y")
    with pytest.raises(InvalidField) as refused:
        state(w, product=stray)
    assert refused.value.field == "product"
    with pytest.raises(InvalidField) as refused:
        state(w, w.secretariat, vulnerability=elsewhere)
    assert refused.value.field == "participant"
    with pytest.raises(InvalidField) as refused:
        state(w, w.observer, participant=w.participant_observer)
    assert refused.value.field == "participant"
    assert not Statement.objects.exists()


def test_a_vendor_states_only_for_itself_and_the_lead_for_any(cvd_world: Any) -> None:
    w = cvd_world
    with pytest.raises(NotAllowed):
        state(w, w.vendor_b_member, participant=w.participant_a)
    with pytest.raises(NotFound):
        state(w, w.outsider, participant=w.participant_a)
    recorded = state(w, w.secretariat, participant=w.participant_b, status="unknown")
    assert (recorded.participant, recorded.updated_by) == (w.participant_b, w.secretariat)


def test_a_vendor_disputes_with_a_reason_and_withdraws_it(cvd_world: Any) -> None:
    w = cvd_world
    for reason in ("", "r" * (services.MAX_REASON + 1)):
        with pytest.raises(InvalidField) as refused:
            services.dispute_vulnerability(
                actor=w.vendor_b_member,
                participant=w.participant_b,
                vulnerability=w.vulnerability,
                reason=reason,
            )
        assert refused.value.field == "reason"
    disputed = services.dispute_vulnerability(
        actor=w.vendor_b_member,
        participant=w.participant_b,
        vulnerability=w.vulnerability,
        reason="Not our code: we ship no such parser.",
    )
    assert (disputed.disputed, disputed.product, disputed.status) == (True, None, "unknown")
    # A statement on the whole keeps the dispute.
    again = state(w, w.vendor_b_member, participant=w.participant_b, status="under_investigation")
    assert (again.pk, again.disputed) == (disputed.pk, True)
    withdrawn = services.withdraw_dispute(
        actor=w.vendor_b_member, participant=w.participant_b, vulnerability=w.vulnerability
    )
    assert (withdrawn.disputed, withdrawn.dispute_reason) == (False, "")
    with pytest.raises(StateConflict, match=r"does not dispute V1\. Allowed: dispute"):
        services.withdraw_dispute(
            actor=w.vendor_b_member, participant=w.participant_b, vulnerability=w.vulnerability
        )
    tags = list(
        CaseEvent.objects.filter(tag__startswith="cvd:statement:").values_list("tag", flat=True)
    )
    assert sorted(tags) == ["cvd:statement:dispute", "cvd:statement:set", "cvd:statement:undispute"]


def test_vendor_b_never_reads_vendor_a_statements(cvd_world: Any, make_user: Any) -> None:
    w = cvd_world
    mine = state(w)
    theirs = state(w, w.vendor_b_member, participant=w.participant_b, status="unknown")
    helper = make_user("helper@cert.example")
    cases.add_participant(actor=w.secretariat, case=w.case, role="other_coordinator", user=helper)
    assert list(selectors.statements_for(w.vendor_a_admin, w.case)) == [mine]
    assert list(selectors.statements_for(w.vendor_b_member, w.case)) == [theirs]
    assert list(selectors.statements_for(w.observer, w.case)) == []
    assert list(selectors.statements_for(w.outsider, w.case)) == []
    assert set(selectors.statements_for(w.secretariat, w.case)) == {mine, theirs}
    assert set(selectors.statements_for(helper, w.case)) == {mine, theirs}
    assert selectors.sees_matrix(helper, w.case)
    assert not selectors.sees_matrix(w.vendor_a_admin, w.case)
    assert not selectors.sees_matrix(w.observer, w.case)


def test_a_vendor_own_view_lists_every_column(cvd_world: Any, product: Any) -> None:
    w = cvd_world
    state(w, product=product, status="affected")
    [row] = selectors.own_statements(w.vendor_a_admin, w.case)
    assert row.participant == w.participant_a
    assert [cell.column.label for cell in row.cells] == [
        "V1 as a whole",
        "V1 pkg:generic/acme/router-fw",
    ]
    assert [cell.statement and cell.statement.status for cell in row.cells] == [None, "affected"]
    assert not row.silent
    assert selectors.own_statements(w.observer, w.case) == []
    [row_b] = selectors.own_statements(w.vendor_b_member, w.case)
    assert row_b.silent


def test_columns_are_found_by_their_form_value(cvd_world: Any, product: Any) -> None:
    w = cvd_world
    columns = selectors.columns_of(w.secretariat, w.case)
    assert [column.value for column in columns] == ["1", f"1:{product.pk}"]
    assert selectors.column_for(columns, f"1:{product.pk}") == columns[1]
    assert selectors.column_for(columns, "2") is None
    assert selectors.vulnerability_for(w.vendor_b_member, w.case, 1) == w.vulnerability
    assert selectors.vulnerability_for(w.outsider, w.case, 1) is None
    assert selectors.product_for(w.vendor_b_member, w.vulnerability, product.pk) == product
    assert selectors.product_for(w.outsider, w.vulnerability, product.pk) is None
    assert list(selectors.vendors_stated_for(w.vendor_a_admin, w.case)) == [w.participant_a]
    assert set(selectors.vendors_stated_for(w.secretariat, w.case)) == {
        w.participant_a,
        w.participant_b,
    }


def test_the_matrix_marks_silent_vendors(cvd_world: Any, product: Any) -> None:
    w = cvd_world
    state(w, product=product, status="fixed", fixed_version="2.0")
    matrix = selectors.statement_matrix(w.secretariat, w.case)
    assert [column.label for column in matrix.columns] == [
        "V1 as a whole",
        "V1 pkg:generic/acme/router-fw",
    ]
    rows = {row.participant.name: row for row in matrix.rows}
    assert set(rows) == {"Acme Routers", "Bolt Software"}
    assert not rows["Acme Routers"].silent
    assert rows["Bolt Software"].silent
    assert [c.statement and c.statement.status for c in rows["Acme Routers"].cells] == [
        None,
        "fixed",
    ]


def many_vendors(w: Any, vendors: int, vulnerabilities: int, prefix: str) -> None:
    """`vendors` more vendors in the case and `vulnerabilities` more vulnerabilities (each
    with a product); each new vendor but every tenth states on every vulnerability."""
    added = Participant.objects.bulk_create(
        Participant(
            case=w.case, role="vendor", name=f"{prefix} {n:04d}", email=f"{prefix}{n}@x.org"
        )
        for n in range(vendors)
    )
    first = Vulnerability.objects.filter(case=w.case).count() + 1
    new = Vulnerability.objects.bulk_create(
        Vulnerability(case=w.case, number=n, title=f"Flaw {n}")
        for n in range(first, first + vulnerabilities)
    )
    AffectedProduct.objects.bulk_create(
        AffectedProduct(vulnerability=v, purl=f"pkg:generic/acme/p{v.number}") for v in new
    )
    every = list(Vulnerability.objects.filter(case=w.case))
    Statement.objects.bulk_create(
        Statement(participant=p, vulnerability=v, status="affected")
        for i, p in enumerate(added)
        if i % 10
        for v in every
    )


def test_the_matrix_takes_a_fixed_number_of_queries(
    cvd_world: Any, django_assert_max_num_queries: Any
) -> None:
    w = cvd_world
    many_vendors(w, 3, 1, "Small")
    with CaptureQueriesContext(connection) as small:
        selectors.statement_matrix(w.secretariat, w.case)
    many_vendors(w, 500, 18, "Vendor")
    with django_assert_max_num_queries(len(small.captured_queries)):
        matrix = selectors.statement_matrix(w.secretariat, w.case, page=2)
    assert len(matrix.rows) == selectors.VENDORS_PER_PAGE
    assert len(matrix.columns) == 20 + 19  # V1 has no product here
    assert matrix.page.paginator.count == 505
    silent = [row.participant.name for row in matrix.rows if row.silent]
    assert silent == ["Vendor 0050", "Vendor 0060", "Vendor 0070", "Vendor 0080", "Vendor 0090"]
