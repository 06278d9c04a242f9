"""Vulnerabilities of a case: numbered, scored, decided with SSVC, changed only by the
lead; a refused value stores nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from accord.cvd.exceptions import InvalidField, NotAllowed, NotFound, StateConflict
from accord.cvd.models import AffectedProduct, CaseEvent, Decision, Statement, Vulnerability
from accord.cvd.services import vulnerabilities

pytestmark = pytest.mark.django_db

V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
SUPPLIER = {"E": "A", "U": "S", "TI": "T", "PSI": "S"}


def add(w: Any, **fields: Any) -> Vulnerability:
    return vulnerabilities.add_vulnerability(actor=w.secretariat, case=w.case, **fields)


def test_the_lead_adds_numbered_scored_vulnerabilities(cvd_world: Any) -> None:
    w = cvd_world
    v2 = add(w, title="SQL injection", cwe_ids="CWE-89, 89", cvss_vector=V31)
    v3 = add(w, title="XSS", cwe_ids=["79"], cvss_vector=V40)
    assert (v2.number, v3.number) == (2, 3)
    v2.refresh_from_db()
    assert v2.cwe_ids == [89]
    assert (v2.cvss_version, v2.cvss_score, v2.cvss_severity) == ("3.1", Decimal("9.8"), "Critical")
    assert (v3.cvss_version, v3.cvss_score) == ("4.0", Decimal("9.3"))
    entry = CaseEvent.objects.filter(case=w.case, tag="cvd:vulnerability:add").first()
    assert entry is not None
    assert entry.summary == "V3 added: XSS"


def test_an_ssvc_supplier_decision_is_recorded_with_its_table(cvd_world: Any) -> None:
    v = add(cvd_world, title="RCE", ssvc_kind="supplier", ssvc_inputs=SUPPLIER)
    assert v.ssvc is not None
    assert v.ssvc.outcome_name == "Immediate"
    assert v.ssvc.table_id.startswith("ssvc:Supplier Patch Development Priority")
    assert v.ssvc.decided_by == cvd_world.secretariat
    deployer = add(
        cvd_world,
        title="Low",
        ssvc_kind="deployer",
        ssvc_inputs={"E": "N", "EXP": "S", "A": "N", "HI": "L"},
    )
    assert deployer.ssvc is not None
    assert deployer.ssvc.outcome_name == "Defer"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": " "}, "title"),
        ({"title": "t" * 201}, "title"),
        ({"title": "t", "description": "d" * 20_001}, "description"),
        ({"title": "t", "cwe_ids": "CWE-abc"}, "cwe_ids"),
        ({"title": "t", "cvss_vector": "CVSS:3.1/AV:N"}, "cvss_vector"),
        ({"title": "t", "ssvc_kind": "coordinator"}, "ssvc_kind"),
        ({"title": "t", "ssvc_kind": "supplier", "ssvc_inputs": {"E": "A"}}, "supplier_U"),
        ({"title": "t", "products": [{"purl": "npm/x"}]}, "purl"),
        ({"title": "t", "products": [{"cpe": "cpe:2.3:a:x"}]}, "cpe"),
        ({"title": "t", "products": [{"purl": "pkg:npm/x", "versions": "1.0"}]}, "versions"),
    ],
)
def test_a_refused_value_names_its_field_and_stores_nothing(
    cvd_world: Any, fields: dict[str, Any], field: str
) -> None:
    before = (
        Vulnerability.objects.count(),
        AffectedProduct.objects.count(),
        Decision.objects.count(),
    )
    with pytest.raises(InvalidField) as refused:
        add(cvd_world, **fields)
    assert refused.value.field == field
    after = (
        Vulnerability.objects.count(),
        AffectedProduct.objects.count(),
        Decision.objects.count(),
    )
    assert after == before


def test_a_vulnerability_is_added_with_its_products(cvd_world: Any) -> None:
    v = add(
        cvd_world,
        title="Overflow",
        products=[
            {"purl": "pkg:npm/%40acme/widget", "versions": "vers:npm/<1.4.2"},
            {"purl": "", "cpe": "", "versions": ""},
            {"cpe": "cpe:2.3:a:bolt:server:*:*:*:*:*:*:*:*"},
        ],
    )
    labels = [p.label for p in v.products.order_by("id")]
    assert labels == ["pkg:npm/%40acme/widget", "cpe:2.3:a:bolt:server:*:*:*:*:*:*:*:*"]


def test_only_the_lead_adds_and_outsiders_find_no_case(cvd_world: Any) -> None:
    w = cvd_world
    with pytest.raises(NotAllowed):
        vulnerabilities.add_vulnerability(actor=w.vendor_a_admin, case=w.case, title="x")
    with pytest.raises(NotFound):
        vulnerabilities.add_vulnerability(actor=w.outsider, case=w.case, title="x")
    assert Vulnerability.objects.count() == 1


def test_the_lead_edits_what_is_given(cvd_world: Any) -> None:
    w = cvd_world
    v = vulnerabilities.edit_vulnerability(
        actor=w.secretariat,
        vulnerability=w.vulnerability,
        cvss_vector=V40,
        ssvc_kind="supplier",
        ssvc_inputs=SUPPLIER,
    )
    v.refresh_from_db()
    assert (v.title, v.cvss_score, v.ssvc.outcome_name) == (
        "Heap overflow",
        Decimal("9.3"),
        "Immediate",
    )  # type: ignore[union-attr]
    v = vulnerabilities.edit_vulnerability(
        actor=w.secretariat,
        vulnerability=v,
        title="Heap overflow in parser",
        description="More.",
        cwe_ids=[122],
        cvss_vector="",
        ssvc_kind="",
    )
    v.refresh_from_db()
    assert (v.title, v.description, v.cwe_ids) == ("Heap overflow in parser", "More.", [122])
    assert (v.cvss_vector, v.cvss_score, v.cvss_severity, v.ssvc) == ("", None, "", None)


def test_a_refused_edit_keeps_what_was_stored(cvd_world: Any) -> None:
    w = cvd_world
    vulnerabilities.edit_vulnerability(
        actor=w.secretariat, vulnerability=w.vulnerability, cvss_vector=V31
    )
    with pytest.raises(InvalidField) as refused:
        vulnerabilities.edit_vulnerability(
            actor=w.secretariat,
            vulnerability=w.vulnerability,
            title="New",
            cvss_vector="CVSS:3.1/x",
        )
    assert refused.value.field == "cvss_vector"
    w.vulnerability.refresh_from_db()
    assert (w.vulnerability.title, w.vulnerability.cvss_vector) == ("Heap overflow", V31)
    with pytest.raises(NotAllowed):
        vulnerabilities.edit_vulnerability(
            actor=w.vendor_b_member, vulnerability=w.vulnerability, title="x"
        )


def test_a_vulnerability_without_statements_may_be_removed(cvd_world: Any) -> None:
    w = cvd_world
    extra = add(w, title="Duplicate")
    vulnerabilities.remove_vulnerability(actor=w.secretariat, vulnerability=extra)
    assert not Vulnerability.objects.filter(pk=extra.pk).exists()
    assert CaseEvent.objects.filter(tag="cvd:vulnerability:remove").exists()
    Statement.objects.create(participant=w.participant_a, vulnerability=w.vulnerability)
    with pytest.raises(StateConflict):
        vulnerabilities.remove_vulnerability(actor=w.secretariat, vulnerability=w.vulnerability)
    with pytest.raises(NotAllowed):
        vulnerabilities.remove_vulnerability(actor=w.vendor_a_admin, vulnerability=w.vulnerability)
    assert Vulnerability.objects.filter(pk=w.vulnerability.pk).exists()


def test_numbers_continue_after_the_highest(cvd_world: Any) -> None:
    w = cvd_world
    add(w, title="Two")
    three = add(w, title="Three")
    vulnerabilities.remove_vulnerability(actor=w.secretariat, vulnerability=three)
    assert add(w, title="Next").number == 3


def test_saving_the_same_ssvc_inputs_again_keeps_the_decision(cvd_world: Any) -> None:
    w = cvd_world
    edit = vulnerabilities.edit_vulnerability
    first = edit(
        actor=w.secretariat,
        vulnerability=w.vulnerability,
        ssvc_kind="supplier",
        ssvc_inputs=SUPPLIER,
    )
    again = edit(
        actor=w.secretariat, vulnerability=first, ssvc_kind="supplier", ssvc_inputs=SUPPLIER
    )
    assert again.ssvc == first.ssvc
    changed = edit(
        actor=w.secretariat,
        vulnerability=again,
        ssvc_kind="supplier",
        ssvc_inputs={**SUPPLIER, "E": "N"},
    )
    assert changed.ssvc != first.ssvc
    assert Decision.objects.count() == 2


def test_a_cve_id_assigned_elsewhere_is_given_once_per_case(cvd_world: Any) -> None:
    lead = cvd_world.secretariat
    v2 = vulnerabilities.add_vulnerability(
        actor=lead, case=cvd_world.case, title="Second", cve_id=" cve-2026-12345 "
    )
    assert v2.cve_id == "CVE-2026-12345"
    with pytest.raises(InvalidField, match="already names V2") as taken:
        vulnerabilities.edit_vulnerability(
            actor=lead, vulnerability=cvd_world.vulnerability, cve_id="CVE-2026-12345"
        )
    assert taken.value.field == "cve_id"
    for wrong in ("CVE-26-1", "CVE-2026-123", "2026-12345", "CVE-2026-1234\x00"):
        with pytest.raises(InvalidField, match="is not a CVE id"):
            vulnerabilities.edit_vulnerability(
                actor=lead, vulnerability=cvd_world.vulnerability, cve_id=wrong
            )
    cvd_world.vulnerability.refresh_from_db()
    assert cvd_world.vulnerability.cve_id == ""
    again = vulnerabilities.edit_vulnerability(
        actor=lead, vulnerability=v2, cve_id="CVE-2026-12345"
    )
    assert again.cve_id == "CVE-2026-12345"
    cleared = vulnerabilities.edit_vulnerability(actor=lead, vulnerability=v2, cve_id="")
    assert cleared.cve_id == ""
    event = CaseEvent.objects.filter(tag="cvd:vulnerability:add").latest("pk")
    assert event.summary.startswith("V2 added")
